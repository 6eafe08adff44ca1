#include "common/net/tls_links.h"

#include <spdlog/spdlog.h>

#include "common/net/concurrent.h"
#include "common/net/connector.h"

namespace mpcstats::net {

using core::Code;
using core::Status;
using Clock = std::chrono::steady_clock;

TlsLinkMaker::TlsLinkMaker(asio::any_io_executor executor, TlsLinkOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), self_index_(options_.roster->IndexOf(options_.self_id)) {}

TlsLinkMaker::~TlsLinkMaker() = default;

bool TlsLinkMaker::Dials(const std::string& peer) const {
  if (self_index_ < 0) return false;  // the coordinator accepts everyone
  if (peer == core::kCoordinatorId) return true;
  return options_.roster->IndexOf(peer) < self_index_;
}

Status TlsLinkMaker::Listen() {
  const auto& parties = options_.roster->parties;
  AcceptOptions accept;
  accept.self_id = options_.self_id;
  accept.listen_address = options_.listen_address;
  accept.handshake_timeout = options_.timeout;
  if (self_index_ < 0) {
    accept.port = options_.roster->coordinator.port;
  } else {
    accept.port = parties[static_cast<size_t>(self_index_)].endpoint.port;
    error_code ec;
    asio::ip::make_address(options_.listen_address, ec);
    if (ec) return Status(Code::kUsage, fmt::format("bad listen address '{}'", options_.listen_address));
    if (static_cast<size_t>(self_index_) + 1 == parties.size()) return Status::Ok();  // nobody dials the last party
    // No endpoint in the roster (protocol secagg): parties dial only the coordinator.
    if (accept.port == 0) return Status::Ok();
  }
  acceptor_ = std::make_unique<Acceptor>(executor_, options_.tls, accept);
  if (Status s = acceptor_->Listen(); !s.ok()) return s;
  if (self_index_ < 0) {
    spdlog::info("listening on {}:{} for {} parties", options_.listen_address, accept.port, parties.size());
  }
  return Status::Ok();
}

awaitable<LinkMaker::Result> TlsLinkMaker::Make(core::LinkRequest request, std::function<bool()> cancelled) {
  auto result = std::make_shared<Result>();
  const auto deadline = Clock::now() + options_.timeout;
  std::set<std::string> accept_ids;
  std::vector<awaitable<Status>> tasks;
  for (const auto& peer : request.peers) {
    if (!Dials(peer)) {
      accept_ids.insert(peer);
      continue;
    }
    const core::Endpoint endpoint =
        peer == core::kCoordinatorId ? options_.roster->coordinator
                                     : options_.roster->parties[static_cast<size_t>(options_.roster->IndexOf(peer))].endpoint;
    if (peer == core::kCoordinatorId) {
      spdlog::info("{}: connecting to the coordinator at {}:{}", options_.self_id, endpoint.host, endpoint.port);
    }
    tasks.push_back([](TlsLinkMaker* self, std::string peer, core::Endpoint endpoint, std::string run_id,
                       Clock::time_point deadline, std::function<bool()> cancelled,
                       std::shared_ptr<Result> result) -> awaitable<Status> {
      ConnectOptions options{.self_id = self->options_.self_id,
                             .peer_id = peer,
                             .endpoint = endpoint,
                             .run_id = run_id,
                             .deadline = deadline,
                             .handshake_timeout = self->options_.timeout,
                             .cancelled = cancelled};
      // Named, not a temporary inside co_await: g++ 12 mishandles aggregate temporaries there.
      auto channel = co_await ConnectToPeer(*self->options_.tls, std::move(options));
      if (!channel.ok()) co_return channel.status();
      if (peer != core::kCoordinatorId) spdlog::info("{}: connected to {}", self->options_.self_id, peer);
      result->links.push_back(*channel);
      co_return Status::Ok();
    }(this, peer, endpoint, request.run_id, deadline, cancelled, result));
  }
  if (!accept_ids.empty()) {
    if (!acceptor_) {
      result->status = Status(Code::kInternal, "links to accept but no listening port");
      co_return std::move(*result);
    }
    acceptor_->Expect(request.run_id, accept_ids);
    tasks.push_back([](Acceptor* acceptor, Clock::time_point deadline,
                       std::shared_ptr<Result> result) -> awaitable<Status> {
      auto accepted = co_await acceptor->AcceptAll(deadline);
      for (const auto& [id, channel] : acceptor->admitted()) result->links.push_back(channel);
      if (!accepted.ok()) co_return accepted.status();
      co_return Status::Ok();
    }(acceptor_.get(), deadline, result));
  }
  result->status = co_await RunConcurrently(std::move(tasks));
  co_return std::move(*result);
}

}  // namespace mpcstats::net
