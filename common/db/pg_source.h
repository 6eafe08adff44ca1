// A party's visits in its own PostgreSQL database (--pg). Opening connects, starts one
// read-only REPEATABLE READ transaction (every statement of the run sees the same snapshot),
// checks the source's columns and types and runs the validation query, so every error an
// operator can cause is found before the party connects to anyone.
//   pushdown: Payload(plan) runs one aggregate statement; only the cell vector leaves the database.
//   stream:   Stream() reads COPY output into a VisitTable with the CSV reader's row checks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/core/pg_sql.h"
#include "common/core/query_plan.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"
#include "common/db/pg_connection.h"

namespace mpcstats::db {

struct PgSourceOptions {
  std::string conninfo;  // libpq key=value string or URI, without a password
  std::string table;     // --pg-table: [schema.]name, quoted as identifiers
  std::string query;     // --pg-query: SQL returning the canonical columns (if table is empty)
  bool validate = true;  // run the validation query (pushdown); stream checks every row itself
};

class PgSource {
 public:
  // kBadInput/kUsage naming the problem; see PgConnection for connection errors.
  static core::StatusOr<std::unique_ptr<PgSource>> Open(const PgSourceOptions& options,
                                                        const std::vector<std::string>& categories,
                                                        const std::vector<std::string>& districts);

  // The payload of `plan` (plan.payload_length() values, room for num_parties more).
  core::StatusOr<std::vector<uint64_t>> Payload(const core::QueryPlan& plan, size_t num_parties);
  // Every row, checked like a CSV file's.
  core::StatusOr<core::VisitTable> Stream();

  const core::PgSourceShape& shape() const { return shape_; }
  const std::string& name() const { return name_; }  // "table \"visits\"" or "--pg-query", for messages

 private:
  PgSource() = default;
  core::Status Probe();
  core::Status Validate();

  std::unique_ptr<PgConnection> connection_;
  std::vector<std::string> categories_;
  std::vector<std::string> districts_;
  core::PgSourceShape shape_;
  std::string name_;
  std::string table_;  // --pg-table as given; empty for --pg-query
};

}  // namespace mpcstats::db
