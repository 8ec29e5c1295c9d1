// A real Session on one end of a socketpair, its peer played by a test: the
// test writes the peer's bytes, and after each write the session runs until
// it has nothing left to do. Everything the session sends back is collected
// and must decode. The session's local applications are socketpairs (TCP)
// and loopback UDP sockets, so nothing ever reaches a network; on the proxy,
// "connecting" completes (or fails) a moment later, as a real connect does, so
// frames can arrive before it. The unit tests and the session fuzzer share
// the rig.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/log.hpp"
#include "common/options.hpp"
#include "common/protocol.hpp"
#include "common/session.hpp"

namespace tfunnel::test {

// What the proxy's connects do.
enum class Connects { succeed, refused, hang };

struct RigConfig {
  protocol::Role role = protocol::Role::proxy;
  Connects connects = Connects::succeed;  // proxy: each a moment after its open
  int client_streams = 0;         // client: TCP streams opened after the handshake (ids 1, 2, ...)
  bool client_flow = false;       // client: then one UDP flow
  std::size_t app_bytes = 0;      // each TCP application sends this much (a UDP one, a datagram)
  bool apps_half_close = false;   // ... then shuts its sending side (a FIN)
  bool apps_read = false;         // applications read what they receive
  bool apps_close = false;        // applications close their socket at once
  std::size_t max_streams = Options{}.max_streams;  // the session's --max-streams
  std::size_t max_buffer = Options{}.max_buffer;    // and --max-buffer
  int verbosity = -1;             // of the session's logger; -1: silent
  bool channel_pipes = false;     // the channel is two pipes (as -- COMMAND), not a socketpair (as socat)
};

// A frame the session sent to its peer.
struct SentFrame {
  protocol::FrameType type;
  std::uint32_t stream;
  std::vector<std::uint8_t> payload;
};

class SessionRig {
 public:
  // Applications (local sockets) at most; later opens fail as when out of
  // descriptors, so that no input can exhaust them.
  static constexpr std::size_t kMaxApps = 48;
  // Bytes of a UDP application's datagram, when RigConfig::app_bytes is set.
  static constexpr std::size_t kDatagramBytes = 100;

  explicit SessionRig(const RigConfig& config);
  ~SessionRig();
  SessionRig(const SessionRig&) = delete;
  SessionRig& operator=(const SessionRig&) = delete;

  // The handshake the session expects from its peer.
  std::array<std::uint8_t, protocol::kHandshakeSize> peer_handshake() const noexcept;
  // Writes it.
  void send_handshake();
  // Writes bytes as the peer, then runs the session until it is idle.
  void send(std::span<const std::uint8_t> bytes);
  // Runs the session until it is idle (nothing ready, nothing to drain).
  void run_until_idle();
  // Closes the peer's side of the channel and runs until the io_context has
  // no work left, at most `limit`. False: some work never ended.
  bool finish(std::chrono::milliseconds limit = std::chrono::seconds(5));

  bool ready() const noexcept { return ready_; }  // the session took the peer's handshake
  bool stopped() const noexcept { return session_->stopped(); }
  const SessionEnd& end() const noexcept { return session_->end(); }
  Session& session() noexcept { return *session_; }
  // Frames the session sent after its handshake, in order.
  const std::vector<SentFrame>& sent() const noexcept { return sent_; }
  // Empty, or why the session's output did not decode.
  const std::string& output_error() const noexcept { return output_error_; }

 private:
  void proxy_open_tcp(std::uint32_t id);
  void proxy_open_udp(std::uint32_t id);
  void client_open_all();
  struct App {
    int fd;              // the application's end of its socket
    bool stream;         // TCP (else UDP)
    std::size_t left;    // bytes still to send
    bool started;        // its stream or flow is up
    bool done;           // sent everything (and half-closed when so configured)
  };
  int app_add(int fd, bool stream);
  void app_start(int fd);
  std::size_t apps_send();
  std::size_t drain_channel();
  std::size_t drain_apps();
  void output_parse();

  RigConfig config_;
  Options options_;
  Logger log_;
  // Declared before the session, as in proxy_run(): the session goes first,
  // once finish() has left the io_context without work.
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Session> session_;
  int peer_fd_ = -1;                 // the peer's end of the channel: it writes here
  int peer_in_fd_ = -1;              // and reads here (the same socket, or a pipe)
  bool peer_closed_ = false;
  bool ready_ = false;
  std::vector<App> apps_;
  std::vector<std::uint8_t> output_; // bytes from the session not yet parsed
  bool handshake_seen_ = false;
  std::vector<SentFrame> sent_;
  std::string output_error_;
};

}  // namespace tfunnel::test
