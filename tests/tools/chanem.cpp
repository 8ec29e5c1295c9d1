// chanem: a channel emulator for a byte pipe. Runs COMMAND with pipes on its
// stdin and stdout and relays chanem's stdin to COMMAND's stdin ("up") and
// COMMAND's stdout to chanem's stdout ("down"), each direction through a
// Link (tests/tools/chanem_link.hpp): a queue sending at --rate, then a wire
// of --delay. A full queue stops reading, so bytes are never lost or
// reordered. EOF travels after the bytes before it. COMMAND's stderr is
// chanem's. chanem exits with COMMAND's status once COMMAND has ended and its
// output has been delivered.
//
//   chanem --delay 40 --rate 100 -- cat
//   ssh -o ProxyCommand='chanem --delay 40 --rate 100 -- socat - TCP:%h:%p' host
//
// Plain POSIX: one ppoll loop, signals unblocked only while it waits.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "tests/tools/chanem_link.hpp"

extern char** environ;

namespace {

using chanem::Clock;
using chanem::Link;
using chanem::LinkConfig;
using chanem::Time;

constexpr int kUsage = 2;
volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_child_changed = 0;

void usage(std::FILE* out) {
  std::fputs(
      "Usage: chanem --delay MS --rate MBIT [--buffer BYTES] [--] COMMAND [ARGS...]\n"
      "Runs COMMAND and relays stdin to its stdin and its stdout to stdout, each\n"
      "direction delayed by MS milliseconds (one way) and sent at MBIT Mbit/s\n"
      "through a queue of BYTES (default: the round trip's bandwidth-delay product,\n"
      "at least 64 KiB); a full queue stops reading. Exits with COMMAND's status.\n",
      out);
}

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "chanem: %s (chanem --help)\n", what.c_str());
  std::exit(kUsage);
}

double options_number(const char* opt, const char* value) {
  char* end = nullptr;
  errno = 0;
  const double v = value ? std::strtod(value, &end) : 0.0;
  if (!value || end == value || *end != '\0' || errno != 0 || !(v >= 0) || v > 1e9)
    usage_error(std::string(opt) + ": a number, not '" + (value ? value : "") + "'");
  return v;
}

struct Options {
  LinkConfig link;
  std::vector<char*> command;  // null-terminated
};

Options options_parse(int argc, char** argv) {
  Options o;
  double delay_ms = -1, rate = -1, buffer = 0;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    }
    if (a.rfind("-", 0) != 0) break;
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--delay") delay_ms = options_number("--delay", v);
    else if (a == "--rate") rate = options_number("--rate", v);
    else if (a == "--buffer") buffer = options_number("--buffer", v);
    else usage_error("unknown option " + a);
    ++i;
  }
  if (delay_ms < 0) usage_error("--delay is required");
  if (rate <= 0) usage_error("--rate is required, in Mbit/s, above 0");
  if (i >= argc) usage_error("no COMMAND");
  o.link.delay = std::chrono::duration_cast<chanem::Duration>(std::chrono::duration<double, std::milli>(delay_ms));
  o.link.rate_bps = rate * 1e6;
  o.link.buffer = buffer >= 1 ? static_cast<std::size_t>(buffer) : chanem::link_default_buffer(o.link.delay, o.link.rate_bps);
  o.command.assign(argv + i, argv + argc);
  o.command.push_back(nullptr);
  return o;
}

// --- descriptors -------------------------------------------------------------

int g_std_flags[2] = {-1, -1};  // fd 0 and 1's flags before chanem set O_NONBLOCK
bool g_std_shared = false;      // fd 0 and 1 are one file (a socket or a terminal)
bool g_std_open[2] = {true, true};

void fd_nonblock(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Records the flags of stdin and stdout (before any is changed), then makes
// every descriptor chanem relays non-blocking.
void fds_nonblock(std::initializer_list<int> fds) {
  struct stat a{}, b{};
  g_std_shared = fstat(0, &a) == 0 && fstat(1, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  for (const int fd : {0, 1}) g_std_flags[fd] = fcntl(fd, F_GETFL);
  for (const int fd : fds) fd_nonblock(fd);
}

bool fd_is_socket(int fd) {
  struct stat st{};
  return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

// Closes `fd`. Stdin and stdout get their flags back (a terminal or a socket
// may be shared with the process that started chanem), but not while the
// other one, still in use, is the same file. A socket is shut down for
// writing first, as stdin may be the same socket (socat EXEC).
void fd_close(int& fd, bool shut_write) {
  if (fd < 0) return;
  if (fd <= 1) {
    g_std_open[fd] = false;
    if (g_std_flags[fd] >= 0 && !(g_std_shared && g_std_open[1 - fd])) fcntl(fd, F_SETFL, g_std_flags[fd]);
  }
  if (shut_write && fd_is_socket(fd)) shutdown(fd, SHUT_WR);
  close(fd);
  fd = -1;
}

// --- one direction -------------------------------------------------------------

struct Direction {
  const char* name;
  int in;
  int out;
  Link link;
  bool blocked = false;  // the last write found the output full
  bool done = false;     // EOF delivered, or the output broke
};

// The output broke: drop what is held and close the input, so the writer
// before us learns it too.
void direction_break(Direction& d, int err) {
  if (err != EPIPE && err != ECONNRESET)
    std::fprintf(stderr, "chanem: %s: write: %s\n", d.name, std::strerror(err));
  fd_close(d.out, false);
  fd_close(d.in, false);
  d.done = true;
}

void direction_read(Direction& d, Time now) {
  static std::array<std::uint8_t, 65536> buf;
  const std::size_t want = std::min(d.link.room(now), buf.size());
  if (want == 0) return;
  const ssize_t n = read(d.in, buf.data(), want);
  if (n > 0) {
    d.link.push(now, std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0) std::fprintf(stderr, "chanem: %s: read: %s\n", d.name, std::strerror(errno));
  d.link.push_eof(now);
  fd_close(d.in, false);
}

void direction_flush(Direction& d, Time now) {
  if (d.done || d.blocked) return;
  for (auto b = d.link.ready(now); !b.empty(); b = d.link.ready(now)) {
    const ssize_t n = write(d.out, b.data(), b.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      d.blocked = true;
      return;
    }
    if (n < 0) return direction_break(d, errno);
    d.link.consume(static_cast<std::size_t>(n));
  }
  if (d.link.eof_ready(now)) {
    fd_close(d.out, true);
    d.done = true;
  }
}

// --- child and loop ------------------------------------------------------------

void on_signal(int sig) {
  if (sig == SIGCHLD) g_child_changed = 1;
  else g_signal = sig;
}

// Blocks the signals chanem handles (they arrive only inside ppoll) and
// returns the mask to wait with.
sigset_t signals_setup() {
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigset_t handled;
  sigemptyset(&handled);
  for (const int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) {
    sigaction(s, &sa, nullptr);
    sigaddset(&handled, s);
  }
  sigset_t wait_mask;
  sigprocmask(SIG_BLOCK, &handled, &wait_mask);
  for (const int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigdelset(&wait_mask, s);
  return wait_mask;
}

// Starts the command with a pipe on each of stdin and stdout; sets `to_child`
// and `from_child` to chanem's ends. Exits 127 if it cannot start.
pid_t child_spawn(char** argv, int& to_child, int& from_child) {
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0) {
    std::perror("chanem: pipe");
    std::exit(1);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, up[0], 0);
  posix_spawn_file_actions_adddup2(&fa, down[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (const int s : {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(up[0]);
  close(down[1]);
  if (err != 0) {
    std::fprintf(stderr, "chanem: %s: %s\n", argv[0], std::strerror(err));
    std::exit(127);
  }
  to_child = up[1];
  from_child = down[0];
  return pid;
}

// Descriptors 0, 1 and 2 are open (on /dev/null if chanem got them closed),
// so the pipes never take their numbers.
void std_fds_ensure() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    const int n = open("/dev/null", O_RDWR);
    if (n >= 0 && n != fd) {
      dup2(n, fd);
      close(n);
    }
  }
}

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

struct Relay {
  Direction up;
  Direction down;
  pid_t child;
  bool child_ended = false;
  int child_status = 0;
};

// One wait: polls what can move now, sleeps until the next segment is due or
// the queue has room again.
void relay_wait(Relay& r, const sigset_t& wait_mask) {
  std::array<pollfd, 4> fds{};
  std::array<Direction*, 4> owner{};
  nfds_t nfds = 0;
  const Time now = Clock::now();
  Time deadline = Time::max();
  for (Direction* d : {&r.up, &r.down}) {
    if (d->done) continue;
    if (d->in >= 0) {
      if (d->link.room(now) >= d->link.read_size()) {
        owner[nfds] = d;
        fds[nfds++] = pollfd{d->in, POLLIN, 0};
      } else {
        deadline = std::min(deadline, d->link.room_at(now));
      }
    }
    if (d->blocked) {
      owner[nfds] = d;
      fds[nfds++] = pollfd{d->out, POLLOUT, 0};
    } else {
      deadline = std::min(deadline, d->link.next_due());
    }
  }
  timespec ts{}, *timeout = nullptr;
  if (deadline != Time::max()) {
    const auto ns = std::max<std::int64_t>(0, (deadline - now).count());
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    timeout = &ts;
  }
  if (ppoll(fds.data(), nfds, timeout, &wait_mask) <= 0) return;
  const Time then = Clock::now();
  for (nfds_t i = 0; i < nfds; ++i) {
    if (!fds[i].revents) continue;
    Direction& d = *owner[i];
    if (fds[i].events == POLLIN && d.in >= 0) direction_read(d, then);
    if (fds[i].events == POLLOUT) d.blocked = false;
  }
}

int relay_run(Relay& r, const sigset_t& wait_mask) {
  for (;;) {
    if (g_signal) {
      const int sig = g_signal;
      std::fprintf(stderr, "chanem: %s: passing it on to %d and exiting\n", strsignal(sig), static_cast<int>(r.child));
      kill(r.child, sig);
      // Reaps it if it ends within 0.5 s, as it normally does.
      for (int i = 0; i < 50 && waitpid(r.child, nullptr, WNOHANG) == 0; ++i) usleep(10000);
      fd_close(r.up.in, false);
      fd_close(r.down.out, false);
      return 128 + sig;
    }
    if (g_child_changed) {
      g_child_changed = 0;
      int status = 0;
      if (waitpid(r.child, &status, WNOHANG) == r.child) {
        r.child_ended = true;
        r.child_status = status_code(status);
      }
    }
    const Time now = Clock::now();
    direction_flush(r.up, now);
    direction_flush(r.down, now);
    if (r.child_ended && r.down.done) {
      fd_close(r.up.in, false);
      fd_close(r.up.out, false);
      return r.child_status;
    }
    relay_wait(r, wait_mask);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = options_parse(argc, argv);
  std_fds_ensure();
  const sigset_t wait_mask = signals_setup();
  int to_child = -1, from_child = -1;
  const pid_t child = child_spawn(o.command.data(), to_child, from_child);
  Relay r{Direction{"up", 0, to_child, Link(o.link)}, Direction{"down", from_child, 1, Link(o.link)}, child};
  fds_nonblock({0, 1, to_child, from_child});
  return relay_run(r, wait_mask);
}
