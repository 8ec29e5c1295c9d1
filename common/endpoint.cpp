#include "common/endpoint.hpp"

namespace tfunnel {

boost::asio::ip::address endpoint_unmap(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::string endpoint_text(const boost::asio::ip::address& a, std::uint16_t port) {
  std::string text;
  if (a.is_v6()) text.append(1, '[').append(a.to_string()).append(1, ']');
  else text.append(a.to_string());
  return text.append(1, ':').append(std::to_string(port));
}

std::string flow_text(const protocol::FlowAddresses& f) {
  return endpoint_text(f.src, f.src_port).append(" -> ").append(endpoint_text(f.dst, f.dst_port));
}

}  // namespace tfunnel
