// Runs one party's side of a run over the network: wires core::PartyProtocol to TLS links.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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
  // Test hook: makes this party misbehave so the fault tests can watch the others refuse it.
  // "short-share": every peer gets a share one value short (seeded: a 15-byte seed);
  // "second-partial-sum": the first partial-sum chunk is sent again after the last;
  // "exit-after-partial-sum": the process ends (std::_Exit(3): no Abort, no Metrics, no cleanup)
  // right after its last partial-sum chunk was sent, like a crash at that point;
  // "stall-before-partial-sum": after the share phase it sends nothing more (it only waits for
  // the verdict), like a party whose link dies at that point.
  std::string inject_fault;
};

// Blocks until the run ends. OK after the coordinator confirmed the result; otherwise the reason,
// after telling the coordinator and the peers (Abort).
core::Status RunParty(PartyRunConfig config);

}  // namespace mpcstats::party
