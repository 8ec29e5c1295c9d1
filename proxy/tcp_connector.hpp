// The proxy's half of an OPEN: a non-blocking connect, bounded by
// --connect-timeout, that ends in OPENED or in RST with the reason.
#pragma once

#include <cstdint>

#include "common/protocol.hpp"

namespace tfunnel {

class Session;

void tcp_connector_open(Session& session, std::uint32_t id, const protocol::FlowAddresses& flow);

}  // namespace tfunnel
