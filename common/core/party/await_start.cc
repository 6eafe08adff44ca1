// Round 1 of the party: the coordinator's Start says what the run computes; the party checks it
// against its roster, builds its input (its policy may refuse the query) and asks for peer links.
#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> AwaitStart::OnLinksReady(PartyContext& ctx) {
  ctx.Info("{}: connected to the coordinator; waiting for the other parties", ctx.self_id);
  ctx.timer.EndPhase("wait_coordinator");
  return Stay();
}

StatusOr<PartyState::Next> AwaitStart::Handle(PartyContext& ctx, const std::string& sender,
                                              const wire::Envelope& message) {
  if (sender != kCoordinatorId || message.body_case() != wire::Envelope::kStart) return Refuse(sender, message);
  if (Status s = ctx.protocol.OnStart(message.start(), message.run_id()); !s.ok()) return s;
  ctx.run_id = message.run_id();
  ctx.Info("{}: run {} started with {} parties", ctx.self_id, ctx.run_id, ctx.roster->num_parties());
  ctx.timer.EndPhase("wait_start");
  if (ctx.protocol.protocol() == ProtocolKind::kSecAgg) return StartSecAgg(ctx);  // no peer links
  ctx.link_request = LinkRequest{.run_id = ctx.run_id, .peers = ctx.peers};
  if (ctx.protocol.protocol() == ProtocolKind::kSeeded) return Next(std::make_unique<SeededShareRound>());
  return Next(std::make_unique<FullShareRound>());
}

Status AwaitStart::OnDeadline(PartyContext&) {
  return Status(Code::kTimeout, "coordinator: no Start within the deadline");
}

}  // namespace mpcstats::core::party
