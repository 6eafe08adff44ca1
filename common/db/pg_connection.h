// A libpq connection: the only code that calls libpq. Every failure becomes a one-line
// core::Status naming the problem (unreachable server, failed authentication, missing table or
// column, permission denied); passwords never appear in anything it returns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/pg_sql.h"
#include "common/core/status.h"
#include "common/db/libpq_library.h"

namespace mpcstats::db {

// The connection string for logs: every keyword libpq would use, the password as "***".
// An unparsable string gives "(invalid connection string)" (libpq's message may quote it), and
// "(libpq unavailable)" when libpq cannot be loaded.
std::string MaskedConninfo(const std::string& conninfo);
// True if the connection string (key=value or URI) carries a password itself (false when libpq
// cannot be loaded: PgConnection::Open then reports why).
bool ConninfoHasPassword(const std::string& conninfo);

class PgResult {
 public:
  PgResult(const LibPq& pq, PGresult* result) : pq_(&pq), result_(result, pq.clear) {}
  int rows() const { return pq_->ntuples(result_.get()); }
  int columns() const { return pq_->nfields(result_.get()); }
  std::string_view value(int row, int column) const {
    return {pq_->getvalue(result_.get(), row, column),
            static_cast<size_t>(pq_->getlength(result_.get(), row, column))};
  }
  bool is_null(int row, int column) const { return pq_->getisnull(result_.get(), row, column) != 0; }
  std::string_view column_name(int column) const { return pq_->fname(result_.get(), column); }
  Oid column_type(int column) const { return pq_->ftype(result_.get(), column); }
  const PGresult* get() const { return result_.get(); }

 private:
  const LibPq* pq_;
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class PgConnection {
 public:
  // Loads libpq and connects; kBadInput "--pg: cannot load libpq ...",
  // "postgres (CONNINFO masked): cannot reach the server: ..." or "...: authentication failed: ...".
  static core::StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with text parameters; errors are kBadInput naming the server's reason.
  core::StatusOr<PgResult> Exec(const core::PgStatement& statement);
  core::StatusOr<PgResult> Exec(const std::string& sql) { return Exec(core::PgStatement{sql, {}}); }
  // Runs COPY ... TO STDOUT and hands each row (with its '\n') to `sink`; a false from the sink
  // stops the copy (kAborted; the caller has the sink's own reason).
  core::Status CopyOut(const std::string& sql, const std::function<bool(std::string_view)>& sink);
  // "name" quoted by libpq (PQescapeIdentifier).
  core::StatusOr<std::string> QuoteIdentifier(std::string_view name);

 private:
  PgConnection(const LibPq& pq, PGconn* conn) : pq_(pq), conn_(conn) {}
  core::Status ResultError(const PGresult* result) const;

  const LibPq& pq_;
  PGconn* conn_;
};

}  // namespace mpcstats::db
