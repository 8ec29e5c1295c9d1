#include "common/channel_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace tfunnel {

namespace {
// The unprivileged limit (/proc/sys/fs/pipe-max-size) by default.
constexpr int kPipeSize = 1 << 20;
}  // namespace

bool channel_fd_is_pipe(int fd) noexcept {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

void channel_fd_enlarge(int fd) noexcept {
  if (!channel_fd_is_pipe(fd)) return;
  if (::fcntl(fd, F_GETPIPE_SZ) >= kPipeSize) return;
  // Refused when over the quota or the system limit: the default still works.
  (void)::fcntl(fd, F_SETPIPE_SZ, kPipeSize);
}

}  // namespace tfunnel
