#include "common/core/coordinator/run_result.h"

namespace mpcstats::core {

Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result) {
  if (Status s = protocol.VerifyTotals(); !s.ok()) return s;
  switch (parameters.workload) {
    case WorkloadKind::kQuery: {
      if (!plan) return Status(Code::kInternal, "a query run without its plan");
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
