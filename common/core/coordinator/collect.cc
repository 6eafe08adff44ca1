// Round 2 of the coordinator. Per party: its partial sum, chunk by chunk, then its Metrics (a
// PartialSum where Metrics is expected is a second partial sum). The last partial sum to complete
// reveals and checks the totals at once (the aggregation phase ends there), so a bad check
// vector fails the run without waiting for metrics. Done goes out only when every partial sum
// and every party's Metrics are in: a party that dies, or cheats, after its partial sum fails
// the run for everyone and nothing is published.
#include <fmt/format.h>

#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

StatusOr<CoordinatorState::Next> Collect::Handle(CoordinatorContext& ctx, const std::string& sender,
                                                 const wire::Envelope& message) {
  // Tracked here: the vector workload's reveal moves the totals out of the protocol.
  const bool sum_done = ctx.summed.count(sender) != 0;
  if (message.body_case() == wire::Envelope::kPartialSum) {
    if (sum_done) return Status(Code::kDuplicateMessage, fmt::format("{} sent a second partial sum", sender));
    if (Status s = ctx.protocol.OnPartialSum(sender, message.partial_sum()); !s.ok()) return s;
    ctx.summing_started = true;
    if (!ctx.protocol.PartyComplete(sender)) return Stay();
    ctx.summed.insert(sender);
    ctx.Info("partial sum received from {}", sender);
    if (!ctx.protocol.Complete()) return Stay();
    if (Status s = RevealResult(ctx.protocol, ctx.parameters, ctx.plan, *ctx.roster, &ctx.result); !s.ok()) return s;
    ctx.revealed = true;
    ctx.timer.EndPhase(kPhaseAggregation);
    ctx.Info("all partial sums received; totals revealed and self-check passed");
    return Stay();
  }
  if (message.body_case() != wire::Envelope::kMetrics || !sum_done || ctx.reported.count(sender) != 0) {
    return Refuse(sender, message);
  }
  ctx.result.metrics[sender] = message.metrics();
  ctx.reported.insert(sender);
  if (ctx.reported.size() < ctx.roster->num_parties()) return Stay();
  if (!ctx.revealed) return Status(Code::kInternal, "every party reported but the totals were not revealed");
  ctx.Info("metrics received from every party; announcing the result");
  for (const auto& party : ctx.roster->parties) {
    wire::Envelope done;
    done.mutable_done();
    ctx.Send(party.id, std::move(done));
  }
  ctx.outcome = Status::Ok();
  return Next(std::make_unique<Published>());
}

Status Collect::OnPeerLost(CoordinatorContext&, const std::string&, const Status& cause) { return cause; }

Status Collect::OnDeadline(CoordinatorContext& ctx) {
  std::vector<std::string> sums, metrics;
  for (const auto& party : ctx.roster->parties) {
    if (ctx.summed.count(party.id) == 0) {
      sums.push_back(party.id);
    } else if (ctx.reported.count(party.id) == 0) {
      metrics.push_back(party.id);
    }
  }
  std::string missing;
  if (!sums.empty()) missing = fmt::format("no partial sum from {}", fmt::join(sums, ", "));
  if (!metrics.empty()) {
    missing += fmt::format("{}no metrics from {}", missing.empty() ? "" : "; ", fmt::join(metrics, ", "));
  }
  return Status(Code::kTimeout, missing + " within the deadline");
}

}  // namespace mpcstats::core::coordinator
