#include "proxy/udp_connector.hpp"

#include <memory>

#include <boost/asio/ip/udp.hpp>

#include "common/endpoint.hpp"
#include "common/session.hpp"
#include "common/udp_flow.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::ip::udp;

void udp_connector_open(Session& session, std::uint32_t id, const protocol::FlowAddresses& flow) {
  const udp::endpoint dst(flow.dst, flow.dst_port);
  LOG_I(session.log(), "flow %u: open %s", id, flow_text(flow).c_str());
  udp::socket socket(session.executor());
  boost::system::error_code ec;
  socket.open(dst.protocol(), ec);
  if (!ec) socket.connect(dst, ec);
  auto udp_flow = std::make_shared<UdpFlow>(session, id, std::move(socket));
  session.stream_insert(id, udp_flow);
  if (ec) {
    // No socket of that family, or no route: the application hears of it.
    LOG_I(session.log(), "flow %u: %s", id, ec.message().c_str());
    session.send_control(protocol::FrameType::unreachable, id,
                         protocol::unreachable_encode(protocol::Unreachable::net));
    session.send_rst(id, protocol::ResetReason::unreachable);
    udp_flow->abort_local();
    session.stream_erase(id);
    return;
  }
  udp_flow->start();
}

}  // namespace tfunnel
