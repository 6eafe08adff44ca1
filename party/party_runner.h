// Runs one party's side of a run over the network: core::PartyEngine driven by a net::Pump over
// TLS links.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/core/engine/fault_outbox.h"
#include "common/core/party/party_engine.h"
#include "common/core/party_protocol.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/net/asio.h"

namespace mpcstats::party {

struct PartyRunConfig {
  core::Roster roster;
  std::string self_id;
  std::shared_ptr<net::ssl::context> tls;
  core::InputSource input;  // builds the input vector once Start says what the run computes
  std::chrono::milliseconds timeout{30000};  // every wait; connection retries until this passes
  std::string listen_address = "0.0.0.0";
  core::Fault fault = core::Fault::kNone;  // test hook (see common/core/engine/fault_outbox.h)
  std::function<void()> crash;             // what Fault::kExitAfterPartialSum does
  std::function<void()> stalled;           // told when Fault::kStallBeforePartialSum begins
  // secagg: our certificate and key (to sign our keys) and the CA check of the others'.
  std::optional<core::SecAggIdentity> identity;
  std::string out_dir = ".";  // secagg: result.json (and result.csv for a query) go here
};

class PartyRunner {
 public:
  explicit PartyRunner(PartyRunConfig config);
  ~PartyRunner();

  // Binds the listening port (before anything is sent): a bad address or a port in use is a
  // user error.
  core::Status Prepare();
  // Blocks until the run ends. OK after the coordinator confirmed the result (secagg: once the
  // published result it sent us is written to out_dir); otherwise the reason, after telling the
  // coordinator and the peers (Abort).
  core::Status Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpcstats::party
