// How a private query's noisy result is published. run.json's rows are NoisyQueryRowsJson's
// (noisy_result.h: values, "noise_sd" and "ci95" per metric); result.csv and the printed table are
// made from those same rows, so the three always agree.
#pragma once

#include <string>

#include "common/core/dp_accounting.h"
#include "common/core/noisy_result.h"
#include "common/core/query_plan.h"

namespace mpcstats::report {

// Keys, then per published value X (a metric, or one histogram bucket "..._[1,2)"): X,
// X_noise_sd, X_ci95_low, X_ci95_high; then "suppressed". Null is an empty field.
std::string NoisyQueryResultCsv(const core::QueryPlan& plan, const core::NoisyQueryResult& result,
                                const core::DpCalibration& calibration);
// At most `max_rows` rows, each value printed as "value ±1.96sd", with the privacy parameters.
std::string FormatNoisyQueryTable(const core::QueryPlan& plan, const core::NoisyQueryResult& result,
                                  const core::DpCalibration& calibration, size_t max_rows = 40);

}  // namespace mpcstats::report
