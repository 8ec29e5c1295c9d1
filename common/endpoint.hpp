// Address helpers shared by both roles.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "common/protocol.hpp"

namespace tfunnel {

// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the wire and the
// proxy want plain IPv4.
boost::asio::ip::address endpoint_unmap(const boost::asio::ip::address& a);

// "192.0.2.1:80" or "[2001:db8::1]:80".
std::string endpoint_text(const boost::asio::ip::address& a, std::uint16_t port);

// "SRC -> DST" of a flow, for log lines.
std::string flow_text(const protocol::FlowAddresses& f);

}  // namespace tfunnel
