// Round 3 of the party: the sum of every share it holds goes to the coordinator, chunk by chunk
// (the next chunk is computed, seeded: PRG expansion, while the previous one is on the wire);
// once it is all written, this party's Metrics follow.
#include <chrono>

#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

Status SendPartialSum::OnPeerLost(PartyContext&, const std::string& peer, const Status& cause) {
  return peer == kCoordinatorId ? cause : Status::Ok();  // peers have given us everything
}

Pending SendPartialSum::pending(const PartyContext& ctx) const {
  return ctx.next_chunk < ctx.protocol.num_chunks() ? Pending::kWhenQueued : Pending::kWhenDrained;
}

StatusOr<PartyState::Next> SendPartialSum::EmitNext(PartyContext& ctx) {
  if (ctx.next_chunk < ctx.protocol.num_chunks()) {
    const auto started = ctx.clock->Now();
    auto chunk = ctx.protocol.MakePartialSumChunk(ctx.next_chunk);
    ctx.summing_seconds += std::chrono::duration<double>(ctx.clock->Now() - started).count();
    if (!chunk.ok()) return chunk.status();
    ++ctx.next_chunk;
    wire::Envelope message;
    *message.mutable_partial_sum() = std::move(chunk).value();
    ctx.Send(std::string(kCoordinatorId), std::move(message));
    return Stay();
  }
  // Every chunk is written: what we measured up to now goes with our report.
  ctx.timer.Record(kPhaseSumming, ctx.summing_seconds);
  ctx.Info("{}: partial sum sent to the coordinator", ctx.self_id);
  ctx.timer.EndPhase(kPhaseAggregation);
  wire::Envelope message;
  wire::Metrics& metrics = *message.mutable_metrics();
  if (ctx.measure) metrics = ctx.measure();
  for (const auto& [phase, seconds] : ctx.timer.Seconds()) (*metrics.mutable_phase_seconds())[phase] = seconds;
  ctx.Send(std::string(kCoordinatorId), std::move(message));
  return Next(std::make_unique<AwaitVerdict>());
}

}  // namespace mpcstats::core::party
