// --remote HOST: the client starts the proxy over ssh with nothing installed
// on HOST. The remote shell runs a tfunnel of the same version from its PATH
// if it has one; otherwise it says so, receives this very binary through the
// ssh channel, runs it from a private temporary file and removes the file when
// it exits. Either way it announces itself with one line before the protocol
// starts, so that whatever login scripts print before it is skipped.
#pragma once

#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/options.hpp"

namespace tfunnel {

// The transport command: --ssh-cmd's words, `--`, HOST, the remote script.
// HOST and the words are passed as separate arguments (no local shell); the
// remote script is built from constants only.
std::vector<std::string> remote_command(const Options& options, std::size_t binary_size);

// On the transport's pipes, before the session: reads the remote script's
// announcement (logging other lines it skips) and sends the binary when asked.
// False, with `error`, when the remote side cannot run a proxy.
bool remote_bootstrap(int in_fd, int out_fd, const std::string& binary, Logger& log, std::string& error);

}  // namespace tfunnel
