// One small logger: whole lines to stderr, level checked first, one write()
// per line so lines from client and proxy sharing a terminal never interleave.
// stdout is never touched: in proxy mode it carries the protocol.
#pragma once

#include <string>

namespace tfunnel {

class Logger {
 public:
  enum Level { error = 0, warn = 0, notice = 0, info = 1, debug = 2, trace = 3 };

  Logger(std::string name, int verbosity) : name_(std::move(name)), verbosity_(verbosity) {}

  bool enabled(int level) const noexcept { return level <= verbosity_; }
  int verbosity() const noexcept { return verbosity_; }

  void log(int level, char letter, const char* fmt, ...) const __attribute__((format(printf, 4, 5)));

 private:
  std::string name_;
  int verbosity_;
};

}  // namespace tfunnel

// Macros so that arguments are not evaluated when the level is off.
#define TF_LOG(logger, level, letter, ...)                                        \
  do {                                                                            \
    if ((logger).enabled(::tfunnel::Logger::level)) (logger).log(::tfunnel::Logger::level, letter, __VA_ARGS__); \
  } while (0)
#define LOG_E(logger, ...) TF_LOG(logger, error, 'E', __VA_ARGS__)
#define LOG_W(logger, ...) TF_LOG(logger, warn, 'W', __VA_ARGS__)
#define LOG_N(logger, ...) TF_LOG(logger, notice, 'N', __VA_ARGS__)
#define LOG_I(logger, ...) TF_LOG(logger, info, 'I', __VA_ARGS__)
#define LOG_D(logger, ...) TF_LOG(logger, debug, 'D', __VA_ARGS__)
