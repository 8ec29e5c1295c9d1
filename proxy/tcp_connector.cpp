#include "proxy/tcp_connector.hpp"

#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/endpoint.hpp"
#include "common/session.hpp"
#include "common/tcp_stream.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::ip::tcp;
using protocol::ResetReason;

namespace {

ResetReason connect_failure_reason(const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) return ResetReason::refused;
  if (ec == asio::error::timed_out || ec == asio::error::operation_aborted) return ResetReason::timed_out;
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable ||
      ec == asio::error::address_family_not_supported || ec == boost::system::errc::address_not_available)
    return ResetReason::unreachable;
  return ResetReason::failed;
}

// One connect in progress: its stream and its deadline, kept alive by the
// two handlers. Handlers rather than a coroutine: a burst of thousands of
// connects frees what each one held in between the streams that stay, and
// those holes stay resident (malloc cannot hand back part of a page), so
// what a connect holds is what an idle proxy keeps per connection after the
// burst. A coroutine held about 1.3 KiB (three frames, the ops); this, a
// third of it.
struct Connect {
  Connect(Session& s, std::shared_ptr<TcpStream> st, tcp::endpoint d)
      : session(s), stream(std::move(st)), dst(d), deadline(s.executor()) {}
  Session& session;
  std::shared_ptr<TcpStream> stream;
  tcp::endpoint dst;
  asio::steady_timer deadline;
};

void connect_done(Connect& c, const boost::system::error_code& ec) {
  c.deadline.cancel();
  const std::uint32_t id = c.stream->id();
  if (c.stream->closed()) return;  // reset by the client or session end meanwhile
  if (ec) {
    const ResetReason reason = connect_failure_reason(ec);
    LOG_I(c.session.log(), "stream %u: connect %s: %s", id, endpoint_text(c.dst.address(), c.dst.port()).c_str(),
          ec.message().c_str());
    c.stream->fail(reason);
    return;
  }
  LOG_D(c.session.log(), "stream %u: connected", id);
  c.session.send_control(protocol::FrameType::opened, id);
  c.stream->start();
}

}  // namespace

void tcp_connector_open(Session& session, std::uint32_t id, const protocol::FlowAddresses& flow) {
  LOG_I(session.log(), "stream %u: open %s", id, flow_text(flow).c_str());
  auto stream = std::make_shared<TcpStream>(session, id, tcp::socket(session.executor()), false);
  session.stream_insert(id, stream);
  auto c = std::make_shared<Connect>(session, stream, tcp::endpoint(flow.dst, flow.dst_port));
  boost::system::error_code ec;
  stream->socket().open(c->dst.protocol(), ec);
  if (ec) {
    // Reported from the loop, as a failed connect is: not while the OPEN
    // that inserted the stream is still being dispatched.
    asio::post(session.executor(), [c, ec] { connect_done(*c, ec); });
    return;
  }
  c->deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(session.options().connect_timeout)));
  c->deadline.async_wait([c](const boost::system::error_code& e) {
    if (!e && !c->stream->closed()) c->stream->socket().cancel();
  });
  stream->socket().async_connect(c->dst, [c](const boost::system::error_code& e) { connect_done(*c, e); });
}

}  // namespace tfunnel
