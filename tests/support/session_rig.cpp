#include "tests/support/session_rig.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include "common/tcp_stream.hpp"
#include "common/udp_flow.hpp"

namespace tfunnel::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using protocol::FrameType;
using protocol::ResetReason;
using protocol::Role;

namespace {

// Rounds of "run what is ready, drain what arrived" before send() gives up
// waiting for the session to settle; far more than any input needs.
constexpr int kMaxIdleRounds = 10000;

// Two loopback UDP sockets connected to each other; the session's end goes
// into `socket`. Returns the application's end, or -1.
int udp_pair(udp::socket& socket) {
  int fds[2] = {-1, -1};
  sockaddr_in addr[2] = {};
  for (int i = 0; i < 2; ++i) {
    fds[i] = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    addr[i].sin_family = AF_INET;
    addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr[i];
    if (fds[i] < 0 || ::bind(fds[i], reinterpret_cast<sockaddr*>(&addr[i]), sizeof addr[i]) != 0 ||
        ::getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr[i]), &len) != 0) {
      for (const int fd : fds)
        if (fd >= 0) ::close(fd);
      return -1;
    }
  }
  boost::system::error_code ec;
  if (::connect(fds[0], reinterpret_cast<sockaddr*>(&addr[1]), sizeof addr[1]) == 0 &&
      ::connect(fds[1], reinterpret_cast<sockaddr*>(&addr[0]), sizeof addr[0]) == 0)
    socket.assign(udp::v4(), fds[0], ec);
  else
    ec = asio::error::not_connected;
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  return fds[1];
}

// A connected pair of stream sockets; the session's end goes into `socket`
// (an AF_UNIX socket behaves as TCP for everything a stream does with it).
int stream_pair(tcp::socket& socket) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return -1;
  boost::system::error_code ec;
  socket.assign(tcp::v4(), fds[0], ec);
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  return fds[1];
}

protocol::FlowAddresses app_flow(std::uint16_t src_port) {
  return {asio::ip::make_address("192.0.2.1"), src_port, asio::ip::make_address("198.51.100.2"), 80};
}

}  // namespace

SessionRig::SessionRig(const RigConfig& config)
    : config_(config), log_("rig", config.verbosity), io_(std::make_unique<asio::io_context>(1)) {
  options_.max_streams = config.max_streams;
  options_.max_buffer = config.max_buffer;
  session_ = std::make_unique<Session>(io_->get_executor(), config_.role, options_, log_);
  session_->on_open = [this](std::uint32_t id, const protocol::FlowAddresses&) { proxy_open_tcp(id); };
  session_->on_udp_open = [this](std::uint32_t id, const protocol::FlowAddresses&) { proxy_open_udp(id); };
  session_->on_ready = [this] {
    ready_ = true;
    if (config_.role == Role::client) client_open_all();
  };
  if (config_.channel_pipes) {
    // A pipe's writer must not die of SIGPIPE when the session closes its end.
    ::signal(SIGPIPE, SIG_IGN);
    int to_session[2], from_session[2];
    if (::pipe2(to_session, O_NONBLOCK | O_CLOEXEC) != 0 || ::pipe2(from_session, O_NONBLOCK | O_CLOEXEC) != 0)
      throw std::runtime_error("rig: pipe failed");
    peer_fd_ = to_session[1];
    peer_in_fd_ = from_session[0];
    session_->start(to_session[0], from_session[1]);  // it keeps duplicates
    ::close(to_session[0]);
    ::close(from_session[1]);
  } else {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
      throw std::runtime_error("rig: socketpair failed");
    peer_fd_ = peer_in_fd_ = fds[1];
    session_->start(fds[0], fds[0]);  // it keeps duplicates
    ::close(fds[0]);
  }
  run_until_idle();
}

SessionRig::~SessionRig() {
  if (!session_->stopped()) session_->stop(0, "rig done");
  finish();
  session_.reset();
  for (const App& a : apps_) ::close(a.fd);
  if (peer_in_fd_ >= 0 && peer_in_fd_ != peer_fd_) ::close(peer_in_fd_);
  if (peer_fd_ >= 0) ::close(peer_fd_);
}

std::array<std::uint8_t, protocol::kHandshakeSize> SessionRig::peer_handshake() const noexcept {
  return protocol::handshake_encode(config_.role == Role::client ? Role::proxy : Role::client);
}

void SessionRig::send_handshake() { send(peer_handshake()); }

void SessionRig::send(std::span<const std::uint8_t> bytes) {
  for (int round = 0; !bytes.empty() && !peer_closed_ && round < kMaxIdleRounds; ++round) {
    const ssize_t n = config_.channel_pipes ? ::write(peer_fd_, bytes.data(), bytes.size())
                                            : ::send(peer_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) bytes = bytes.subspan(static_cast<std::size_t>(n));
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;  // closed
    if (!bytes.empty()) run_until_idle();  // the session reads, making room
  }
  run_until_idle();
}

void SessionRig::run_until_idle() {
  for (int round = 0; round < kMaxIdleRounds; ++round) {
    if (io_->stopped()) io_->restart();
    std::size_t progress = io_->poll();
    progress += drain_channel();
    progress += apps_send();
    if (config_.apps_read) progress += drain_apps();
    if (progress == 0) return;
  }
}

bool SessionRig::finish(std::chrono::milliseconds limit) {
  if (!peer_closed_) {
    if (config_.channel_pipes) {
      ::close(peer_fd_);
      peer_fd_ = -1;
    } else {
      ::shutdown(peer_fd_, SHUT_WR);
    }
    peer_closed_ = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io_->stopped()) io_->restart();
    io_->run_for(std::chrono::milliseconds(10));
    drain_channel();
    if (config_.apps_read) drain_apps();
    if (io_->stopped()) {
      io_->restart();
      if (io_->poll() == 0) return true;  // stopped for lack of work, not for the time limit
    }
  }
  return false;
}

// ---- applications ---------------------------------------------------------------

int SessionRig::app_add(int fd, bool stream) {
  if (fd >= 0) apps_.push_back({fd, stream, stream ? config_.app_bytes : 0, false, !stream});
  return fd;
}

void SessionRig::app_start(int fd) {
  const auto a = std::find_if(apps_.begin(), apps_.end(), [fd](const App& x) { return x.fd == fd; });
  if (a == apps_.end()) return;
  a->started = true;
  if (!a->stream && config_.app_bytes > 0) {
    const std::array<std::uint8_t, kDatagramBytes> datagram{};
    [[maybe_unused]] const ssize_t n = ::send(fd, datagram.data(), datagram.size(), MSG_NOSIGNAL);
  }
  // Shut down rather than closed: the rig closes its descriptors at the end.
  if (config_.apps_close) {
    ::shutdown(fd, SHUT_RDWR);
    a->done = true;
  }
  apps_send();
}

// Sends what each started TCP application still has to send, as far as its
// socket takes it; half-closes it after its last byte when so configured.
std::size_t SessionRig::apps_send() {
  std::array<std::uint8_t, 16384> bytes;
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i);
  std::size_t total = 0;
  for (App& a : apps_) {
    if (!a.started || a.done) continue;
    while (a.left > 0) {
      const ssize_t n = ::send(a.fd, bytes.data(), std::min(a.left, bytes.size()), MSG_NOSIGNAL);
      if (n <= 0) break;
      a.left -= static_cast<std::size_t>(n);
      total += static_cast<std::size_t>(n);
    }
    if (a.left > 0) continue;
    if (config_.apps_half_close) ::shutdown(a.fd, SHUT_WR);
    a.done = true;
  }
  return total;
}

void SessionRig::proxy_open_tcp(std::uint32_t id) {
  tcp::socket socket(*io_);
  const int app = apps_.size() < kMaxApps ? app_add(stream_pair(socket), true) : -1;
  auto stream = std::make_shared<TcpStream>(*session_, id, std::move(socket), false);
  session_->stream_insert(id, stream);
  if (app >= 0 && config_.connects == Connects::hang) return;
  // The connect completes later, as a real one: frames may arrive meanwhile.
  asio::post(*io_, [this, stream, app] {
    if (stream->closed()) return;  // reset by the peer, or the session ended
    if (app < 0 || config_.connects == Connects::refused)
      return stream->fail(app < 0 ? ResetReason::failed : ResetReason::refused);
    session_->send_control(FrameType::opened, stream->id());
    stream->start();
    app_start(app);
  });
}

void SessionRig::proxy_open_udp(std::uint32_t id) {
  udp::socket socket(*io_);
  const int app = apps_.size() < kMaxApps ? app_add(udp_pair(socket), false) : -1;
  auto flow = std::make_shared<UdpFlow>(*session_, id, std::move(socket));
  session_->stream_insert(id, flow);
  if (app < 0) {  // as udp_connector_open() when the socket cannot be made
    session_->send_control(FrameType::unreachable, id, protocol::unreachable_encode(protocol::Unreachable::net));
    session_->send_control(FrameType::rst, id, protocol::rst_encode(ResetReason::unreachable));
    flow->abort_local();
    session_->stream_erase(id);
    return;
  }
  flow->start();
  app_start(app);
}

void SessionRig::client_open_all() {
  std::array<std::uint8_t, protocol::kMaxOpenSize> open;
  for (int i = 0; i < config_.client_streams; ++i) {
    tcp::socket socket(*io_);
    const int app = app_add(stream_pair(socket), true);
    const auto id = session_->stream_allocate_id();
    if (app < 0 || !id) return;
    auto stream = std::make_shared<TcpStream>(*session_, *id, std::move(socket), true);
    session_->stream_insert(*id, stream);
    const std::size_t len = protocol::open_encode(app_flow(static_cast<std::uint16_t>(40000 + i)), open);
    session_->send_control(FrameType::open, *id, std::span(open).first(len));
    stream->start();
    app_start(app);
  }
  if (!config_.client_flow) return;
  udp::socket socket(*io_);
  const int app = app_add(udp_pair(socket), false);
  const auto id = session_->stream_allocate_id();
  if (app < 0 || !id) return;
  auto flow = std::make_shared<UdpFlow>(*session_, *id, std::move(socket));
  flow->on_icmp = [](protocol::Unreachable) {};  // the client's side of a flow
  session_->stream_insert(*id, flow);
  const std::size_t len = protocol::open_encode(app_flow(50000), open);
  session_->send_control(FrameType::udp_open, *id, std::span(open).first(len));
  flow->start();
  app_start(app);
}

std::size_t SessionRig::drain_apps() {
  std::size_t total = 0;
  std::array<std::uint8_t, 16384> buf;
  for (const App& a : apps_) {
    for (;;) {
      const ssize_t n = ::recv(a.fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  }
  return total;
}

// ---- the session's output ----------------------------------------------------------

std::size_t SessionRig::drain_channel() {
  std::size_t total = 0;
  std::array<std::uint8_t, 65536> buf;
  for (;;) {
    const ssize_t n = ::read(peer_in_fd_, buf.data(), buf.size());
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
    output_.insert(output_.end(), buf.begin(), buf.begin() + n);
  }
  if (total > 0) output_parse();
  return total;
}

void SessionRig::output_parse() {
  if (!output_error_.empty()) return;
  std::size_t at = 0;
  if (!handshake_seen_) {
    if (output_.size() < protocol::kHandshakeSize) return;
    const auto hello = protocol::handshake_encode(config_.role);
    if (!std::equal(hello.begin(), hello.end(), output_.begin())) {
      output_error_ = "handshake: " + protocol::escape_bytes(output_, protocol::kHandshakeSize);
      return;
    }
    handshake_seen_ = true;
    at = protocol::kHandshakeSize;
  }
  for (;;) {
    const auto r = protocol::frame_decode(std::span(output_).subspan(at));
    if (r.status == protocol::DecodeResult::Status::need_more) break;
    if (r.status == protocol::DecodeResult::Status::error) {
      output_error_ = std::string(protocol::frame_error_text(r.error)) + ": " +
                      protocol::escape_bytes(std::span(output_).subspan(at), 16);
      return;
    }
    sent_.push_back({r.frame.header.type, r.frame.header.stream,
                     std::vector<std::uint8_t>(r.frame.payload.begin(), r.frame.payload.end())});
    at += r.consumed;
  }
  output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace tfunnel::test
