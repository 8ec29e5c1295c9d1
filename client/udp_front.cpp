#include "client/udp_front.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/endpoint.hpp"
#include "common/session.hpp"
#include "common/socket_options.hpp"
#include "common/udp_flow.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::udp;

namespace {

constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr int kBurst = 64;
constexpr int kFrontReceiveBuffer = 4 << 20;

boost::system::error_code errno_code() { return {errno, boost::system::system_category()}; }

void check(const std::string& what, const boost::system::error_code& ec) {
  if (ec) socket_setup_fail("udp", what, ec);
}

boost::system::error_code setopt(int fd, int level, int name) {
  const int one = 1;
  return ::setsockopt(fd, level, name, &one, sizeof one) == 0 ? boost::system::error_code() : errno_code();
}

asio::ip::address address_from(const sockaddr_storage& ss, std::uint16_t& port) {
  if (ss.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(ss);
    port = ntohs(sin.sin_port);
    return asio::ip::address_v4(ntohl(sin.sin_addr.s_addr));
  }
  const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(ss);
  port = ntohs(sin6.sin6_port);
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), &sin6.sin6_addr, b.size());
  return endpoint_unmap(asio::ip::address_v6(b));
}

// A transparent socket bound to the original destination and connected to
// the application: replies leave from the address the application used.
udp::socket reply_socket_open(asio::any_io_executor ex, const protocol::FlowAddresses& f,
                              std::uint32_t fwmark, boost::system::error_code& ec) {
  udp::socket s(ex);
  const bool v6 = f.dst.is_v6();
  s.open(v6 ? udp::v6() : udp::v4(), ec);
  if (ec) return s;
  const int fd = s.native_handle();
  // Several flows to one destination each bind it.
  if ((ec = setopt(fd, SOL_SOCKET, SO_REUSEADDR))) return s;
  if ((ec = socket_set_transparent(fd, v6))) return s;
  if ((ec = socket_set_mark(fd, fwmark))) return s;
  s.bind(udp::endpoint(f.dst, f.dst_port), ec);
  if (!ec) s.connect(udp::endpoint(f.src, f.src_port), ec);
  return s;
}

}  // namespace

std::size_t UdpFront::FlowKeyHash::operator()(const FlowKey& k) const noexcept {
  // FNV-1a over the key's bytes.
  std::size_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  for (auto b : k.src) mix(b);
  for (auto b : k.dst) mix(b);
  mix(static_cast<std::uint8_t>(k.src_port)), mix(static_cast<std::uint8_t>(k.src_port >> 8));
  mix(static_cast<std::uint8_t>(k.dst_port)), mix(static_cast<std::uint8_t>(k.dst_port >> 8));
  mix(k.v6 ? 6 : 4);
  return h;
}

UdpFront::FlowKey UdpFront::flow_key(const protocol::FlowAddresses& f) {
  auto bytes = [](const asio::ip::address& a) {
    std::array<std::uint8_t, 16> out{};
    if (a.is_v4()) {
      const auto b = a.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), out.begin());
    } else {
      out = a.to_v6().to_bytes();
    }
    return out;
  };
  return FlowKey{bytes(f.src), bytes(f.dst), f.src_port, f.dst_port, f.dst.is_v6()};
}

UdpFront::UdpFront(asio::any_io_executor ex, const Options& options, const DnsCapture& dns, Logger& log)
    : socket_(ex), options_(options), dns_(dns), log_(log), icmp_(options.fwmark, log) {
  front_open();
}

void UdpFront::front_open() {
  boost::system::error_code ec;
  bool v6 = true;
  socket_.open(udp::v6(), ec);
  if (ec) {
    v6 = false;
    socket_.open(udp::v4(), ec);
    check("socket", ec);
  } else {
    socket_.set_option(asio::ip::v6_only(false), ec);
  }
  const int fd = socket_.native_handle();
  check("SO_REUSEADDR", setopt(fd, SOL_SOCKET, SO_REUSEADDR));
  // Several instances on one port share the flows; the kernel keeps a flow
  // on one socket.
  check("SO_REUSEPORT", setopt(fd, SOL_SOCKET, SO_REUSEPORT));
  if (v6) socket_set_transparent(fd, false);
  check("IP_TRANSPARENT", socket_set_transparent(fd, v6));
  check("SO_MARK", socket_set_mark(fd, options_.fwmark));
  // IPv4 datagrams report IP_ORIGDSTADDR even on a [::] socket.
  check("IP_RECVORIGDSTADDR", setopt(fd, SOL_IP, IP_RECVORIGDSTADDR));
  if (v6) check("IPV6_RECVORIGDSTADDR", setopt(fd, SOL_IPV6, IPV6_RECVORIGDSTADDR));
  const udp::endpoint ep(v6 ? asio::ip::address(asio::ip::address_v6::any())
                            : asio::ip::address(asio::ip::address_v4::any()),
                         *options_.port);
  socket_.bind(ep, ec);
  check("bind port " + std::to_string(*options_.port), ec);
  // A burst of new flows arrives here before their reply sockets exist.
  const int bytes = kFrontReceiveBuffer;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  socket_.non_blocking(true, ec);
  LOG_I(log_, "udp: TPROXY datagrams on %s", endpoint_text(ep.address(), ep.port()).c_str());
}

// Between sessions (--reconnect): what arrives meanwhile waits in the kernel.
void UdpFront::cancel() noexcept {
  boost::system::error_code ec;
  socket_.cancel(ec);
}

void UdpFront::close() noexcept {
  boost::system::error_code ec;
  socket_.close(ec);
}

awaitable<void> UdpFront::receive_loop(Session& session) {
  while (socket_.is_open() && !session.stopped()) {
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, as_tuple_awaitable);
    if (ec == asio::error::operation_aborted || !socket_.is_open()) co_return;
    for (int i = 0; i < kBurst && receive_one(session); ++i) {
    }
    co_await asio::post(socket_.get_executor(), asio::use_awaitable);
  }
}

// Takes one datagram with its original destination; false when none is left.
bool UdpFront::receive_one(Session& session) {
  auto buffer = session.datagram_buffer();
  sockaddr_storage from{};
  std::array<std::uint8_t, CMSG_SPACE(sizeof(sockaddr_in6)) * 2> control;
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  const ssize_t n = ::recvmsg(socket_.native_handle(), &msg, 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      LOG_D(log_, "udp: recvmsg: %s", std::strerror(errno));
    return errno == EINTR || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EBADF);
  }
  sockaddr_storage dst{};
  bool have_dst = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR;
    const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR;
    if (!v4 && !v6) continue;
    std::memcpy(&dst, CMSG_DATA(c), v4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    have_dst = true;
  }
  if (!have_dst) return true;  // not diverted: nothing to relay it to
  protocol::FlowAddresses f;
  f.src = address_from(from, f.src_port);
  f.dst = address_from(dst, f.dst_port);
  f.to_resolver = dns_.is_local_query(f.dst, f.dst_port);
  if (f.src.is_v4() != f.dst.is_v4()) return true;
  datagram_route(session, f, buffer.first(static_cast<std::size_t>(n)));
  return true;
}

void UdpFront::datagram_route(Session& session, const protocol::FlowAddresses& f,
                              std::span<const std::uint8_t> datagram) {
  const FlowKey key = flow_key(f);
  std::shared_ptr<UdpFlow> flow;
  if (const auto it = flows_.find(key); it != flows_.end()) flow = it->second.lock();
  if (!flow) flow = flow_open(session, f);
  if (!flow) return;
  flow->note_local_datagram();
  session.send_datagram(flow->id(), datagram);
}

std::shared_ptr<UdpFlow> UdpFront::flow_open(Session& session, const protocol::FlowAddresses& f) {
  if (destination_is_listener(f.dst, f.dst_port, *options_.port)) return nullptr;
  boost::system::error_code ec;
  udp::socket reply = reply_socket_open(session.executor(), f, options_.fwmark, ec);
  if (ec) {
    // Typically EADDRINUSE (a local service holds that address and port) or
    // out of descriptors: said for each new destination and error, else once
    // per interval, never for every datagram.
    const std::string what = endpoint_text(f.dst, f.dst_port) + ec.message();
    if (what != last_error_ || error_log_.allow()) {
      LOG_E(log_, "udp: flow %s: reply socket: %s", flow_text(f).c_str(), ec.message().c_str());
      last_error_ = what;
    }
    return nullptr;
  }
  if (session.stream_count() >= options_.max_streams) {
    ++session.stats().limited;
    if (error_log_.allow()) LOG_W(log_, "udp: flow %s: --max-streams reached: dropped", flow_text(f).c_str());
    return nullptr;
  }
  const auto id = session.stream_allocate_id();
  if (!id) return nullptr;
  std::array<std::uint8_t, protocol::kMaxOpenSize> open;
  const std::size_t len = protocol::open_encode(f, open);
  LOG_I(log_, "flow %u: open %s", *id, flow_text(f).c_str());
  auto flow = std::make_shared<UdpFlow>(session, *id, std::move(reply));
  const FlowKey key = flow_key(f);
  flow->on_icmp = [this, f](protocol::Unreachable kind) { icmp_.send(f, kind, 0); };
  flow->on_stray = [this, &session, dst = f.dst, dst_port = f.dst_port](const udp::endpoint& from,
                                                                      std::span<const std::uint8_t> d) {
    const protocol::FlowAddresses other{endpoint_unmap(from.address()), from.port(), dst, dst_port};
    datagram_route(session, other, d);
  };
  flow->on_close = [this, key] { flows_.erase(key); };
  flows_[key] = flow;
  session.stream_insert(*id, flow);
  session.send_control(protocol::FrameType::udp_open, *id, std::span(open).first(len));
  flow->start();
  return flow;
}

}  // namespace tfunnel
