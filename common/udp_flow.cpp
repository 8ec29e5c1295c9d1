#include "common/udp_flow.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/session.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using protocol::FrameType;
using protocol::Unreachable;
using std::chrono::steady_clock;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// Datagrams taken per wakeup before other work gets a turn.
constexpr int kBurst = 64;

steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

UdpFlow::UdpFlow(Session& session, std::uint32_t id, asio::ip::udp::socket socket)
    : Stream(id, StreamKind::udp), session_(session), socket_(std::move(socket)), timer_(socket_.get_executor()),
      last_active_(steady_clock::now()) {}

void UdpFlow::start() {
  boost::system::error_code ec;
  peer_ = socket_.remote_endpoint(ec);
  socket_.non_blocking(true, ec);
  asio::co_spawn(socket_.get_executor(), receive_loop(), asio::detached);
  asio::co_spawn(socket_.get_executor(), expiry_loop(), asio::detached);
}

void UdpFlow::note_local_datagram() noexcept {
  from_socket_ = true;
  last_active_ = steady_clock::now();
}

// far end -> channel
awaitable<void> UdpFlow::receive_loop() {
  const auto self = shared_from_this();
  auto buffer = session_.datagram_buffer();
  while (!closed_) {
    co_await socket_.async_wait(asio::socket_base::wait_read, as_tuple_awaitable);
    for (int i = 0; i < kBurst && !closed_; ++i) {
      boost::system::error_code ec;
      asio::ip::udp::endpoint from;
      const std::size_t n = socket_.receive_from(asio::buffer(buffer.data(), buffer.size()), from, 0, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec) {
        socket_error(ec);
        continue;
      }
      if (from != peer_) {
        if (on_stray) on_stray(from, buffer.first(n));
        continue;
      }
      note_local_datagram();
      session_.send_datagram(id(), buffer.first(n));
    }
    if (!closed_) co_await asio::post(socket_.get_executor(), asio::use_awaitable);
  }
}

// channel -> far end
bool UdpFlow::on_datagram(std::span<const std::uint8_t> datagram) {
  if (closed_) return true;
  from_channel_ = true;
  last_active_ = steady_clock::now();
  boost::system::error_code ec;
  socket_.send(asio::buffer(datagram.data(), datagram.size()), 0, ec);
  // A full socket buffer drops the datagram, as the network would.
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) socket_error(ec);
  return true;
}

// The kernel reports ICMP errors on the connected socket. The proxy passes
// them on; on the client the application is the far end, nothing to tell.
void UdpFlow::socket_error(const boost::system::error_code& ec) {
  LOG_D(session_.log(), "flow %u: %s", id(), ec.message().c_str());
  Unreachable kind;
  if (ec == asio::error::connection_refused) kind = Unreachable::port;
  else if (ec == asio::error::host_unreachable) kind = Unreachable::host;
  else if (ec == asio::error::network_unreachable) kind = Unreachable::net;
  else return;
  if (!on_icmp) session_.send_control(FrameType::unreachable, id(), protocol::unreachable_encode(kind));
}

bool UdpFlow::on_unreachable(Unreachable kind) {
  if (!closed_ && on_icmp) on_icmp(kind);
  return true;
}

steady_clock::time_point UdpFlow::deadline() const noexcept {
  const auto& o = session_.options();
  const bool answered = from_socket_ && from_channel_;
  return last_active_ + seconds(answered ? o.udp_timeout_stream : o.udp_timeout);
}

awaitable<void> UdpFlow::expiry_loop() {
  const auto self = shared_from_this();
  while (!closed_) {
    // Activity only moves last_active_; the timer is re-armed when it fires.
    const auto when = deadline();
    if (steady_clock::now() >= when) {
      LOG_D(session_.log(), "flow %u: idle timeout", id());
      close(true);
      co_return;
    }
    timer_.expires_at(when);
    co_await timer_.async_wait(as_tuple_awaitable);
  }
}

void UdpFlow::on_rst(protocol::ResetReason) { close(false); }

void UdpFlow::abort_local() noexcept {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  timer_.cancel();
  if (on_close) on_close();
}

void UdpFlow::close(bool tell_peer) noexcept {
  if (closed_) return;
  if (tell_peer)
    session_.send_control(FrameType::rst, id(), protocol::rst_encode(protocol::ResetReason::timed_out));
  abort_local();
  session_.stream_erase(id());
}

}  // namespace tfunnel
