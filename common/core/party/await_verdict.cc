// Round 4 of the party: Done comes only after every party's partial sum and metrics are in and
// the totals verify, so a party that dies or cheats after its partial sum fails the run for
// everyone (Abort) instead of slipping by. Also the two end states.
#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> AwaitVerdict::Handle(PartyContext& ctx, const std::string& sender,
                                                const wire::Envelope& message) {
  if (sender != kCoordinatorId || message.body_case() != wire::Envelope::kDone) return Refuse(sender, message);
  ctx.Info("{}: run {} complete", ctx.self_id, ctx.run_id);
  ctx.outcome = Status::Ok();
  return Next(std::make_unique<Completed>());
}

Status AwaitVerdict::OnPeerLost(PartyContext&, const std::string& peer, const Status& cause) {
  return peer == kCoordinatorId ? cause : Status::Ok();
}

Status AwaitVerdict::OnDeadline(PartyContext&) {
  return Status(Code::kTimeout, "coordinator: no verdict within the deadline");
}

Status Completed::OnAbortReceived(PartyContext&, const std::string&, const Status&, Code) { return Status::Ok(); }

Status Failed::OnAbortReceived(PartyContext& ctx, const std::string& sender, const Status& abort, Code) {
  if (sender == kCoordinatorId && !ctx.verdict) {
    ctx.verdict = abort;
    ctx.outcome = abort;  // the coordinator's first failure names the culprit
  }
  return Status::Ok();
}

bool Failed::settled(const PartyContext& ctx) const {
  return ctx.verdict.has_value() || ctx.linked.count(std::string(kCoordinatorId)) == 0;
}

}  // namespace mpcstats::core::party
