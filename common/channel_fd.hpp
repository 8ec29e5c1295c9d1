// Settings for the descriptors that carry the channel (stdin/stdout, or the
// pipes to a transport command tfunnel started).
#pragma once

namespace tfunnel {

// A pipe (or FIFO): what splice(2) can move bytes to and from.
bool channel_fd_is_pipe(int fd) noexcept;

// A pipe's default 64 KiB makes its writer and reader take turns every 64 KiB:
// one context switch per 16 KiB-frame batch. A bigger pipe lets both run at
// once. Best effort: the per-user pipe quota may refuse it, and a socket or
// terminal is left as it is.
void channel_fd_enlarge(int fd) noexcept;

}  // namespace tfunnel
