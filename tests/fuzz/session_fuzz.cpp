// libFuzzer target for the multiplexer (common/session.cpp, tcp_stream.cpp,
// udp_flow.cpp): a real Session, as the proxy or the client, gets a valid
// handshake and then the input's bytes, all in reads of the sizes the input
// gives (1..32 bytes). Whatever the bytes, the session must not crash, must
// only ever send frames that decode and follow the protocol
// (session_output_rules.hpp), must end once the channel closes, and must
// leave no work, memory or descriptor behind.
//
// Input layout: fuzz_input.hpp. Mode bits (tests/support/session_rig.hpp):
//   0: client (else proxy)
//   1-2: client: TCP streams (ids 1..3); proxy: connects succeed (0, 3),
//        are refused (1) or hang (2)
//   3: client: a UDP flow (the next id)
//   4: applications send 3000 bytes (a datagram of 100), or 300 KiB with
//      extra bit 0 (more than a window)  5: ... then half-close
//   6: applications close at once        7: applications read what they get
// Extra bits (fuzz_input.hpp): 1: --max-streams 2; 2: --max-buffer 2000.
// With TFUNNEL_FUZZ_VERBOSE set, the session logs (-vv) and each run prints
// how the session ended: for reading what a crashing input does.
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/session_output_rules.hpp"
#include "tests/support/session_rig.hpp"

namespace {

using tfunnel::fuzz::FuzzInput;
using tfunnel::test::Connects;
using tfunnel::test::RigConfig;
using tfunnel::test::SessionRig;

void check(bool ok, const char* rule, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "session_fuzz: broken rule: %s %s\n", rule, detail.c_str());
  std::abort();
}

int fd_count() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (::readdir(d)) ++n;
  ::closedir(d);
  return n;
}

RigConfig rig_config(const FuzzInput& in) {
  RigConfig c;
  c.role = in.mode_bit(0) ? tfunnel::protocol::Role::client : tfunnel::protocol::Role::proxy;
  const int bits12 = (in.mode() >> 1) & 3;
  c.client_streams = bits12;
  c.connects = bits12 == 1 ? Connects::refused : bits12 == 2 ? Connects::hang : Connects::succeed;
  c.client_flow = in.mode_bit(3);
  if (in.mode_bit(4)) c.app_bytes = in.extra_bit(0) ? 300 * 1024 : 3000;
  c.apps_half_close = in.mode_bit(5);
  c.apps_close = in.mode_bit(6);
  c.apps_read = in.mode_bit(7);
  if (in.extra_bit(1)) c.max_streams = 2;
  if (in.extra_bit(2)) c.max_buffer = 2000;
  c.channel_pipes = in.extra_bit(3);  // pipes: data is also received by splice
  if (std::getenv("TFUNNEL_FUZZ_VERBOSE")) c.verbosity = 2;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(std::span(data, size));
  const int fds_before = fd_count();
  {
    SessionRig rig(rig_config(in));
    // The handshake is cut into reads too: a pipe may split it anywhere.
    const auto hello = rig.peer_handshake();
    std::vector<std::uint8_t> stream(hello.begin(), hello.end());
    stream.insert(stream.end(), in.bytes().begin(), in.bytes().end());
    std::span<const std::uint8_t> bytes = stream;
    while (!bytes.empty() && !rig.stopped()) {
      const std::size_t n = std::min(in.next_chunk(), bytes.size());
      rig.send(bytes.first(n));
      bytes = bytes.subspan(n);
    }
    check(rig.finish(), "the session ends at EOF and leaves no work behind");
    check(rig.stopped(), "the session has ended");
    check(rig.ready(), "a valid handshake is taken however it is cut:", rig.end().reason);
    check(!rig.end().reason.empty(), "the session says why it ended");
    check(rig.session().stream_count() == 0, "no stream outlives the session");
    check(rig.session().buffered() == 0, "every byte counted against --max-buffer is released");
    check(rig.output_error().empty(), "the session sends only frames that decode:", rig.output_error());
    const auto config = rig_config(in);
    const std::string broken = tfunnel::fuzz::output_rules_broken(config.role, rig.sent(),
                                                                  tfunnel::fuzz::peer_frames(in.bytes()));
    check(broken.empty(), "the session's frames follow the protocol:", broken);
    if (std::getenv("TFUNNEL_FUZZ_VERBOSE"))
      std::fprintf(stderr, "session_fuzz: ended with status %d: %s; %zu frame(s) sent\n", rig.end().status,
                   rig.end().reason.c_str(), rig.sent().size());
  }
  check(fd_count() == fds_before, "no descriptor outlives the session");
  return 0;
}
