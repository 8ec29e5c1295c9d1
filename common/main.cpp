// tfunnel: `tfunnel -p PORT` is the client, `tfunnel` alone the proxy.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "common/options.hpp"
#include "proxy/proxy.hpp"

namespace {

// The channel keeps private duplicates of stdin and stdout; fd 1 then points
// at stderr, so that no stray write (a library, an assertion) can ever land
// in the protocol stream.
bool channel_fds(int& in, int& out) {
  in = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  out = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  return in >= 0 && out >= 0 && ::dup2(STDERR_FILENO, STDOUT_FILENO) >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = tfunnel::options_parse(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.options) {
    std::fprintf(stderr, "tfunnel: %s (see tfunnel --help)\n", parsed.error.c_str());
    return 2;
  }
  const tfunnel::Options& options = *parsed.options;
  if (options.help) {
    std::fputs(tfunnel::options_usage().c_str(), stdout);
    return 0;
  }
  if (options.version) {
    std::fputs((tfunnel::options_version() + "\n").c_str(), stdout);
    return 0;
  }
  ::signal(SIGPIPE, SIG_IGN);
  int in = -1, out = -1;
  if (!channel_fds(in, out)) {
    std::perror("tfunnel: stdin/stdout");
    return 1;
  }
  try {
    return options.is_client() ? tfunnel::client_run(options, in, out)
                               : tfunnel::proxy_run(options, in, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tfunnel: %s\n", e.what());
    return 1;
  }
}
