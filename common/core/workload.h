// What the parties add up. "query": a federated statistics query (common/core/query.h) over the
// parties' visits; the default run is one (average_visits_query.h).
// "vector": M values per party derived from its seed, a stand-in for fine-grained statistics
// (category x district x hour cells, model updates) used to measure large vectors.
// Either way the vector that is shared is payload followed by the N-entry self-check vector.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"

namespace mpcstats::core {

enum class WorkloadKind { kQuery, kVector };

std::string_view WorkloadName(WorkloadKind kind);
StatusOr<WorkloadKind> ParseWorkloadName(std::string_view name);

// Party i's vector-workload payload: `length` values in [0, 2^32), deterministic for (seed, i).
// `extra_capacity` reserves room for the check vector, so appending it does not copy the payload.
std::vector<uint64_t> MakeVectorPayload(uint64_t length, uint64_t seed, size_t party_index,
                                        size_t extra_capacity = 0);
// Appends the self-check vector e_i of length num_parties.
void AppendCheckVector(std::vector<uint64_t>* input, size_t party_index, size_t num_parties);

}  // namespace mpcstats::core
