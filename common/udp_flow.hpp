// One UDP flow on one side of the tunnel. Its socket is connected to the
// flow's far end: on the client a transparent socket bound to the original
// destination and connected to the application, on the proxy an ordinary
// socket connected to the destination. Datagrams cross whole, one per frame,
// without credit; the flow closes after an idle timeout, the short one while
// no reply came back, the long one after (like conntrack).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/protocol.hpp"
#include "common/stream.hpp"

namespace tfunnel {

class Session;

class UdpFlow : public Stream, public std::enable_shared_from_this<UdpFlow> {
 public:
  UdpFlow(Session& session, std::uint32_t id, boost::asio::ip::udp::socket socket);

  void start();
  // Counts a datagram the client took from its front socket for this flow.
  void note_local_datagram() noexcept;

  // Client: an ICMP error the proxy saw, to replay to the application.
  std::function<void(protocol::Unreachable)> on_icmp;
  // Client: a datagram the reply socket took from another application (the
  // kernel may deliver one between bind and connect); it belongs to another
  // flow to the same destination.
  std::function<void(const boost::asio::ip::udp::endpoint&, std::span<const std::uint8_t>)> on_stray;
  // Called once when the flow ends, whoever ends it.
  std::function<void()> on_close;

  bool on_datagram(std::span<const std::uint8_t> datagram) override;
  bool on_unreachable(protocol::Unreachable kind) override;
  void on_rst(protocol::ResetReason reason) override;
  void abort_local() noexcept override;

 private:
  boost::asio::awaitable<void> receive_loop();
  boost::asio::awaitable<void> expiry_loop();
  void socket_error(const boost::system::error_code& ec);
  std::chrono::steady_clock::time_point deadline() const noexcept;
  void close(bool tell_peer) noexcept;

  Session& session_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint peer_;  // what the socket is connected to
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_active_;
  bool from_socket_ = false;   // a datagram came from this side's far end
  bool from_channel_ = false;  // a datagram came from the peer
  bool closed_ = false;
};

}  // namespace tfunnel
