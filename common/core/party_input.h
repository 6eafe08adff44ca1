// What a party contributes to a run, decided when Start says what the run computes: a query
// (the default run is one; checked against the party's policy first) or the large-vector
// workload. The result is the input vector the party secret-shares: payload, then check vector.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/core/local_aggregates.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

struct PartyData {
  const VisitTable* visits = nullptr;  // CSV or synthetic visits (answers "query")
  // --vector-length: the whole input vector (payload and check vector), made before connecting
  // like any data the party loads, and moved out at Start. Answers "vector" only.
  std::vector<uint64_t>* vector_input = nullptr;
  // A database that aggregates where the data lives (--pg pushdown), instead of `visits`: the
  // payload of any plan (room for the check vector). Answers "query".
  std::function<StatusOr<std::vector<uint64_t>>(const QueryPlan&)> plan_payload;
};

// A party's own answer to the default run (for local_<id>.json, never sent), read off the payload
// of the default run's plan (average_visits_query.h): how a source that only answers plans
// (--pg pushdown) computes it.
LocalAggregates LocalAggregatesFromPayload(const QueryPlan& average_visits_plan, std::span<const uint64_t> payload);

// kBadInput when this party's data cannot answer the workload (or a query needs a spend column
// it lacks, or a sum would not be exact); kPolicyRefused when its policy does not allow the query.
StatusOr<std::vector<uint64_t>> BuildPartyInput(const wire::Start& start, const PartyData& data,
                                                const Roster& roster, size_t party_index);

}  // namespace mpcstats::core
