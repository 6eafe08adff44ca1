// The links of a real run: mutually authenticated TLS over TCP. Who dials whom is fixed by the
// roster, so there is one link per pair and no race: parties dial the coordinator; a party dials
// the parties before it in the roster and accepts the ones after it (mesh protocols only: under
// secagg a party asks for no peer links, and without a roster endpoint it listens on nothing).
#pragma once

#include <memory>
#include <string>

#include "common/core/roster.h"
#include "common/net/acceptor.h"
#include "common/net/pump.h"

namespace mpcstats::net {

struct TlsLinkOptions {
  std::string self_id;
  const core::Roster* roster = nullptr;
  std::shared_ptr<ssl::context> tls;
  Duration timeout = std::chrono::seconds(30);
  std::string listen_address = "0.0.0.0";
};

class TlsLinkMaker final : public LinkMaker {
 public:
  TlsLinkMaker(asio::any_io_executor executor, TlsLinkOptions options);
  ~TlsLinkMaker() override;

  // Binds this process's listening port now, before anything is sent, if anyone will dial it
  // (the coordinator; a party that is not last in the roster and has an endpoint). kUsage: the address does not
  // parse; kIo: the port cannot be bound.
  core::Status Listen();

  awaitable<Result> Make(core::LinkRequest request, std::function<bool()> cancelled) override;

 private:
  bool Dials(const std::string& peer) const;

  asio::any_io_executor executor_;
  TlsLinkOptions options_;
  int self_index_ = -1;  // -1: the coordinator
  std::unique_ptr<Acceptor> acceptor_;
};

}  // namespace mpcstats::net
