#include "client/tproxy_listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/endpoint.hpp"
#include "common/session.hpp"
#include "common/socket_options.hpp"
#include "common/tcp_stream.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void listener_fail(const std::string& what, const boost::system::error_code& ec) {
  socket_setup_fail("listener", what, ec);
}

}  // namespace

TproxyListener::TproxyListener(asio::any_io_executor ex, const Options& options, const DnsCapture& dns,
                               Logger& log)
    : acceptor_(ex), backoff_(ex), port_(*options.port), max_streams_(options.max_streams), dns_(dns), log_(log) {
  listener_open(options);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TproxyListener::~TproxyListener() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void TproxyListener::listener_open(const Options& options) {
  boost::system::error_code ec;
  // One [::] socket takes both families; a host without IPv6 gets 0.0.0.0.
  bool v6 = true;
  acceptor_.open(tcp::v6(), ec);
  if (ec) {
    v6 = false;
    acceptor_.open(tcp::v4(), ec);
    if (ec) listener_fail("socket", ec);
  } else {
    acceptor_.set_option(asio::ip::v6_only(false), ec);
  }
  const int fd = acceptor_.native_handle();
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  // Several instances on one port share the connections.
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    listener_fail("SO_REUSEPORT", {errno, boost::system::system_category()});
  if (v6) socket_set_transparent(fd, false);  // same flag; harmless if refused
  if ((ec = socket_set_transparent(fd, v6))) listener_fail("IP_TRANSPARENT", ec);
  if ((ec = socket_set_mark(fd, options.fwmark))) listener_fail("SO_MARK", ec);
  const tcp::endpoint ep(v6 ? asio::ip::address(asio::ip::address_v6::any())
                            : asio::ip::address(asio::ip::address_v4::any()),
                         port_);
  acceptor_.bind(ep, ec);
  if (ec) listener_fail("bind port " + std::to_string(port_), ec);
  acceptor_.listen(4096, ec);
  if (ec) listener_fail("listen", ec);
  LOG_I(log_, "listener: TCP on %s", endpoint_text(ep.address(), port_).c_str());
}

// Between sessions (--reconnect): what arrives meanwhile waits in the kernel.
void TproxyListener::cancel() noexcept {
  boost::system::error_code ec;
  acceptor_.cancel(ec);
  backoff_.cancel();
}

void TproxyListener::close() noexcept {
  boost::system::error_code ec;
  acceptor_.close(ec);
  backoff_.cancel();
}

awaitable<void> TproxyListener::accept_loop(Session& session) {
  while (acceptor_.is_open() && !session.stopped()) {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors: reset the connections that wait (the application
      // sees a refusal now, not a hang), then pause instead of spinning.
      const bool exhausted = ec == asio::error::no_descriptors || ec.value() == ENFILE;
      if (exhausted) {
        while (refuse_one_without_descriptors()) {
        }
      } else if (refuse_log_.allow()) {
        LOG_W(log_, "listener: accept: %s", ec.message().c_str());
      }
      backoff_.expires_after(std::chrono::milliseconds(100));
      co_await backoff_.async_wait(as_tuple_awaitable);
      continue;
    }
    relay(std::move(socket), session);
  }
}

// Frees the spare descriptor to accept one waiting connection and reset it.
// False when none is waiting or the spare cannot be had back.
bool TproxyListener::refuse_one_without_descriptors() {
  if (spare_fd_ < 0) spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spare_fd_ < 0) return false;
  ::close(spare_fd_);
  spare_fd_ = -1;
  const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd >= 0) {
    socket_set_linger_zero(fd);
    ::close(fd);
    ++refused_;
    if (refuse_log_.allow())
      LOG_W(log_, "listener: out of file descriptors: resetting new connections (%llu so far)",
            static_cast<unsigned long long>(refused_));
  }
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && spare_fd_ >= 0;
}

void TproxyListener::refuse(tcp::socket& socket, const char* why) {
  socket_set_linger_zero(socket.native_handle());
  ++refused_;
  if (refuse_log_.allow())
    LOG_W(log_, "listener: %s: resetting new connections (%llu so far)", why,
          static_cast<unsigned long long>(refused_));
}

void TproxyListener::relay(tcp::socket socket, Session& session) {
  boost::system::error_code ec;
  const tcp::endpoint local = socket.local_endpoint(ec);
  const tcp::endpoint remote = ec ? tcp::endpoint() : socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  protocol::FlowAddresses flow{endpoint_unmap(remote.address()), remote.port(),
                               endpoint_unmap(local.address()), local.port()};
  flow.to_resolver = dns_.is_local_query(flow.dst, flow.dst_port);
  // Not diverted by TPROXY: relaying it would reach the proxy's own host.
  if (destination_is_listener(flow.dst, flow.dst_port, port_)) {
    LOG_W(log_, "listener: refusing direct connection %s", flow_text(flow).c_str());
    socket_set_linger_zero(socket.native_handle());
    return;
  }
  if (session.stream_count() >= max_streams_) {
    ++session.stats().limited;
    return refuse(socket, "--max-streams reached");
  }
  const auto id = session.stream_allocate_id();
  if (!id) return refuse(socket, "no free stream id");
  std::array<std::uint8_t, protocol::kMaxOpenSize> open;
  const std::size_t len = protocol::open_encode(flow, open);
  if (len == 0) {  // mixed families: cannot be expressed on the wire
    socket_set_linger_zero(socket.native_handle());
    return;
  }
  LOG_I(log_, "stream %u: open %s", *id, flow_text(flow).c_str());
  auto stream = std::make_shared<TcpStream>(session, *id, std::move(socket), true);
  session.stream_insert(*id, stream);
  session.send_control(protocol::FrameType::open, *id, std::span(open).first(len));
  stream->start();
}

}  // namespace tfunnel
