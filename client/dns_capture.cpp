#include "client/dns_capture.hpp"

#include <algorithm>

#include "common/endpoint.hpp"
#include "common/resolv_conf.hpp"

namespace tfunnel {

DnsCapture::DnsCapture(const Options& options, Logger& log) {
  if (!options.dns) return;
  resolvers_ = resolv_conf_nameservers(options.resolv_conf);
  if (resolvers_.empty()) {
    LOG_W(log, "dns: no nameserver in %s: --dns captures nothing", options.resolv_conf.c_str());
    return;
  }
  for (const auto& r : resolvers_) LOG_I(log, "dns: queries to %s go to the proxy's resolver", endpoint_text(r, 53).c_str());
}

bool DnsCapture::is_local_query(const boost::asio::ip::address& dst, std::uint16_t port) const noexcept {
  return port == 53 && std::find(resolvers_.begin(), resolvers_.end(), dst) != resolvers_.end();
}

}  // namespace tfunnel
