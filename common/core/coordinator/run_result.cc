#include "common/core/coordinator/run_result.h"

namespace mpcstats::core {

Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result) {
  if (Status s = protocol.VerifyTotals(); !s.ok()) return s;
  switch (parameters.workload) {
    case WorkloadKind::kVisits: {
      auto visits = protocol.VisitsResult();
      if (!visits.ok()) return visits.status();
      result->visits = std::move(visits).value();
      return Status::Ok();
    }
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
    case WorkloadKind::kVisits: {
      const size_t categories = roster.categories.size();
      if (payload.size() != categories + 1) return Status(Code::kInternal, "visits payload of the wrong length");
      SeedResult& visits = result->visits;
      visits.total_visits.assign(payload.begin(), payload.begin() + static_cast<ptrdiff_t>(categories));
      visits.total_users = payload[categories];
      visits.average_visits_per_user.assign(categories, 0.0);
      for (size_t c = 0; c < categories && visits.total_users != 0; ++c) {
        visits.average_visits_per_user[c] =
            static_cast<double>(visits.total_visits[c]) / static_cast<double>(visits.total_users);
      }
      return Status::Ok();
    }
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
