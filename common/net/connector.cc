#include "common/net/connector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/net/tls_context.h"

namespace mpcstats::net {

using core::Code;
using core::Status;
using Clock = std::chrono::steady_clock;

namespace {

// One TCP connect attempt, bounded by `deadline`.
awaitable<error_code> TryConnect(tcp::socket& socket, const core::Endpoint& endpoint, Clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  error_code ec;
  auto results = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                 asio::redirect_error(use_awaitable, ec));
  if (ec) co_return ec;
  asio::steady_timer timer(executor, deadline);
  auto finished = std::make_shared<bool>(false);  // a late handler must not close a connected socket
  timer.async_wait([&socket, finished](const error_code& timer_ec) {
    if (!timer_ec && !*finished) socket.close();
  });
  co_await asio::async_connect(socket, results, asio::redirect_error(use_awaitable, ec));
  *finished = true;
  timer.cancel();
  co_return ec;
}

}  // namespace

awaitable<core::StatusOr<std::shared_ptr<Channel>>> ConnectToPeer(ssl::context& tls, ConnectOptions options) {
  auto executor = co_await asio::this_coro::executor;
  auto backoff = std::chrono::milliseconds(50);
  error_code last_error;
  int attempts = 0;
  while (Clock::now() < options.deadline) {
    if (options.cancelled && options.cancelled()) {
      co_return Status(Code::kAborted, fmt::format("stopped connecting to {}: the run was aborted", options.peer_id));
    }
    ++attempts;
    tcp::socket socket(executor);
    last_error = co_await TryConnect(socket, options.endpoint, options.deadline);
    if (last_error) {
      spdlog::debug("connecting to {} at {}:{}: attempt {} failed ({}); retrying in {} ms", options.peer_id,
                    options.endpoint.host, options.endpoint.port, attempts, last_error.message(), backoff.count());
      asio::steady_timer wait(executor, std::min(Clock::now() + backoff, options.deadline));
      error_code ignored;
      co_await wait.async_wait(asio::redirect_error(use_awaitable, ignored));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto stream = std::make_unique<TlsStream>(CountingSocket(std::move(socket)), tls);
    // Every failure below is final: the process at that address answered and is not our peer.
    if (Status s = co_await TlsHandshake(*stream, ssl::stream_base::client, options.handshake_timeout); !s.ok()) {
      co_return s.WithContext(fmt::format("{} at {}:{}", options.peer_id, options.endpoint.host, options.endpoint.port));
    }
    const auto cn = PeerCommonName(stream->native_handle());
    if (!cn || *cn != options.peer_id) {
      co_return Status(Code::kIdentityMismatch,
                       fmt::format("{}:{} presented a certificate for '{}', expected '{}'", options.endpoint.host,
                                   options.endpoint.port, core::SanitizeForLog(cn.value_or("(none)"), 64),
                                   options.peer_id));
    }
    auto channel = std::make_shared<Channel>(std::move(stream), options.peer_id, options.max_frame_bytes);
    auto hello = core::MakeHello(options.run_id, options.self_id);
    if (Status s = co_await channel->Send(std::move(hello), options.handshake_timeout); !s.ok()) {
      co_return s;
    }
    // Under TLS 1.3 the server may refuse our certificate after our handshake "succeeded": only
    // this reply tells us whether we are in.
    auto reply = co_await channel->Receive(options.handshake_timeout);
    if (!reply.ok()) {
      if (reply.status().code() == Code::kPeerMissing) {
        co_return Status(Code::kCertUntrusted,
                         fmt::format("{} closed the connection after the TLS handshake (our certificate or "
                                     "identity was probably refused): {}",
                                     options.peer_id, reply.status().message()));
      }
      co_return reply.status();
    }
    if (Status s = core::CheckEnvelope(*reply, options.run_id, options.peer_id, {wire::Envelope::kHelloAck});
        !s.ok()) {
      co_return s;
    }
    spdlog::debug("connected to {} at {} after {} attempt(s)", options.peer_id, channel->remote_address(), attempts);
    co_return channel;
  }
  co_return Status(Code::kPeerMissing,
                   fmt::format("{} at {}:{} did not accept a connection before the deadline ({})", options.peer_id,
                               options.endpoint.host, options.endpoint.port,
                               last_error ? last_error.message() : "no attempt"));
}

}  // namespace mpcstats::net
