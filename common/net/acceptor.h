// The server side of links: accepts connections from an expected set of peers, admits each one
// that proves its identity (TLS client certificate CN == Hello sender == an expected id not yet
// connected, right run id and version), and refuses everyone else with a log line and a closed
// connection, while it keeps listening for the real peer.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/core/status.h"
#include "common/net/channel.h"

namespace mpcstats::net {

struct AcceptOptions {
  std::string self_id;
  std::string run_id;  // empty on the coordinator (parties learn the run id from Start)
  std::set<std::string> expected_ids;
  std::string listen_address = "0.0.0.0";
  uint16_t port = 0;
  Duration handshake_timeout = std::chrono::seconds(10);
  uint32_t max_frame_bytes = core::kDefaultMaxFrameBytes;
};

using ChannelMap = std::map<std::string, std::shared_ptr<Channel>>;

class Acceptor {
 public:
  Acceptor(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls, AcceptOptions options);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Binds and listens. kUsage for an address that does not parse; kIo with the address if the
  // port cannot be bound.
  core::Status Listen();
  // Who may connect and with which run id, when that is known only after Listen.
  void Expect(std::string run_id, std::set<std::string> ids);
  // Admits peers until every expected id has a channel (returned), or the deadline passes
  // (kPeerMissing naming the missing ids; channels admitted so far stay in `admitted`).
  // Stops listening before returning.
  awaitable<core::StatusOr<ChannelMap>> AcceptAll(std::chrono::steady_clock::time_point deadline);
  // Channels admitted so far (for sending an Abort after a failed AcceptAll).
  const ChannelMap& admitted() const;
  void Close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace mpcstats::net
