// --dns: which diverted flows are DNS queries for this host's own resolvers
// (the nameservers of its resolv.conf, port 53). Those are marked in their
// open frame so that the proxy asks its own resolver instead.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/log.hpp"
#include "common/options.hpp"

namespace tfunnel {

class DnsCapture {
 public:
  // Reads the resolvers when --dns is on; warns when there are none.
  DnsCapture(const Options& options, Logger& log);

  bool is_local_query(const boost::asio::ip::address& dst, std::uint16_t port) const noexcept;

 private:
  std::vector<boost::asio::ip::address> resolvers_;
};

}  // namespace tfunnel
