#include "common/splice_pipe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfunnel {

SplicePipe::~SplicePipe() { close(); }

bool SplicePipe::open(int channel_fd, std::size_t capacity) noexcept {
  close();
  struct stat st {};
  if (::fstat(channel_fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return false;
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  // Each pipe slot holds one piece of a socket buffer, as little as one
  // segment: the capacity must count slots, not bytes.
  if (::fcntl(write_fd_, F_SETPIPE_SZ, static_cast<int>(capacity)) < static_cast<int>(capacity)) {
    close();
    return false;
  }
  return true;
}

void SplicePipe::close() noexcept {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
  read_fd_ = write_fd_ = -1;
}

ssize_t SplicePipe::fill_from(int socket_fd, std::size_t max) noexcept {
  return ::splice(socket_fd, nullptr, write_fd_, nullptr, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

ssize_t SplicePipe::drain_to(int fd, std::size_t n) noexcept {
  return ::splice(read_fd_, nullptr, fd, nullptr, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

}  // namespace tfunnel
