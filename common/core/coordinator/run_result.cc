#include "common/core/coordinator/run_result.h"

#include <fmt/format.h>

#include "common/core/dp_payload.h"

namespace mpcstats::core {
namespace {

// A private query's noisy sum over `included` parties, each of which added its share of the noise.
Status RevealNoisyQuery(std::span<const uint64_t> payload, uint64_t included, const RunParameters& parameters,
                        const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result) {
  const uint64_t guaranteed = parameters.guaranteed_parties != 0 ? parameters.guaranteed_parties : roster.num_parties();
  // The same calibration every party derived from Start (deterministic in plan, roster, guaranteed).
  auto calibration = CalibrateRun(*plan, roster, guaranteed);
  if (!calibration.ok()) return calibration.status();
  // Fewer included parties than the calibration assumed means fewer noises than it assumed.
  if (included < calibration->guaranteed_parties) {
    return Status(Code::kNotEnoughParties,
                  fmt::format("the sum includes {} parties but the noise was calibrated for at least {}: not published",
                              included, calibration->guaranteed_parties));
  }
  auto noisy = DecodeNoisyQueryResult(payload, *plan, roster.MinGroupSize());
  if (!noisy.ok()) return noisy.status();
  result->query_plan = plan;
  result->privacy = std::move(calibration).value();
  result->noisy_query = std::move(noisy).value();
  return Status::Ok();
}

}  // namespace

Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result) {
  if (Status s = protocol.VerifyTotals(); !s.ok()) return s;
  switch (parameters.workload) {
    case WorkloadKind::kQuery: {
      if (!plan) return Status(Code::kInternal, "a query run without its plan");
      // Full and seeded sums include every party (the check vector proved it).
      if (plan->query().privacy) {
        return RevealNoisyQuery(protocol.Payload(), roster.num_parties(), parameters, plan, roster, result);
      }
      auto query = DecodeQueryResult(protocol.Payload(), *plan, roster.MinGroupSize());
      if (!query.ok()) return query.status();
      result->query_plan = plan;
      result->query = std::move(query).value();
      return Status::Ok();
    }
    case WorkloadKind::kVector:
      result->vector_sums = protocol.TakePayload();  // large: moved, not copied
      return Status::Ok();
  }
  return Status(Code::kInternal, "unknown workload");
}

Status RevealSecAggResult(std::vector<uint64_t> sum, const RunParameters& parameters,
                          const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result) {
  if (sum.size() < parameters.payload_length) return Status(Code::kInternal, "secagg sum shorter than its payload");
  const std::span<const uint64_t> payload(sum.data(), parameters.payload_length);
  switch (parameters.workload) {
    case WorkloadKind::kQuery: {
      if (!plan) return Status(Code::kInternal, "a query run without its plan");
      if (plan->query().privacy) {
        return RevealNoisyQuery(payload, result->included_parties.size(), parameters, plan, roster, result);
      }
      auto query = DecodeQueryResult(payload, *plan, roster.MinGroupSize());
      if (!query.ok()) return query.status();
      result->query_plan = plan;
      result->query = std::move(query).value();
      return Status::Ok();
    }
    case WorkloadKind::kVector:
      sum.resize(parameters.payload_length);
      result->vector_sums = std::move(sum);
      return Status::Ok();
  }
  return Status(Code::kInternal, "unknown workload");
}

}  // namespace mpcstats::core
