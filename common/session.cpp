#include "common/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/channel_fd.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using protocol::Frame;
using protocol::FrameType;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);

protocol::Role peer_of(protocol::Role r) {
  return r == protocol::Role::client ? protocol::Role::proxy : protocol::Role::client;
}
}  // namespace

// Why a stream refused a frame of this type (its handler returned false).
const char* Session::refusal_text(FrameType t) {
  switch (t) {
    case FrameType::opened: return "opened twice, or for a UDP flow";
    case FrameType::data: return "data beyond the stream's credit, after its fin, or for a UDP flow";
    case FrameType::fin: return "fin twice, or for a UDP flow";
    case FrameType::credit: return "credit of 0 or past the window limit (2^30), or for a UDP flow";
    case FrameType::datagram: return "datagram for a TCP stream";
    case FrameType::unreachable: return "unreachable of an unknown kind, or for a TCP stream";
    default: return "frame not allowed for this stream";
  }
}

Session::Session(asio::any_io_executor ex, protocol::Role role, const Options& options, Logger& log)
    : executor_(ex),
      role_(role),
      options_(options),
      log_(log),
      in_(ex),
      out_fd_(ex),
      out_(kDataBudget),
      datagram_buffer_(protocol::kMaxPayload),
      writer_signal_(ex, asio::steady_timer::time_point::max()),
      keepalive_timer_(ex),
      control_(ChannelControl::Settings{
          .target = std::chrono::duration_cast<ChannelControl::Clock::duration>(
              std::chrono::duration<double, std::milli>(options.queue_delay))}) {
  pool_.reserve();
}

Session::~Session() = default;

void Session::spawn(awaitable<void> task, const char* name) {
  asio::co_spawn(executor_, std::move(task), [this, name](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      stop(1, std::string(name) + ": " + ex.what());
    }
  });
}

void Session::start(int in_fd, int out_fd) {
  // Duplicates: the descriptors' non-blocking mode and closing stay ours.
  in_flags_ = ::fcntl(in_fd, F_GETFL);
  out_flags_ = ::fcntl(out_fd, F_GETFL);
  in_.assign(::dup(in_fd));
  out_fd_.assign(::dup(out_fd));
  channel_fd_enlarge(in_.native_handle());
  channel_fd_enlarge(out_fd_.native_handle());
  // Best effort: without it data is read and written the usual way.
  (void)splice_.open(out_fd_.native_handle(), kSpliceCapacity);
  splice_in_ = channel_fd_is_pipe(in_.native_handle());
  const auto hello = protocol::handshake_encode(role_);
  out_.push_raw(hello);
  last_received_ = std::chrono::steady_clock::now();
  spawn(write_loop(), "channel writer");
  spawn(read_loop(), "channel reader");
  spawn(keepalive_loop(), "keepalive");
}

void Session::stop(int status, std::string reason) {
  if (stopped_) return;
  stopped_ = true;
  end_ = SessionEnd{status, std::move(reason)};
  // Before the streams go: what was still open at the end is part of it. A
  // session that never began (a failed login, a bad peer) has nothing to sum.
  if (handshake_done_) LOG_N(log_, "summary: %s", stats_line().c_str());
  auto streams = std::move(streams_);
  streams_.clear();
  stats_.streams_open = stats_.flows_open = 0;
  if (!streams.empty()) LOG_N(log_, "resetting %zu stream(s) and flow(s)", streams.size());
  if (stats_.datagrams_dropped > 0)
    LOG_N(log_, "%llu datagram(s) dropped while the channel was backed up",
          static_cast<unsigned long long>(stats_.datagrams_dropped));
  for (auto& [id, s] : streams) s->abort_local();
  if (in_.is_open() && in_flags_ >= 0) ::fcntl(in_.native_handle(), F_SETFL, in_flags_);
  if (out_fd_.is_open() && out_flags_ >= 0) ::fcntl(out_fd_.native_handle(), F_SETFL, out_flags_);
  boost::system::error_code ec;
  in_.close(ec);
  out_fd_.close(ec);
  splice_.close();
  writer_signal_.cancel();
  keepalive_timer_.cancel();
  if (on_end) on_end(end_);
}

// ---- channel reader ---------------------------------------------------------

awaitable<void> Session::read_loop() {
  while (!stopped_) {
    auto room = reader_.writable();
    if (bulk_in_ > 0 && rest_ == 0) room = room.first(std::min(room.size(), bulk_read_size()));
    auto [ec, n] = co_await in_.async_read_some(asio::buffer(room.data(), room.size()), as_tuple_awaitable);
    if (stopped_) co_return;
    if (ec) {
      if (ec == asio::error::eof)
        stop(role_ == protocol::Role::client ? 1 : 0, "channel closed by the peer");
      else
        stop(1, "channel read: " + ec.message());
      co_return;
    }
    reader_.commit(n);
    stats_.channel_received += n;
    last_received_ = std::chrono::steady_clock::now();
    if (!handshake_done_ && !handshake_receive()) continue;
    rest_feed();
    while (!stopped_ && rest_ == 0) {
      const auto r = reader_.next();
      if (r.status == protocol::DecodeResult::Status::need_more) {
        // A bulk data frame whose payload is still in the channel.
        const auto pending = reader_.pending();
        if (!splice_in_ || pending.size() < protocol::kHeaderSize) break;
        const auto h = protocol::header_deserialize(pending.first<protocol::kHeaderSize>());
        if (h.type != FrameType::data || h.length < kSpliceInMin || !co_await splice_in(h)) break;
        continue;
      }
      if (r.status == protocol::DecodeResult::Status::error) {
        stop(1, std::string("protocol violation: ") + protocol::frame_error_text(r.error) +
                    "; bytes: \"" + protocol::escape_bytes(reader_.pending(), 32) + "\"");
        co_return;
      }
      if (splice_in_ && r.frame.header.type == FrameType::data && r.frame.header.length >= kSpliceInMin)
        bulk_in_ = kBulkFrames;
      else if (bulk_in_ > 0)
        --bulk_in_;
      dispatch(r.frame);
    }
    ack_note();
  }
}

bool Session::handshake_receive() {
  const auto got = reader_.pending();
  if (got.size() < protocol::kHandshakeSize) {
    // A short banner line is already wrong: no need to wait for 8 bytes.
    // Only the magic can be judged before the whole handshake is in.
    const std::size_t n = std::min(got.size(), protocol::kMagic.size());
    if (std::equal(got.begin(), got.begin() + n, protocol::kMagic.begin())) return false;
  }
  const auto e = got.size() < protocol::kHandshakeSize
                     ? protocol::HandshakeError::bad_magic
                     : protocol::handshake_check(got.first<protocol::kHandshakeSize>(), peer_of(role_));
  if (e != protocol::HandshakeError::none) {
    stop(1, std::string("channel: ") + protocol::handshake_error_text(e) + "; received \"" +
                protocol::escape_bytes(got) + "\"");
    return false;
  }
  reader_.consume(protocol::kHandshakeSize);
  handshake_done_ = true;
  LOG_I(log_, "channel: handshake done, protocol version %u", protocol::kVersion);
  if (on_ready) on_ready();
  return true;
}

void Session::violation(const char* what, const Frame& f) {
  stop(1, std::string("protocol violation: ") + what + " (" + protocol::frame_type_name(f.header.type) +
              " frame, stream " + std::to_string(f.header.stream) + ", length " +
              std::to_string(f.header.length) + ")");
}

void Session::dispatch(const Frame& f) {
  const std::uint32_t id = f.header.stream;
  switch (f.header.type) {
    case FrameType::ping: send_control(FrameType::pong, 0, f.payload); return;
    case FrameType::pong: return on_pong(protocol::ping_decode(f.payload));
    case FrameType::ack:
      control_.on_ack(protocol::ack_decode(f.payload));
      return budget_follow_window();
    case FrameType::open:
    case FrameType::udp_open: return dispatch_open(f);
    default: break;
  }
  if (f.header.type == FrameType::data) received_total_ += f.payload.size();
  if (f.header.type == FrameType::data || f.header.type == FrameType::datagram)
    stats_.bytes_received += f.payload.size();
  const auto it = streams_.find(id);
  if (it == streams_.end()) {
    // Frames already in flight when a stream closed are dropped.
    if (!ids_.ever_issued(id)) violation("frame for a stream never opened", f);
    return;
  }
  // Hold the stream: a handler may erase it from the map.
  const std::shared_ptr<Stream> s = it->second;
  dispatch_stream(f, *s);
}

void Session::dispatch_open(const Frame& f) {
  const std::uint32_t id = f.header.stream;
  if (role_ != protocol::Role::proxy) return violation("open sent to the client", f);
  if (streams_.contains(id)) return violation("open for a live stream", f);
  const auto flow = protocol::open_decode(f.payload);
  if (!flow) return violation("malformed open", f);
  ids_.note_issued(id);
  if (streams_.size() >= options_.max_streams) {
    ++stats_.limited;
    if (limit_log_.allow()) LOG_W(log_, "stream %u: --max-streams (%zu) reached: reset", id, options_.max_streams);
    send_rst(id, protocol::ResetReason::failed);
    return;
  }
  const auto& handler = f.header.type == FrameType::open ? on_open : on_udp_open;
  if (handler) handler(id, *flow);
}

void Session::dispatch_stream(const Frame& f, Stream& s) {
  const bool client = role_ == protocol::Role::client;
  bool ok = false;
  switch (f.header.type) {
    case FrameType::opened:
      if (!client) return violation("opened sent to the proxy", f);
      ok = s.on_opened();
      break;
    case FrameType::data: ok = s.on_data(f.payload); break;
    case FrameType::fin: ok = s.on_fin(); break;
    case FrameType::credit: ok = s.on_credit(protocol::credit_decode(f.payload)); break;
    case FrameType::datagram: ok = s.on_datagram(f.payload); break;
    case FrameType::unreachable: {
      if (!client) return violation("unreachable sent to the proxy", f);
      const auto kind = protocol::unreachable_decode(f.payload);
      ok = kind && s.on_unreachable(*kind);
      break;
    }
    case FrameType::rst: {
      const auto reason = protocol::rst_decode(f.payload);
      if (!reason) return violation("unknown reset reason", f);
      if (s.kind() == StreamKind::tcp || *reason != protocol::ResetReason::timed_out) ++stats_.resets_received;
      s.on_rst(*reason);
      return;
    }
    default: break;
  }
  if (!ok) violation(refusal_text(f.header.type), f);
}

// ---- liveness -------------------------------------------------------------------

awaitable<void> Session::keepalive_loop() {
  using namespace std::chrono;
  const auto limit = duration_cast<steady_clock::duration>(duration<double>(options_.keepalive));
  while (!stopped_) {
    keepalive_timer_.expires_after(limit / 4);
    co_await keepalive_timer_.async_wait(as_tuple_awaitable);
    if (stopped_) co_return;
    // Before the handshake the peer may still be logging in (an ssh password
    // or host key prompt): silence only counts afterwards.
    const auto silent = steady_clock::now() - last_received_;
    if (handshake_done_ && silent > limit) {
      stop(1, "channel silent for " + std::to_string(duration_cast<seconds>(silent).count()) +
                  " s: the peer is dead or stuck");
      co_return;
    }
    if (handshake_done_) {
      const auto now = static_cast<std::uint64_t>(steady_clock::now().time_since_epoch().count());
      send_control(FrameType::ping, 0, protocol::ping_encode(now));
    }
  }
}

// ---- stream table ---------------------------------------------------------------

std::optional<std::uint32_t> Session::stream_allocate_id() {
  return ids_.allocate([this](std::uint32_t id) { return streams_.contains(id); }, streams_.size());
}

void Session::stream_insert(std::uint32_t id, std::shared_ptr<Stream> stream) {
  const StreamKind kind = stream->kind();
  if (streams_.emplace(id, std::move(stream)).second) stats_.opened(kind);
}

void Session::stream_erase(std::uint32_t id) noexcept {
  const auto it = streams_.find(id);
  if (it == streams_.end()) return;
  stats_.closed(it->second->kind());
  streams_.erase(it);
}

// ---- counters -------------------------------------------------------------------

std::string Session::stats_line() const {
  using std::chrono::duration;
  SessionGauges g;
  g.uptime_s = duration<double>(std::chrono::steady_clock::now() - started_).count();
  g.window = control_.window();
  g.in_flight = control_.in_flight();
  g.base_rtt_ms = duration<double, std::milli>(control_.base_rtt()).count();
  g.rate = control_.rate();
  for (const auto& [id, s] : streams_) g.stream_window_max = std::max(g.stream_window_max, s->receive_window());
  g.buffered = buffered_;
  return session_stats_line(stats_, g);
}

}  // namespace tfunnel
