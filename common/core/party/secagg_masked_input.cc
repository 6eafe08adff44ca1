// Secagg round 3 of the party (MaskedInput): the shares addressed to us open (their senders are
// the parties whose pairwise masks we apply); then y = x + PRG(b) +- PRG(s_ij) goes out chunk by
// chunk (the next chunk is masked while the previous one is on the wire), and once it is all
// written, our Metrics follow.
#include <chrono>

#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> SecAggMaskedInput::Handle(PartyContext& ctx, const std::string& sender,
                                                     const wire::Envelope& message) {
  if (sender != kCoordinatorId) return Refuse(sender, message);
  // The coordinator may close MaskedInput before our last write is reported.
  if (message.body_case() == wire::Envelope::kUnmaskingRequest && ctx.secagg->masked_input_done()) {
    return SecAggUnmasking::Answer(ctx, sender, message);
  }
  if (requested_ || message.body_case() != wire::Envelope::kMaskedInputRequest) return Refuse(sender, message);
  if (Status s = ctx.secagg->OnMaskedInputRequest(message.masked_input_request()); !s.ok()) return s;
  requested_ = true;
  ctx.timer.EndPhase(kPhaseShares);
  ctx.Info("{}: shares of {} peers opened; sending the masked input", ctx.self_id,
           message.masked_input_request().shares_size());
  return Stay();
}

Pending SecAggMaskedInput::pending(const PartyContext& ctx) const {
  if (!requested_) return Pending::kNothing;
  return ctx.secagg->masked_input_done() ? Pending::kWhenDrained : Pending::kWhenQueued;
}

StatusOr<PartyState::Next> SecAggMaskedInput::EmitNext(PartyContext& ctx) {
  if (!ctx.secagg->masked_input_done()) {
    const auto started = ctx.clock->Now();
    auto chunk = ctx.secagg->MakeMaskedInputChunk(ctx.protocol.input());
    ctx.summing_seconds += std::chrono::duration<double>(ctx.clock->Now() - started).count();
    if (!chunk.ok()) return chunk.status();
    wire::Envelope message;
    *message.mutable_masked_input() = std::move(chunk).value();
    ctx.Send(std::string(kCoordinatorId), std::move(message));
    return Stay();
  }
  // Every chunk is written: what we measured up to now goes with our report.
  ctx.timer.Record(kPhaseSumming, ctx.summing_seconds);
  ctx.timer.EndPhase(kPhaseAggregation);
  ctx.Info("{}: masked input sent to the coordinator", ctx.self_id);
  wire::Envelope message;
  wire::Metrics& metrics = *message.mutable_metrics();
  if (ctx.measure) metrics = ctx.measure();
  for (const auto& [phase, seconds] : ctx.timer.Seconds()) (*metrics.mutable_phase_seconds())[phase] = seconds;
  ctx.Send(std::string(kCoordinatorId), std::move(message));
  return Next(std::make_unique<SecAggUnmasking>());
}

}  // namespace mpcstats::core::party
