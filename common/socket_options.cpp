#include "common/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include <boost/asio/ip/basic_endpoint.hpp>
#include <boost/asio/ip/udp.hpp>

namespace tfunnel {

namespace {
boost::system::error_code last_error() noexcept {
  return {errno, boost::system::system_category()};
}
}  // namespace

void socket_set_linger_zero(int fd) noexcept {
  const linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

void socket_set_nodelay(int fd) noexcept {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

boost::system::error_code socket_set_mark(int fd, std::uint32_t mark) noexcept {
  if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return last_error();
  return {};
}

boost::system::error_code socket_set_transparent(int fd, bool v6) noexcept {
  const int one = 1;
  const int rc = v6 ? ::setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one)
                    : ::setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one);
  if (rc != 0) return last_error();
  return {};
}

void socket_setup_fail(const char* concept_name, const std::string& what, const boost::system::error_code& ec) {
  std::string msg = std::string(concept_name) + ": " + what + ": " + ec.message();
  if (ec == boost::system::errc::operation_not_permitted)
    msg += " (the client needs CAP_NET_ADMIN: run it as root or give the binary the capability)";
  throw std::runtime_error(msg);
}

bool destination_is_listener(const boost::asio::ip::address& dst, std::uint16_t dst_port,
                             std::uint16_t listener_port) noexcept {
  if (dst_port != listener_port) return false;
  const boost::asio::ip::udp::endpoint ep(dst, 0);
  const int fd = ::socket(ep.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // unsure: err on the side of not relaying
  const bool local = ::bind(fd, ep.data(), static_cast<socklen_t>(ep.size())) == 0;
  ::close(fd);
  return local;
}

}  // namespace tfunnel
