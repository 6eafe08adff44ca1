// Decoding of a private query's revealed totals (the coordinator's side of issue 11). Totals are
// read as signed, centered 64-bit values (noise may be negative); metrics come from the noisy sums
// (ratios null when the denominator is <= 0, variance clamped at 0); each published value gets
// its noise standard deviation and a 95 % interval (value +- 1.96 sd; for ratios and the variance
// the sd is the delta method's first-order propagation of the sums' noise). Cells whose noisy
// active-user count is below min_group_size are suppressed: post-processing, no budget. No
// consistency check (CHECK_FAILED): noisy totals need not be consistent; that check stays with
// exact runs (query_result.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "common/core/dp_accounting.h"
#include "common/core/query_plan.h"
#include "common/core/status.h"

namespace mpcstats::core {

struct NoisyCellTotals {
  std::vector<uint32_t> keys;
  int64_t visits = 0;
  int64_t active_users = 0;
  int64_t sum_squares = 0;
  int64_t weekend_visits = 0;
  int64_t spend_units = 0;
  std::vector<int64_t> histogram;
  bool suppressed = false;
};

struct NoisyQueryResult {
  int64_t total_users = 0;
  uint64_t min_group_size = 1;
  std::vector<NoisyCellTotals> cells;
};

// kInvalidShare for a payload of the wrong length.
StatusOr<NoisyQueryResult> DecodeNoisyQueryResult(std::span<const uint64_t> payload, const QueryPlan& plan,
                                                  uint64_t min_group_size);

struct NoisyValue {
  std::optional<double> value;  // nullopt: null
  double noise_sd = 0;
};
// Not for the histogram (its buckets are counts with the histogram aggregate's sd).
NoisyValue NoisyMetricValue(Metric metric, const NoisyCellTotals& cell, int64_t total_users,
                            const DpCalibration& calibration);

// run.json rows of a private query: like report::QueryRowsJson (grouping keys, metrics,
// "suppressed"), plus per row "noise_sd" {metric: sd} and "ci95" {metric: [low, high]}.
nlohmann::json NoisyQueryRowsJson(const QueryPlan& plan, const NoisyQueryResult& result,
                                  const DpCalibration& calibration);

}  // namespace mpcstats::core
