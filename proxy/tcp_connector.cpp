#include "proxy/tcp_connector.hpp"

#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

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

asio::awaitable<void> tcp_connect(Session& session, std::shared_ptr<TcpStream> stream, tcp::endpoint dst) {
  const std::uint32_t id = stream->id();
  auto& socket = stream->socket();
  boost::system::error_code ec;
  socket.open(dst.protocol(), ec);
  if (!ec) {
    asio::steady_timer deadline(session.executor());
    deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(session.options().connect_timeout)));
    deadline.async_wait([stream](const boost::system::error_code& e) {
      if (!e && !stream->closed()) stream->socket().cancel();
    });
    std::tie(ec) = co_await socket.async_connect(dst, asio::as_tuple(asio::use_awaitable));
    deadline.cancel();
  }
  if (stream->closed()) co_return;  // reset by the client or session end meanwhile
  if (ec) {
    const ResetReason reason = connect_failure_reason(ec);
    LOG_I(session.log(), "stream %u: connect %s: %s", id, endpoint_text(dst.address(), dst.port()).c_str(),
          ec.message().c_str());
    stream->fail(reason);
    co_return;
  }
  LOG_D(session.log(), "stream %u: connected", id);
  session.send_control(protocol::FrameType::opened, id);
  stream->start();
}

}  // namespace

void tcp_connector_open(Session& session, std::uint32_t id, const protocol::FlowAddresses& flow) {
  LOG_I(session.log(), "stream %u: open %s", id, flow_text(flow).c_str());
  auto stream = std::make_shared<TcpStream>(session, id, tcp::socket(session.executor()), false);
  session.stream_insert(id, stream);
  asio::co_spawn(session.executor(), tcp_connect(session, stream, tcp::endpoint(flow.dst, flow.dst_port)),
                 asio::detached);
}

}  // namespace tfunnel
