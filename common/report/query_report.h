// How a query's result is published: rows for run.json, result.csv, and a table for a person.
// One row per cell in cell order: the grouping keys by name, the metrics by name (null when the
// cell is suppressed), then "suppressed".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/core/query_plan.h"
#include "common/core/query_result.h"

namespace mpcstats::report {

nlohmann::json QueryRowsJson(const core::QueryPlan& plan, const core::QueryResult& result);
// Same rows as CSV: the histogram spreads over one column per bucket ("..._[1,2)"); null is an
// empty field; spend_sum is printed exactly with 4 decimals.
std::string QueryResultCsv(const core::QueryPlan& plan, const core::QueryResult& result);
// At most `max_rows` rows (the rest are in result.csv), with the query and the suppression rule.
std::string FormatQueryTable(const core::QueryPlan& plan, const core::QueryResult& result,
                             size_t max_rows = 40);

}  // namespace mpcstats::report
