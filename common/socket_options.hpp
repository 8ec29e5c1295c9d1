// Small socket settings used by both roles, each with the reason it exists.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

namespace tfunnel {

// Close with RST instead of FIN: how a reset travels to the application.
void socket_set_linger_zero(int fd) noexcept;
// Relayed bytes already waited in the channel; don't let Nagle hold them.
void socket_set_nodelay(int fd) noexcept;
// Marks our own packets so the firewall rules let them pass untouched.
boost::system::error_code socket_set_mark(int fd, std::uint32_t mark) noexcept;
// Lets a socket accept (or send from) addresses that are not local: TPROXY.
boost::system::error_code socket_set_transparent(int fd, bool v6) noexcept;
// Throws std::runtime_error "CONCEPT: WHAT: error", adding what to do when
// the error is a missing capability.
[[noreturn]] void socket_setup_fail(const char* concept_name, const std::string& what,
                                    const boost::system::error_code& ec);

// True when a connection or datagram was not diverted by TPROXY but sent
// straight to the listener: its destination is this host's own address (a
// bind to it succeeds) on the listener's port. Relaying it would reach the
// proxy's own host. Also true when it cannot be checked.
bool destination_is_listener(const boost::asio::ip::address& dst, std::uint16_t dst_port,
                             std::uint16_t listener_port) noexcept;

}  // namespace tfunnel
