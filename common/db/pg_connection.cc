#include "common/db/pg_connection.h"

#include <fmt/format.h>

#include <algorithm>

namespace mpcstats::db {
namespace {

using core::Code;
using core::Status;

// libpq messages span lines ("connection to server ... failed: ...\n\tIs the server running"):
// one line, trimmed.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// PQconninfoParse's result, freed with it; nullptr options when the string does not parse (its
// error message may quote the string, password included, so it is dropped unread).
struct ConninfoOptions {
  ConninfoOptions(const LibPq& pq, const std::string& conninfo) : pq(pq) {
    char* error = nullptr;
    options = pq.conninfo_parse(conninfo.c_str(), &error);
    if (error != nullptr) pq.freemem(error);
  }
  ~ConninfoOptions() {
    if (options != nullptr) pq.conninfo_free(options);
  }
  ConninfoOptions(const ConninfoOptions&) = delete;
  ConninfoOptions& operator=(const ConninfoOptions&) = delete;
  const LibPq& pq;
  PQconninfoOption* options = nullptr;
};

}  // namespace

std::string MaskedConninfo(const std::string& conninfo) {
  auto pq = SystemLibPq();
  if (!pq.ok()) return "(libpq unavailable)";
  const ConninfoOptions parsed(**pq, conninfo);
  if (parsed.options == nullptr) return "(invalid connection string)";
  std::string out;
  for (PQconninfoOption* o = parsed.options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const bool secret = std::string_view(o->keyword) == "password" || std::string_view(o->dispchar) == "*";
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", o->keyword, secret ? "***" : o->val);
  }
  return out.empty() ? "(libpq defaults)" : out;
}

bool ConninfoHasPassword(const std::string& conninfo) {
  auto pq = SystemLibPq();
  if (!pq.ok()) return false;
  const ConninfoOptions parsed(**pq, conninfo);
  if (parsed.options == nullptr) return false;
  for (PQconninfoOption* o = parsed.options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') return true;
  }
  return false;
}

core::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo) {
  auto loaded = SystemLibPq();
  if (!loaded.ok()) return loaded.status();
  const LibPq& pq = **loaded;
  const std::string where = "postgres (" + MaskedConninfo(conninfo) + ")";
  if (ConninfoOptions(pq, conninfo).options == nullptr) {
    return Status(Code::kUsage, "--pg: not a valid libpq connection string or URI");
  }
  PGconn* conn = pq.connectdb(conninfo.c_str());
  if (conn == nullptr) return Status(Code::kInternal, "libpq could not allocate a connection");
  if (pq.status(conn) != CONNECTION_OK) {
    const std::string message = OneLine(pq.error_message(conn));
    pq.finish(conn);
    // libpq gives no SQLSTATE for a failed connection; the server's wording tells them apart.
    const bool auth = Contains(message, "authentication failed") || Contains(message, "no password supplied") ||
                      Contains(message, "password authentication") || Contains(message, "SCRAM");
    const bool refused_role = Contains(message, "role \"") && Contains(message, "does not exist");
    const bool no_database = Contains(message, "database \"") && Contains(message, "does not exist");
    const char* what = auth           ? "authentication failed"
                       : refused_role ? "authentication failed"
                       : no_database  ? "no such database"
                                      : "cannot reach the server";
    return Status(Code::kBadInput, fmt::format("{}: {}: {}", where, what, message));
  }
  return std::unique_ptr<PgConnection>(new PgConnection(pq, conn));
}

PgConnection::~PgConnection() { pq_.finish(conn_); }

Status PgConnection::ResultError(const PGresult* result) const {
  const char* state = pq_.result_error_field(result, PG_DIAG_SQLSTATE);
  const char* primary = pq_.result_error_field(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message = OneLine(primary != nullptr ? primary : pq_.error_message(conn_));
  std::string what = "query failed";
  if (sqlstate == "42P01") what = "missing table";
  else if (sqlstate == "42703") what = "missing column";
  else if (sqlstate == "42501") what = "permission denied";
  else if (sqlstate == "42804" || sqlstate == "42883" || sqlstate == "22P02") what = "wrong column type";
  else if (sqlstate.starts_with("08")) what = "connection lost";
  return Status(Code::kBadInput, fmt::format("{}: {}{}", what, message,
                                             sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
}

core::StatusOr<PgResult> PgConnection::Exec(const core::PgStatement& statement) {
  std::vector<const char*> values;
  values.reserve(statement.params.size());
  for (const std::string& p : statement.params) values.push_back(p.c_str());
  PgResult result(pq_, pq_.exec_params(conn_, statement.sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = pq_.result_status(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return ResultError(result.get());
  return result;
}

core::Status PgConnection::CopyOut(const std::string& sql, const std::function<bool(std::string_view)>& sink) {
  {
    PGresult* started = pq_.exec(conn_, sql.c_str());
    const bool ok = started != nullptr && pq_.result_status(started) == PGRES_COPY_OUT;
    Status error = ok ? Status::Ok() : ResultError(started);
    pq_.clear(started);
    if (!ok) return error;
  }
  bool stopped = false;
  for (;;) {
    char* row = nullptr;
    const int n = pq_.get_copy_data(conn_, &row, 0);
    if (n == -1) break;  // done
    if (n == -2) return Status(Code::kBadInput, "connection lost: " + OneLine(pq_.error_message(conn_)));
    if (!stopped && !sink(std::string_view(row, static_cast<size_t>(n)))) stopped = true;
    pq_.freemem(row);
    if (stopped) break;  // the connection is left mid-COPY: the party stops with the reader's error
  }
  if (stopped) return Status(Code::kAborted, "stopped by the reader");
  PGresult* last = pq_.get_result(conn_);
  Status status = pq_.result_status(last) == PGRES_COMMAND_OK ? Status::Ok() : ResultError(last);
  pq_.clear(last);
  while ((last = pq_.get_result(conn_)) != nullptr) pq_.clear(last);
  return status;
}

core::StatusOr<std::string> PgConnection::QuoteIdentifier(std::string_view name) {
  char* quoted = pq_.escape_identifier(conn_, name.data(), name.size());
  if (quoted == nullptr) return Status(Code::kBadInput, "--pg-table: " + OneLine(pq_.error_message(conn_)));
  std::string out(quoted);
  pq_.freemem(quoted);
  return out;
}

}  // namespace mpcstats::db
