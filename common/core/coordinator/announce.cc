// Round 1 of the coordinator: every party is connected; Start tells each what the run computes.
#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

StatusOr<CoordinatorState::Next> Announce::OnLinksReady(CoordinatorContext& ctx) {
  ctx.timer.EndPhase(kPhaseConnect);
  if (ctx.roster->num_parties() == 2) {
    ctx.Warn("only 2 parties: from the published totals each party can compute the other's exact inputs");
  }
  if (ctx.parameters.protocol == ProtocolKind::kSecAgg) return StartSecAgg(ctx);
  const wire::Start start = ctx.protocol.MakeStart();
  for (const auto& party : ctx.roster->parties) {
    wire::Envelope message;
    *message.mutable_start() = start;
    ctx.Send(party.id, std::move(message));
  }
  ctx.Info("run {} started: waiting for {} partial sums", ctx.run_id, ctx.roster->num_parties());
  ctx.timer.Restart();
  return Next(std::make_unique<Collect>());
}

}  // namespace mpcstats::core::coordinator
