// The proxy's half of a UDP_OPEN: a socket connected to the destination, so
// that the kernel reports ICMP errors on it, in the destination's own family.
#pragma once

#include <cstdint>

#include "common/protocol.hpp"

namespace tfunnel {

class Session;

void udp_connector_open(Session& session, std::uint32_t id, const protocol::FlowAddresses& flow);

}  // namespace tfunnel
