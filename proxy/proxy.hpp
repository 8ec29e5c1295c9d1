// Proxy mode: recreates the client's connections with ordinary sockets,
// speaking the protocol on stdin/stdout. Needs no privilege.
#pragma once

#include "common/options.hpp"

namespace tfunnel {

// Runs until the channel ends; returns the process exit status.
int proxy_run(const Options& options, int channel_in, int channel_out);

}  // namespace tfunnel
