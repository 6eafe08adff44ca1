// What a pump sees of a protocol engine (the party's or the coordinator's state machine): events
// go in, envelopes come out through the injected Outbox. The pump knows nothing about rounds,
// protocols or workloads; it moves messages, makes the links the engine asks for and keeps time.
//
// Events: a message arrived (Handle), a link was lost (OnPeerLost), the links asked for are up
// (OnLinksReady), no progress for one timeout (OnDeadline). A non-OK Status from any of them is
// the run's failure: the engine's state is unchanged and the pump calls Abort with it.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

// Whether the engine has more to send on its own (bulk vectors go out chunk by chunk, so memory
// stays at a few chunks whatever the vector length).
enum class Pending {
  kNothing,
  kWhenQueued,   // call EmitNext once no message waits in the outbox (one may be on the wire)
  kWhenDrained,  // call EmitNext once every queued message has been written (e.g. final metrics)
};

// Links the engine needs next. The pump decides who dials whom.
struct LinkRequest {
  std::string run_id;  // carried in the Hello of the new links (empty before Start)
  std::vector<std::string> peers;
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::string_view state_name() const = 0;

  // One message from the link whose authenticated identity is `sender`.
  [[nodiscard]] virtual Status Handle(const std::string& sender, const wire::Envelope& message) = 0;
  // The link to `peer` closed or failed (`cause` says how).
  [[nodiscard]] virtual Status OnPeerLost(const std::string& peer, const Status& cause) = 0;
  // Nothing happened for one timeout while the engine was waiting.
  [[nodiscard]] virtual Status OnDeadline() = 0;
  // How long the current wait may go without progress before OnDeadline, given the run's
  // timeout. One timeout, except where a peer's own deadline decides (a party waiting for the
  // coordinator's verdict waits a margin longer, so the verdict naming the culprit arrives before
  // its own timeout would name the coordinator) or nothing is sent to us for a while by design.
  virtual std::chrono::milliseconds Patience(std::chrono::milliseconds timeout) const = 0;

  // Links wanted now (taken once), and the call that says they are up.
  virtual std::optional<LinkRequest> TakeLinkRequest() = 0;
  [[nodiscard]] virtual Status OnLinksReady() = 0;
  // The deadline passed before every link asked for was up: those to `made` are, `cause`
  // (kPeerMissing) names the others. The state decides whether the run can go on without them.
  [[nodiscard]] virtual Status OnLinksIncomplete(const std::set<std::string>& made, const Status& cause) = 0;

  virtual Pending pending() const = 0;
  [[nodiscard]] virtual Status EmitNext() = 0;

  // Ends the run: tells every connected peer why (Abort) and enters the failed state.
  virtual void Abort(const Status& reason) = 0;
  // Success (OK) or failure (the reason) reached; nothing more will be sent except as below.
  virtual bool finished() const = 0;
  // After a failure: true once nothing more is worth waiting for (a party waits briefly for the
  // coordinator's verdict, which names the culprit).
  virtual bool settled() const = 0;
  virtual const Status& outcome() const = 0;
};

}  // namespace mpcstats::core
