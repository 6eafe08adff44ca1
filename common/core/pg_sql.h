// The SQL a party sends to its own PostgreSQL database (--pg), generated from the query plan:
// pure text and parameter building, so tests check it without a server (common/db/ runs it).
//
// Every statement reads the source through the canonical columns user_id, store_category,
// timestamp, district, is_weekend[, spend]. Values (the category and district lists, the date
// bounds, the histogram edges) travel as parameters, never inside the SQL text; the FROM clause
// is built by the caller from an identifier quoted by libpq (or the operator's own --pg-query).
// Time keys follow the CSV path's UTC rules: timestamptz is read in UTC, timestamp as UTC, both
// truncated to the second; hour 0..23, weekday Monday = 0, month 1..12.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/query_plan.h"
#include "common/core/status.h"

namespace mpcstats::core {

// What the schema probe found about the source.
struct PgSourceShape {
  std::string from;              // FROM clause: "\"visits\"" or "(SELECT ...) AS src"
  bool timestamptz = false;      // false: timestamp without time zone, read as UTC
  bool weekend_boolean = true;   // false: an integer column holding 0/1
  bool has_spend = false;
};

// One parameterized statement: $1.. in sql, each parameter in its text form.
struct PgStatement {
  std::string sql;
  std::vector<std::string> params;
};

// A text[] literal for a parameter: {"toys","a \"b\""} (elements quoted, \ and " escaped).
std::string PgTextArray(const std::vector<std::string>& values);

// Finds the rows the CSV reader would refuse. Result: no row when every row is fine; else one row
// (problem, value, detail, rows, total): the most frequent problem and offending value, how many
// rows have it, and how many rows have any problem.
PgStatement PgValidationStatement(const PgSourceShape& shape, const std::vector<std::string>& categories,
                                  const std::vector<std::string>& districts);
// The user error of a validation row; `source` names the table or query in the message.
Status PgValidationError(std::string_view source, std::string_view problem, std::string_view value,
                         std::string_view detail, std::string_view rows, std::string_view total);

// Computes every per-cell aggregate of the plan in the database. Result columns: cell (0-based,
// row-major as in QueryPlan), then plan.fields_per_cell() values in the plan's field order; one
// row per non-empty cell, and one row with cell -1 whose first value is the distinct-user total.
// kBadInput if the plan needs spend and the source has no spend column.
StatusOr<PgStatement> PgPushdownStatement(const PgSourceShape& shape, const QueryPlan& plan,
                                          const std::vector<std::string>& categories,
                                          const std::vector<std::string>& districts);

// Fills the payload (plan.payload_length() zeros to start with) from the pushdown's result rows
// (each as text columns), then checks that every value is exact when summed over `num_parties`.
class PgPayloadFiller {
 public:
  PgPayloadFiller(const QueryPlan& plan, size_t num_parties);
  Status AddRow(std::span<const std::string_view> columns);
  StatusOr<std::vector<uint64_t>> Finish() &&;

 private:
  const QueryPlan& plan_;
  size_t num_parties_;
  std::vector<uint64_t> payload_;
  bool users_seen_ = false;
};

// COPY (...) TO STDOUT in CSV with a header and NULL as unquoted \N, the canonical column names
// and the CSV file's text forms (timestamp "YYYY-MM-DDTHH:MM:SS" in UTC, is_weekend 0/1, spend
// without trailing zeros), for core::VisitsCsvStream.
std::string PgStreamCopySql(const PgSourceShape& shape);
inline constexpr std::string_view kPgCopyNullMarker = "\\N";

}  // namespace mpcstats::core
