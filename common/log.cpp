#include "common/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace tfunnel {

void Logger::log(int /*level*/, char letter, const char* fmt, ...) const {
  char line[1024];
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  localtime_r(&ts.tv_sec, &t);
  int n = std::snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld tfunnel[%s] %c ", t.tm_hour, t.tm_min,
                        t.tm_sec, ts.tv_nsec / 1000000, name_.c_str(), letter);
  if (n < 0) return;
  std::size_t used = static_cast<std::size_t>(n);
  va_list ap;
  va_start(ap, fmt);
  const int m = std::vsnprintf(line + used, sizeof line - used - 1, fmt, ap);
  va_end(ap);
  if (m > 0) used += std::min(static_cast<std::size_t>(m), sizeof line - used - 2);
  line[used++] = '\n';
  // A failed write to stderr has nowhere to be reported.
  [[maybe_unused]] const ssize_t w = ::write(STDERR_FILENO, line, used);
}

}  // namespace tfunnel
