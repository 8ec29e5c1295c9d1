// The transport command of `tfunnel -p PORT -- COMMAND...`: a child process
// whose stdin and stdout carry the channel (e.g. `ssh host tfunnel`) and whose
// stderr is ours, so that its prompts and errors reach the user.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tfunnel {

struct TransportExit {
  int status = 0;     // tfunnel's exit status for it: the command's, or 128 + signal
  std::string text;   // "exited with status 255", "killed by signal 9"
};

class Transport {
 public:
  explicit Transport(std::vector<std::string> command) : command_(std::move(command)) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Starts the command; false (with `error` set) when it cannot be started.
  bool start(std::string& error);
  // Our ends of its pipes: read the peer's bytes from in_fd, write to out_fd.
  int in_fd() const noexcept { return in_fd_; }
  int out_fd() const noexcept { return out_fd_; }
  pid_t pid() const noexcept { return pid_; }

  // Non-blocking: the exit, once the command has ended (reaps it).
  bool poll_exit();
  // Ends the command: closes its pipes (ssh exits on EOF), waits up to
  // `grace_ms`, then SIGTERM, then SIGKILL; bounded, reaps it.
  TransportExit finish(int grace_ms = 2000);
  bool exited() const noexcept { return pid_ < 0 && have_exit_; }
  const TransportExit& exit() const noexcept { return exit_; }

 private:
  void close_pipes() noexcept;
  bool reap(int options);

  std::vector<std::string> command_;
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  bool have_exit_ = false;
  TransportExit exit_;
};

}  // namespace tfunnel
