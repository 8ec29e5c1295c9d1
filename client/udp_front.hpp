// The client's UDP side: one TPROXY datagram socket for both families on the
// listener's port. A datagram from a new (source, destination) pair opens a
// flow; the flow's reply socket, bound to the original destination and
// connected to the application, then carries that flow's later datagrams.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

#include "client/dns_capture.hpp"
#include "client/icmp_sender.hpp"
#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "common/options.hpp"
#include "common/protocol.hpp"

namespace tfunnel {

class Session;
class UdpFlow;

class UdpFront {
 public:
  // Throws std::runtime_error with a message that says what to fix.
  UdpFront(boost::asio::any_io_executor ex, const Options& options, const DnsCapture& dns, Logger& log);

  boost::asio::awaitable<void> receive_loop(Session& session);
  // Ends the loop above; the socket stays open for the next session.
  void cancel() noexcept;
  void close() noexcept;

 private:
  struct FlowKey {
    std::array<std::uint8_t, 16> src{}, dst{};
    std::uint16_t src_port = 0, dst_port = 0;
    bool v6 = false;
    bool operator==(const FlowKey&) const = default;
  };
  struct FlowKeyHash {
    std::size_t operator()(const FlowKey& k) const noexcept;
  };
  static FlowKey flow_key(const protocol::FlowAddresses& f);

  void front_open();
  bool receive_one(Session& session);
  void datagram_route(Session& session, const protocol::FlowAddresses& f, std::span<const std::uint8_t> d);
  std::shared_ptr<UdpFlow> flow_open(Session& session, const protocol::FlowAddresses& f);

  boost::asio::ip::udp::socket socket_;
  const Options& options_;
  const DnsCapture& dns_;
  Logger& log_;
  IcmpSender icmp_;
  std::unordered_map<FlowKey, std::weak_ptr<UdpFlow>, FlowKeyHash> flows_;
  LogThrottle error_log_;
  std::string last_error_;  // destination and error last logged
};

}  // namespace tfunnel
