#include "client/icmp_sender.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <boost/endian/conversion.hpp>

#include "common/socket_options.hpp"

namespace tfunnel {

namespace endian = boost::endian;
using protocol::Unreachable;

namespace {

constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kIcmpHeader = 8;

std::uint16_t checksum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += endian::load_big_u16(p + i);
  if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// The quoted UDP header: what the kernel matches to find the sender's socket.
void udp_header(std::uint8_t* p, const protocol::FlowAddresses& f, std::size_t payload_len) {
  endian::store_big_u16(p, f.src_port);
  endian::store_big_u16(p + 2, f.dst_port);
  endian::store_big_u16(p + 4, static_cast<std::uint16_t>(std::min<std::size_t>(kUdpHeader + payload_len, 0xffff)));
  endian::store_big_u16(p + 6, 0);
}

std::size_t icmp4_build(std::uint8_t* p, const protocol::FlowAddresses& f, Unreachable kind, std::size_t len) {
  std::memset(p, 0, kIcmpHeader + kIpv4Header + kUdpHeader);
  p[0] = 3;  // destination unreachable
  p[1] = kind == Unreachable::port ? 3 : kind == Unreachable::host ? 1 : 0;
  std::uint8_t* ip = p + kIcmpHeader;
  ip[0] = 0x45;
  endian::store_big_u16(ip + 2, static_cast<std::uint16_t>(std::min<std::size_t>(kIpv4Header + kUdpHeader + len, 0xffff)));
  ip[8] = 64;
  ip[9] = IPPROTO_UDP;
  const auto src = f.src.to_v4().to_bytes();
  const auto dst = f.dst.to_v4().to_bytes();
  std::memcpy(ip + 12, src.data(), 4);
  std::memcpy(ip + 16, dst.data(), 4);
  endian::store_big_u16(ip + 10, checksum(ip, kIpv4Header));
  udp_header(ip + kIpv4Header, f, len);
  const std::size_t total = kIcmpHeader + kIpv4Header + kUdpHeader;
  endian::store_big_u16(p + 2, checksum(p, total));
  return total;
}

std::size_t icmp6_build(std::uint8_t* p, const protocol::FlowAddresses& f, Unreachable kind, std::size_t len) {
  std::memset(p, 0, kIcmpHeader + kIpv6Header + kUdpHeader);
  p[0] = 1;  // destination unreachable; the kernel fills in the checksum
  p[1] = kind == Unreachable::port ? 4 : kind == Unreachable::host ? 3 : 0;
  std::uint8_t* ip = p + kIcmpHeader;
  ip[0] = 0x60;
  endian::store_big_u16(ip + 4, static_cast<std::uint16_t>(std::min<std::size_t>(kUdpHeader + len, 0xffff)));
  ip[6] = IPPROTO_UDP;
  ip[7] = 64;
  const auto src = f.src.to_v6().to_bytes();
  const auto dst = f.dst.to_v6().to_bytes();
  std::memcpy(ip + 8, src.data(), 16);
  std::memcpy(ip + 24, dst.data(), 16);
  udp_header(ip + kIpv6Header, f, len);
  return kIcmpHeader + kIpv6Header + kUdpHeader;
}

}  // namespace

IcmpSender::~IcmpSender() {
  if (v4_ >= 0) ::close(v4_);
  if (v6_ >= 0) ::close(v6_);
}

int IcmpSender::socket_for(bool v6) {
  int& fd = v6 ? v6_ : v4_;
  if (fd >= 0) return fd;
  fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
                v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  boost::system::error_code ec;
  if (fd < 0) ec = {errno, boost::system::system_category()};
  else if (!(ec = socket_set_transparent(fd, v6))) ec = socket_set_mark(fd, fwmark_);
  if (ec) {
    if (!warned_)
      LOG_W(log_, "icmp: cannot replay port unreachable (%s); it needs CAP_NET_RAW and CAP_NET_ADMIN",
            ec.message().c_str());
    warned_ = true;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  return fd;
}

void IcmpSender::send(const protocol::FlowAddresses& f, Unreachable kind, std::size_t payload_len) {
  const bool v6 = f.dst.is_v6();
  const int fd = socket_for(v6);
  if (fd < 0) return;
  std::array<std::uint8_t, kIcmpHeader + kIpv6Header + kUdpHeader> packet;
  const std::size_t n = v6 ? icmp6_build(packet.data(), f, kind, payload_len)
                           : icmp4_build(packet.data(), f, kind, payload_len);
  // The source is the original destination, chosen per packet with PKTINFO.
  sockaddr_storage to{};
  std::array<std::uint8_t, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
  iovec iov{packet.data(), n};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&to);
    sin6->sin6_family = AF_INET6;
    const auto app = f.src.to_v6().to_bytes();
    std::memcpy(&sin6->sin6_addr, app.data(), 16);
    msg.msg_namelen = sizeof(sockaddr_in6);
    in6_pktinfo info{};
    const auto from = f.dst.to_v6().to_bytes();
    std::memcpy(&info.ipi6_addr, from.data(), 16);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&to);
    sin->sin_family = AF_INET;
    const auto app = f.src.to_v4().to_bytes();
    std::memcpy(&sin->sin_addr, app.data(), 4);
    msg.msg_namelen = sizeof(sockaddr_in);
    in_pktinfo info{};
    const auto from = f.dst.to_v4().to_bytes();
    std::memcpy(&info.ipi_spec_dst, from.data(), 4);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  }
  if (::sendmsg(fd, &msg, 0) < 0)
    LOG_D(log_, "icmp: sendmsg: %s", std::strerror(errno));
}

}  // namespace tfunnel
