// A party's local side of a query: the aggregates of its own visits, laid out as the QueryPlan
// says. This vector is what gets secret-shared; nothing else about the data leaves the party.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/core/query_plan.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// Cell of every row of the table under the plan (kFilteredOut for rows outside the date filter).
inline constexpr uint32_t kFilteredOut = 0xFFFFFFFFu;
std::vector<uint32_t> CellOfEachRow(const VisitTable& table, const QueryPlan& plan);

// The payload (plan.payload_length() values) of one party; the vector has room for `num_parties`
// more values so the check vector can be appended without a copy.
// kBadInput when a spend metric is asked of data without a spend column, or when a value is too
// large for the sum over `num_parties` parties to be exact in 64 bits (the sum would wrap).
StatusOr<std::vector<uint64_t>> ComputeQueryPayload(const VisitTable& table, const QueryPlan& plan,
                                                    size_t num_parties);

}  // namespace mpcstats::core
