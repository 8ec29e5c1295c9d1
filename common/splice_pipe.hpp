// A session's holding pipe for data that goes from a local socket to the
// channel without passing through user space: splice(2) moves the socket's
// pages into the pipe, and from the pipe into the channel after the frame's
// header. Two copies per byte fewer on the sending side than read + writev.
//
// One pipe serves every stream of a session: data frames leave in the order
// they were queued (out_queue.hpp), so the pipe holds their payloads in that
// same order. It must never fill, or a splice from a socket could not tell a
// full pipe from an empty socket: it is sized far beyond the data budget.
#pragma once

#include <cstddef>
#include <sys/types.h>

namespace tfunnel {

class SplicePipe {
 public:
  SplicePipe() = default;
  ~SplicePipe();
  SplicePipe(const SplicePipe&) = delete;
  SplicePipe& operator=(const SplicePipe&) = delete;

  // False when no pipe could be made (descriptors, the per-user pipe quota)
  // or when `channel_fd` is neither a pipe nor a socket: data is then read
  // and written the usual way.
  bool open(int channel_fd, std::size_t capacity) noexcept;
  bool is_open() const noexcept { return read_fd_ >= 0; }
  void close() noexcept;

  // At most `max` bytes from `socket_fd` into the pipe: bytes moved, 0 at
  // end of stream, -1 with errno (EAGAIN: nothing to read now).
  ssize_t fill_from(int socket_fd, std::size_t max) noexcept;
  // At most `n` held bytes into `fd`: bytes moved, or -1 with errno.
  ssize_t drain_to(int fd, std::size_t n) noexcept;

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace tfunnel
