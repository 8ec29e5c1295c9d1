#include "common/capabilities.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace tfunnel {

namespace {

struct Needed {
  int cap;
  const char* name;
  const char* without;  // what fails without it
};

constexpr Needed kNeeded[] = {
    {CAP_NET_ADMIN, "CAP_NET_ADMIN", "transparent UDP reply sockets and SO_MARK fail"},
    {CAP_NET_RAW, "CAP_NET_RAW", "ICMP port unreachable is not replayed to UDP applications"},
    {CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE", "UDP flows to ports below 1024 (DNS) get no replies"},
};

bool has(const __user_cap_data_struct (&d)[2], int cap) {
  return (d[cap / 32].permitted >> (cap % 32)) & 1u;
}

bool capabilities_set(Logger& log, const __user_cap_data_struct (&keep)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct set[2]{keep[0], keep[1]};
  for (auto& k : set) k.effective = k.permitted;
  if (::syscall(SYS_capset, &header, set) == 0) return true;
  LOG_W(log, "capabilities: cannot drop the others: %s", std::strerror(errno));
  return false;
}

}  // namespace

void capabilities_keep_client(Logger& log) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) {
    LOG_W(log, "capabilities: capget: %s", std::strerror(errno));
    return;
  }
  __user_cap_data_struct keep[2]{};
  for (const Needed& n : kNeeded) {
    if (!has(data, n.cap)) {
      LOG_W(log, "capabilities: no %s: %s", n.name, n.without);
      continue;
    }
    keep[n.cap / 32].permitted |= 1u << (n.cap % 32);
  }
  if (capabilities_set(log, keep)) LOG_I(log, "capabilities: keeping only the network ones it needs");
}

void capabilities_drop_all(Logger& log) {
  const __user_cap_data_struct none[2]{};
  capabilities_set(log, none);
}

}  // namespace tfunnel
