// Client mode: the TPROXY side, speaking the protocol on stdin/stdout.
#pragma once

#include "common/options.hpp"

namespace tfunnel {

// Runs until the channel ends; returns the process exit status.
int client_run(const Options& options, int channel_in, int channel_out);

}  // namespace tfunnel
