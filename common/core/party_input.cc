#include "common/core/party_input.h"

#include <fmt/format.h>

#include "common/core/dp_payload.h"
#include "common/core/local_aggregates.h"
#include "common/core/messages.h"
#include "common/core/policy.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/query_plan.h"
#include "common/core/workload.h"

namespace mpcstats::core {

uint64_t GuaranteedParties(const wire::Start& start) {
  // Secure aggregation publishes a sum over at least its threshold; the mesh protocols over all.
  return start.protocol() == wire::PROTOCOL_SECAGG ? start.secagg_threshold() : start.num_parties();
}

StatusOr<std::vector<uint64_t>> BuildPartyInput(const wire::Start& start, const std::string& run_id,
                                                const PartyData& data, const Roster& roster, size_t party_index) {
  auto workload = WorkloadFromWire(start.workload());
  if (!workload.ok()) return workload.status();
  const size_t num_parties = roster.num_parties();
  if (party_index >= num_parties) return Status(Code::kInternal, "party index outside the roster");
  const bool pushdown = static_cast<bool>(data.plan_payload);
  const bool has_visits = data.visits != nullptr || pushdown;
  if (has_visits == (data.vector_input != nullptr)) {
    return Status(Code::kInternal, "a party has either visits or a vector input");
  }
  if ((*workload == WorkloadKind::kVector) == has_visits) {
    return Status(Code::kBadInput,
                  fmt::format("the coordinator runs the {} workload but this party was started with {}",
                              WorkloadName(*workload), has_visits ? "visit data" : "--vector-length"));
  }

  switch (*workload) {
    case WorkloadKind::kVector:
      if (data.vector_input->empty()) return Status(Code::kInternal, "the vector input was already used");
      return std::move(*data.vector_input);
    case WorkloadKind::kQuery: {
      // The query arrives from the network: parsed with the same checks as the coordinator's file.
      auto query = ParseQuery(start.query());
      if (!query.ok()) return query.status();
      const PartyEntry& self = roster.parties[party_index];
      if (Status s = CheckQueryAllowed(*query, self.policy, self.id); !s.ok()) return s;
      auto plan = QueryPlan::Make(*query, roster.categories, roster.districts);
      if (!plan.ok()) return plan.status();
      StatusOr<std::vector<uint64_t>> input = Status(Code::kInternal, "no input");
      if (query->privacy) {
        // Bounded, noisy and paid for (the ledger charge commits inside MakeDpPayload) before it
        // is returned; never answered exactly.
        if (pushdown) {
          return Status(Code::kBadInput,
                        self.id + ": a private query bounds each user's contribution, which needs the visit rows: "
                                  "run this party with --pg-mode stream (or CSV data), not pushdown");
        }
        if (data.random == nullptr) return Status(Code::kInternal, "a private query without a random source");
        input = MakeDpPayload(*plan, *data.visits, roster, party_index,
                              {.run_id = run_id, .guaranteed_parties = GuaranteedParties(start)}, *data.random,
                              data.ledger);
        if (!input.ok()) return input.status();
      } else {
        input = pushdown ? data.plan_payload(*plan) : ComputeQueryPayload(*data.visits, *plan, num_parties);
      }
      if (!input.ok()) return input.status().WithContext(self.id);
      AppendCheckVector(&*input, party_index, num_parties);
      return input;
    }
  }
  return Status(Code::kInternal, "unknown workload");
}

LocalAggregates LocalAggregatesFromPayload(const QueryPlan& plan, std::span<const uint64_t> payload) {
  LocalAggregates out;
  for (size_t c = 0; c < plan.num_cells(); ++c) {
    out.visits_per_category.push_back(payload[c * plan.fields_per_cell() + QueryPlan::kVisitsField]);
  }
  out.users = payload[plan.users_index()];
  return out;
}

}  // namespace mpcstats::core
