// Round 1 of the coordinator: every party is connected (secagg: at least T of them by the
// deadline); Start tells each what the run computes.
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

StatusOr<CoordinatorState::Next> Announce::OnLinksIncomplete(CoordinatorContext& ctx, const Status& cause) {
  const size_t connected = ctx.linked.size();
  if (ctx.parameters.protocol != ProtocolKind::kSecAgg || connected < ctx.parameters.threshold) return cause;
  ctx.Warn("{}; the run goes on without them ({} of {} parties connected, threshold {})", cause.ToString(), connected,
           ctx.roster->num_parties(), ctx.parameters.threshold);
  return StartSecAgg(ctx);  // which ends the connect phase
}

}  // namespace mpcstats::core::coordinator
