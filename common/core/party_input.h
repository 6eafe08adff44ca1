// What a party contributes to a run, decided when Start says what the run computes: the seed's
// query, a federated query (checked against the party's policy first) or the large-vector
// workload. The result is the input vector the party secret-shares: payload, then check vector.
#pragma once

#include <cstdint>
#include <vector>

#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

struct PartyData {
  const VisitTable* visits = nullptr;  // CSV or synthetic visits (answers "visits" and "query")
  // --vector-length: the whole input vector (payload and check vector), made before connecting
  // like any data the party loads, and moved out at Start. Answers "vector" only.
  std::vector<uint64_t>* vector_input = nullptr;
};

// kBadInput when this party's data cannot answer the workload (or a query needs a spend column
// it lacks, or a sum would not be exact); kPolicyRefused when its policy does not allow the query.
StatusOr<std::vector<uint64_t>> BuildPartyInput(const wire::Start& start, const PartyData& data,
                                                const Roster& roster, size_t party_index);

}  // namespace mpcstats::core
