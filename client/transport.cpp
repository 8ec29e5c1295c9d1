#include "client/transport.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/channel_fd.hpp"

extern char** environ;

namespace tfunnel {

namespace {

TransportExit exit_describe(int wstatus) {
  if (WIFEXITED(wstatus))
    return {WEXITSTATUS(wstatus), "exited with status " + std::to_string(WEXITSTATUS(wstatus))};
  if (WIFSIGNALED(wstatus))
    return {128 + WTERMSIG(wstatus), std::string("killed by signal ") + std::to_string(WTERMSIG(wstatus)) +
                                         " (" + ::strsignal(WTERMSIG(wstatus)) + ")"};
  return {1, "ended"};
}

void fd_close(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Transport::~Transport() {
  if (pid_ > 0) finish(0);
  close_pipes();
}

bool Transport::start(std::string& error) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    ::close(to_child[0]);
    ::close(to_child[1]);
    return false;
  }
  channel_fd_enlarge(to_child[1]);
  channel_fd_enlarge(from_child[0]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the child's copies only.
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  // The child must not inherit our blocked or ignored signals (SIGPIPE).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (auto& a : command_) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (rc != 0) {
    error = command_[0] + ": " + std::strerror(rc);
    ::close(to_child[1]);
    ::close(from_child[0]);
    return false;
  }
  pid_ = pid;
  in_fd_ = from_child[0];
  out_fd_ = to_child[1];
  have_exit_ = false;
  return true;
}

bool Transport::reap(int options) {
  if (pid_ <= 0) return have_exit_;
  int wstatus = 0;
  pid_t r;
  do r = ::waitpid(pid_, &wstatus, options);
  while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  exit_ = r == pid_ ? exit_describe(wstatus) : TransportExit{1, "lost (waitpid failed)"};
  have_exit_ = true;
  pid_ = -1;
  return true;
}

bool Transport::poll_exit() { return reap(WNOHANG); }

void Transport::close_pipes() noexcept {
  fd_close(in_fd_);
  fd_close(out_fd_);
}

TransportExit Transport::finish(int grace_ms) {
  close_pipes();
  // Each step polls in 10 ms slices: the whole wait is bounded.
  const auto wait_ms = [this](int ms) {
    for (int waited = 0; !reap(WNOHANG) && waited < ms; waited += 10) ::usleep(10'000);
    return have_exit_;
  };
  if (pid_ > 0 && !wait_ms(grace_ms)) {
    ::kill(pid_, SIGTERM);
    if (!wait_ms(1000)) {
      ::kill(pid_, SIGKILL);
      reap(0);
    }
  }
  return exit_;
}

}  // namespace tfunnel
