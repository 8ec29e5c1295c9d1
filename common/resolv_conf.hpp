// The `nameserver` lines of a resolv.conf: the client's resolvers (whose DNS
// queries --dns sends through the tunnel) and the proxy's (which answer them).
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace tfunnel {

// In file order; unreadable file or no valid line: empty. Scoped IPv6
// addresses (fe80::1%eth0) are skipped: they mean nothing on the other host.
std::vector<boost::asio::ip::address> resolv_conf_nameservers(const std::string& path);
std::vector<boost::asio::ip::address> resolv_conf_parse(const std::string& text);

}  // namespace tfunnel
