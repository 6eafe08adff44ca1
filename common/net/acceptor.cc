#include "common/net/acceptor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "common/core/messages.h"
#include "common/net/gate.h"
#include "common/net/inherited_listener.h"
#include "common/net/tls_context.h"

namespace mpcstats::net {

using core::Code;
using core::Status;

struct Acceptor::State : std::enable_shared_from_this<Acceptor::State> {
  State(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls_context, AcceptOptions opts)
      : tls(std::move(tls_context)), options(std::move(opts)), acceptor(executor), all_admitted(executor) {}

  std::shared_ptr<ssl::context> tls;
  AcceptOptions options;
  tcp::acceptor acceptor;
  Gate all_admitted;
  ChannelMap admitted;
  bool closed = false;

  awaitable<void> AcceptLoop();
  awaitable<void> Admit(tcp::socket socket);
  awaitable<Status> CheckHello(Channel& channel, std::string_view cn);
};

namespace {

void LogRefusal(const std::string& remote, const Status& reason) {
  spdlog::warn("refused connection from {}: {}", remote, reason.ToString());
}

// asio::detached would drop an exception thrown while accepting or admitting; it is logged with
// its message instead (the peer concerned is then missing, and named so, at the deadline).
auto LogException(std::string what) {
  return [what = std::move(what)](std::exception_ptr error) {
    if (error) spdlog::error("{}", core::ExceptionStatus(error).WithContext(what).ToString());
  };
}

}  // namespace

awaitable<void> Acceptor::State::AcceptLoop() {
  auto self = shared_from_this();
  while (!closed) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (closed || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    // Each newcomer is admitted on its own, so a silent one cannot hold up the others.
    asio::co_spawn(acceptor.get_executor(), self->Admit(std::move(socket)), LogException("admitting a connection"));
  }
}

awaitable<Status> Acceptor::State::CheckHello(Channel& channel, std::string_view cn) {
  auto hello = co_await channel.Receive(options.handshake_timeout);
  if (!hello.ok()) co_return hello.status();
  if (hello->sender() != cn) {
    co_return Status(Code::kIdentityMismatch,
                     fmt::format("certificate is for '{}' but Hello claims '{}'", cn,
                                 core::SanitizeForLog(hello->sender(), 64)));
  }
  if (Status s = core::CheckEnvelope(*hello, options.run_id, cn, {wire::Envelope::kHello}); !s.ok()) {
    co_return s;
  }
  if (hello->hello().protocol_version() != core::kProtocolVersion) {
    co_return Status(Code::kUnexpectedMessage, fmt::format("{} speaks protocol version {}, this is version {}", cn,
                                                           hello->hello().protocol_version(), core::kProtocolVersion));
  }
  if (admitted.count(std::string(cn)) != 0) {
    co_return Status(Code::kDuplicateMessage, fmt::format("{} is already connected", cn));
  }
  co_return Status::Ok();
}

awaitable<void> Acceptor::State::Admit(tcp::socket socket) {
  auto self = shared_from_this();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string remote_text = ec ? "unknown" : fmt::format("{}:{}", remote.address().to_string(), remote.port());
  socket.set_option(tcp::no_delay(true), ec);
  auto stream = std::make_unique<TlsStream>(CountingSocket(std::move(socket)), *tls);
  if (Status s = co_await TlsHandshake(*stream, ssl::stream_base::server, options.handshake_timeout); !s.ok()) {
    LogRefusal(remote_text, s);
    co_return;
  }
  const auto cn = PeerCommonName(stream->native_handle());
  if (!cn || options.expected_ids.count(*cn) == 0) {
    LogRefusal(remote_text, Status(Code::kIdentityMismatch,
                                   fmt::format("certificate CN '{}' is not an expected peer of {}",
                                               core::SanitizeForLog(cn.value_or("(none)"), 64), options.self_id)));
    co_return;
  }
  auto channel = std::make_shared<Channel>(std::move(stream), *cn, options.max_frame_bytes);
  Status verdict = co_await CheckHello(*channel, *cn);
  if (verdict.ok() && closed) verdict = Status(Code::kTimeout, "no longer accepting connections");
  if (!verdict.ok()) {
    LogRefusal(remote_text, verdict);
    // Tell the client why, unless the link itself is the problem.
    if (verdict.code() != Code::kPeerMissing && verdict.code() != Code::kTimeout) {
      auto abort = core::MakeAbort(options.run_id, options.self_id, verdict);
      co_await channel->Send(std::move(abort), options.handshake_timeout);
    }
    channel->Close();
    co_return;
  }
  // Claim the id before the next co_await, so a second connection with the same identity that
  // interleaves here is refused as a duplicate instead of replacing this one.
  admitted[*cn] = channel;
  auto ack = core::MakeEnvelope(options.run_id, options.self_id);
  ack.mutable_hello_ack();
  if (Status s = co_await channel->Send(std::move(ack), options.handshake_timeout); !s.ok()) {
    LogRefusal(remote_text, s);
    if (admitted[*cn] == channel) admitted.erase(*cn);
    co_return;
  }
  spdlog::info("{} connected from {}", *cn, remote_text);
  if (admitted.size() == options.expected_ids.size()) all_admitted.Open();
}

Acceptor::Acceptor(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls, AcceptOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(tls), std::move(options))) {}

Acceptor::~Acceptor() { Close(); }

Status Acceptor::Listen() {
  error_code ec;
  const auto address = asio::ip::make_address(state_->options.listen_address, ec);
  if (ec) return Status(Code::kUsage, fmt::format("bad listen address '{}'", state_->options.listen_address));
  const tcp::endpoint endpoint(address, state_->options.port);
  auto& acceptor = state_->acceptor;
  if (const int inherited = TakeInheritedListener(state_->options.port); inherited >= 0) {
    // Bound by whoever started us (socket activation); listen() is ours to call.
    sockaddr_storage bound{};
    socklen_t size = sizeof(bound);
    ::getsockname(inherited, reinterpret_cast<sockaddr*>(&bound), &size);
    acceptor.assign(bound.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), inherited, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(Code::kIo, fmt::format("cannot listen on the inherited socket for port {}: {}",
                                           state_->options.port, ec.message()));
    }
    const tcp::endpoint local = acceptor.local_endpoint(ec);
    spdlog::info("listening on {}:{} (inherited socket)", local.address().to_string(), local.port());
    return Status::Ok();
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(Code::kIo, fmt::format("cannot listen on {}:{}: {}", state_->options.listen_address,
                                         state_->options.port, ec.message()));
  }
  return Status::Ok();
}

void Acceptor::Expect(std::string run_id, std::set<std::string> ids) {
  state_->options.run_id = std::move(run_id);
  state_->options.expected_ids = std::move(ids);
}

awaitable<core::StatusOr<ChannelMap>> Acceptor::AcceptAll(std::chrono::steady_clock::time_point deadline) {
  auto state = state_;
  if (state->options.expected_ids.empty()) co_return ChannelMap{};
  asio::co_spawn(state->acceptor.get_executor(), state->AcceptLoop(), LogException("accepting connections"));
  co_await state->all_admitted.Wait(deadline);
  Close();
  const bool complete = state->admitted.size() == state->options.expected_ids.size();
  // A peer that connected and then went away is as missing as one that never came.
  std::vector<std::string> gone;
  for (auto it = state->admitted.begin(); it != state->admitted.end();) {
    if (it->second->PeerHungUp()) {
      gone.push_back(it->first);
      it = state->admitted.erase(it);
    } else {
      ++it;
    }
  }
  if (!complete || !gone.empty()) {
    // Ids compared as whole values: "party1" must not hide inside "party10".
    std::vector<std::string> missing;
    for (const auto& id : state->options.expected_ids) {
      if (state->admitted.count(id) == 0 && std::find(gone.begin(), gone.end(), id) == gone.end()) {
        missing.push_back(id);
      }
    }
    std::string reason;
    if (!gone.empty()) reason = fmt::format("{} disconnected after connecting", fmt::join(gone, ", "));
    if (!missing.empty()) {
      reason += fmt::format("{}{} did not connect before the deadline", reason.empty() ? "" : "; ",
                            fmt::join(missing, ", "));
    }
    co_return Status(Code::kPeerMissing, reason);
  }
  co_return state->admitted;
}

const ChannelMap& Acceptor::admitted() const { return state_->admitted; }

void Acceptor::Close() {
  state_->closed = true;
  state_->all_admitted.Open();  // ends a pending AcceptAll now
  error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace mpcstats::net
