// The shape every round of every protocol has (as in fcp/secagg's client and server states):
// one object per round, asked to handle each event; it returns the next round, nullptr to stay,
// or a refusal. A refusal leaves the round as it was (rounds check before they change anything);
// the run then fails with that Status. A round that does not expect a message inherits the
// default refusal, so the (round, message type) table is closed by default.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/core/engine/engine.h"
#include "common/core/messages.h"
#include "common/core/status.h"

namespace mpcstats::core {

template <class Context>
class State {
 public:
  using Next = std::unique_ptr<State>;
  virtual ~State() = default;

  virtual std::string_view name() const = 0;
  virtual bool terminal() const { return false; }

  // A checked message (run id, sender, sequence already verified; not an Abort).
  virtual StatusOr<Next> Handle(Context&, const std::string& sender, const wire::Envelope& message) {
    return Refuse(sender, message);
  }
  // A message from `sender` that failed the checks every message gets before a round sees it
  // (sender = link identity, run id, sequence). By default the run fails with `refusal`; secagg's
  // coordinator drops the party instead, as it does for a bad round message.
  virtual StatusOr<Next> OnBadEnvelope(Context&, const std::string& /*sender*/, const Status& refusal) {
    return refusal;
  }
  // An Abort from `sender`, already turned into a kAborted Status; `reason` is the code the peer
  // gave (kInternal if unknown). By default the run fails.
  virtual Status OnAbortReceived(Context&, const std::string&, const Status& abort, Code /*reason*/) { return abort; }
  virtual Status OnPeerLost(Context&, const std::string&, const Status& cause) { return cause; }
  virtual Status OnDeadline(Context&) {
    return Status(Code::kTimeout, fmt::format("nothing arrived within the deadline while {}", name()));
  }
  // Where the round goes after a lost link, a peer's Abort or a deadline that did not fail the
  // run (secagg: a party that left has dropped, and the round may close there). Default: stays.
  virtual StatusOr<Next> AfterPeerLeft(Context&) { return Stay(); }
  virtual StatusOr<Next> AfterDeadline(Context&) { return Stay(); }
  virtual StatusOr<Next> OnLinksReady(Context&) {
    return Status(Code::kInternal, fmt::format("links reported ready while {}", name()));
  }
  // Some links did not come up by the deadline (`cause` names the peers). Default: the run fails.
  virtual StatusOr<Next> OnLinksIncomplete(Context&, const Status& cause) { return cause; }
  virtual Pending pending(const Context&) const { return Pending::kNothing; }
  virtual StatusOr<Next> EmitNext(Context&) {
    return Status(Code::kInternal, fmt::format("nothing to send while {}", name()));
  }
  // See Engine::Patience.
  virtual std::chrono::milliseconds Patience(const Context&, std::chrono::milliseconds timeout) const {
    return timeout;
  }
  // After a failure: whether anything is still worth waiting for.
  virtual bool settled(const Context&) const { return true; }

 protected:
  static Status Refuse(const std::string& sender, const wire::Envelope& message) {
    return Status(Code::kUnexpectedMessage,
                  fmt::format("{} sent {} which is not allowed now", sender, BodyName(message.body_case())));
  }
  static StatusOr<Next> Stay() { return Next(); }
};

}  // namespace mpcstats::core
