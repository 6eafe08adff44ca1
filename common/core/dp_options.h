// The coordinator's --dp-rho: differential privacy for a run given on the command line instead of
// in the query file. It attaches {"privacy": {rho, delta}, "bounds": {...}} to the run's query
// (the --query file's, or the default run's) and checks the result exactly as a query file's
// privacy block is checked (query.h), so a bad value is the same user error naming the field.
#pragma once

#include <cstdint>

#include "common/core/query.h"
#include "common/core/status.h"

namespace mpcstats::core {

struct DpOptions {
  double rho = 0;
  double delta = 1e-6;
  // The defaults bound one user to 20 visits in each of at most 8 cells (the default roster's 8
  // categories: the default query drops none of a user's cells), and 500 of spend per visit (only
  // sent when the query has a spend metric). Measured on the synthetic data (BENCHMARKS.md): 4
  // cells per user biased the default query's visit totals down by about 10 %, 8 none.
  uint64_t max_visits_per_user_per_cell = 20;
  uint64_t max_cells_per_user = 8;
  double max_spend_per_visit = 500;
};

// kUsage when the query already has a privacy block (give one or the other); kBadInput naming the
// field when a value is out of range.
StatusOr<Query> AttachPrivacy(const Query& query, const DpOptions& options);

}  // namespace mpcstats::core
