#include "common/core/coordinator/coordinator_engine.h"

#include <fmt/format.h>

#include <array>

#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core {

std::string NewRunId(RandomSource& rng) {
  std::array<uint8_t, 16> bytes{};
  rng.FillBytes(bytes);
  std::string hex;
  for (uint8_t b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

namespace {
RunParameters WithDefaults(RunParameters parameters, const Roster& roster) {
  if (parameters.protocol == ProtocolKind::kSecAgg && parameters.threshold == 0) {
    parameters.threshold = static_cast<uint32_t>(DefaultThreshold(roster.num_parties()));
  }
  return parameters;
}
}  // namespace

CoordinatorContext::CoordinatorContext(const Roster& roster_in, RunParameters parameters_in,
                                       std::shared_ptr<const QueryPlan> plan_in, const Clock& clock)
    : roster(&roster_in),
      parameters(WithDefaults(std::move(parameters_in), roster_in)),
      plan(std::move(plan_in)),
      protocol(roster_in, parameters),
      timer(clock) {
  self_id = std::string(kCoordinatorId);
}

CoordinatorEngine::CoordinatorEngine(const Roster& roster, RunParameters parameters,
                                     std::shared_ptr<const QueryPlan> plan, Outbox& outbox, RandomSource& rng,
                                     const Clock& clock)
    : EngineBase(CoordinatorContext(roster, std::move(parameters), std::move(plan), clock),
                 std::make_unique<coordinator::Announce>()) {
  CoordinatorContext& ctx = context();
  ctx.outbox = &outbox;
  ctx.run_id = NewRunId(rng);
  ctx.result.run_id = ctx.run_id;
  ctx.result.workload = ctx.parameters.workload;
  ctx.result.protocol = ctx.parameters.protocol;
  if (ctx.parameters.protocol == ProtocolKind::kSecAgg) ctx.result.threshold = ctx.parameters.threshold;
  LinkRequest request;
  for (const auto& party : roster.parties) request.peers.push_back(party.id);
  ctx.link_request = std::move(request);
}

std::unique_ptr<CoordinatorEngine::StateT> CoordinatorEngine::MakeFailedState() {
  return std::make_unique<coordinator::Failed>();
}

}  // namespace mpcstats::core
