// Replays, towards the application, an ICMP error the proxy saw: a port, host
// or network unreachable sent from the original destination address, quoting
// the application's datagram, so that a connected UDP socket gets
// ECONNREFUSED (or EHOSTUNREACH) as it would on a real network.
// Raw sockets need CAP_NET_RAW; without it the error is logged once and the
// application sees a timeout instead.
#pragma once

#include <cstdint>

#include "common/log.hpp"
#include "common/protocol.hpp"

namespace tfunnel {

class IcmpSender {
 public:
  IcmpSender(std::uint32_t fwmark, Logger& log) : fwmark_(fwmark), log_(log) {}
  ~IcmpSender();
  IcmpSender(const IcmpSender&) = delete;
  IcmpSender& operator=(const IcmpSender&) = delete;

  // `flow.src` is the application, `flow.dst` the original destination;
  // `payload_len` the length of the datagram that failed.
  void send(const protocol::FlowAddresses& flow, protocol::Unreachable kind, std::size_t payload_len);

 private:
  int socket_for(bool v6);

  std::uint32_t fwmark_;
  Logger& log_;
  int v4_ = -1;
  int v6_ = -1;
  bool warned_ = false;
};

}  // namespace tfunnel
