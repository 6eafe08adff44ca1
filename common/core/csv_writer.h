// Writes a party's visit table as CSV, in the format csv_reader.h reads.
#pragma once

#include <string>
#include <vector>

#include "common/core/visit_table.h"

namespace mpcstats::core {

// Writes a table in the same format (used by tests and the data generator). User ids are written
// as "u<index>". With table.has_spend (then table.spend has one value per row) the spend column is
// written with at least 2 and at most kSpendDecimals decimals ("12.50", "0.0001"), exactly.
std::string FormatVisitsCsv(const VisitTable& table, const std::vector<std::string>& categories,
                            const std::vector<std::string>& districts);

}  // namespace mpcstats::core
