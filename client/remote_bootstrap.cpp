#include "client/remote_bootstrap.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/protocol.hpp"

namespace tfunnel {

namespace {

constexpr const char* kHave = "TFUNNEL-BOOT have";
constexpr const char* kNeed = "TFUNNEL-BOOT need";
constexpr const char* kFail = "TFUNNEL-BOOT fail";
// Login scripts may print a little before the announcement; not a book.
constexpr std::size_t kMaxSkipped = 64 * 1024;

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The remote script, one line of POSIX sh without `!` or newlines so that
// csh-like login shells pass it to sh untouched. Its only variable inputs are
// numbers and the version line, which holds no quote.
std::string remote_script(const Options& options, std::size_t binary_size) {
  std::string args;
  for (int i = 0; i < options.verbosity; ++i) args += " -v";
  std::ostringstream keepalive;
  keepalive << options.keepalive;
  args += " --keepalive " + keepalive.str();
  std::ostringstream s;
  s << "if command -v tfunnel >/dev/null 2>&1 && [ \"$(tfunnel --version 2>/dev/null)\" = \"" << options_version()
    << "\" ]; then echo '" << kHave << "'; exec tfunnel" << args << "; fi; "
    << "d=$(mktemp -d \"${TMPDIR:-/tmp}/tfunnel.XXXXXX\") || { echo '" << kFail
    << " mktemp'; exit 1; }; trap 'rm -rf \"$d\"' EXIT; trap 'exit 1' HUP INT TERM; "
    << "echo '" << kNeed << "'; head -c " << binary_size << " >\"$d/tfunnel\" && chmod 700 \"$d/tfunnel\" && "
    << "\"$d/tfunnel\"" << args;
  return s.str();
}

// Reads one line (without '\n') from fd; false at EOF or error.
bool read_line(int fd, std::string& line, std::size_t max) {
  line.clear();
  char c;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    if (line.size() < max) line += c;
  }
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
      continue;
    }
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

std::vector<std::string> remote_command(const Options& options, std::size_t binary_size) {
  auto argv = split_words(options.ssh_cmd);
  argv.push_back("--");
  argv.push_back(options.remote);
  argv.push_back(remote_script(options, binary_size));
  return argv;
}

bool remote_bootstrap(int in_fd, int out_fd, const std::string& binary, Logger& log, std::string& error) {
  std::string line;
  std::size_t skipped = 0;
  // Reads byte by byte: not one byte past the announcement may be taken
  // from what becomes the protocol stream.
  while (read_line(in_fd, line, 512)) {
    if (line == kHave) {
      LOG_I(log, "remote: running its own tfunnel");
      return true;
    }
    if (line == kNeed) {
      LOG_I(log, "remote: no tfunnel of this version there: sending this binary (%zu bytes)", binary.size());
      if (!write_all(out_fd, binary.data(), binary.size())) {
        error = "remote: the channel closed while sending the binary";
        return false;
      }
      return true;
    }
    if (line.rfind(kFail, 0) == 0) {
      error = "remote: cannot run the proxy: " + line.substr(std::strlen(kFail));
      return false;
    }
    LOG_N(log, "remote said: %s", protocol::escape_bytes({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()}, 200).c_str());
    skipped += line.size() + 1;
    if (skipped > kMaxSkipped) break;
  }
  error = "remote: no tfunnel bootstrap announcement (did ssh log in? is there a POSIX sh?)";
  return false;
}

}  // namespace tfunnel
