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

struct ConninfoOptions {
  PQconninfoOption* options = nullptr;
  ~ConninfoOptions() {
    if (options != nullptr) PQconninfoFree(options);
  }
};

}  // namespace

std::string MaskedConninfo(const std::string& conninfo) {
  char* error = nullptr;
  ConninfoOptions parsed{PQconninfoParse(conninfo.c_str(), &error)};
  if (error != nullptr) PQfreemem(error);
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
  char* error = nullptr;
  ConninfoOptions parsed{PQconninfoParse(conninfo.c_str(), &error)};
  if (error != nullptr) PQfreemem(error);
  if (parsed.options == nullptr) return false;
  for (PQconninfoOption* o = parsed.options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') return true;
  }
  return false;
}

core::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo) {
  const std::string where = "postgres (" + MaskedConninfo(conninfo) + ")";
  char* error = nullptr;
  ConninfoOptions parsed{PQconninfoParse(conninfo.c_str(), &error)};
  if (error != nullptr) PQfreemem(error);  // may quote the string, password included
  if (parsed.options == nullptr) {
    return Status(Code::kUsage, "--pg: not a valid libpq connection string or URI");
  }
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Status(Code::kInternal, "libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
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
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::ResultError(const PGresult* result) const {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message = OneLine(primary != nullptr ? primary : PQerrorMessage(conn_));
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
  PgResult result(PQexecParams(conn_, statement.sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return ResultError(result.get());
  return result;
}

core::Status PgConnection::CopyOut(const std::string& sql, const std::function<bool(std::string_view)>& sink) {
  {
    PGresult* started = PQexec(conn_, sql.c_str());
    const bool ok = started != nullptr && PQresultStatus(started) == PGRES_COPY_OUT;
    Status error = ok ? Status::Ok() : ResultError(started);
    PQclear(started);
    if (!ok) return error;
  }
  bool stopped = false;
  for (;;) {
    char* row = nullptr;
    const int n = PQgetCopyData(conn_, &row, 0);
    if (n == -1) break;  // done
    if (n == -2) return Status(Code::kBadInput, "connection lost: " + OneLine(PQerrorMessage(conn_)));
    if (!stopped && !sink(std::string_view(row, static_cast<size_t>(n)))) stopped = true;
    PQfreemem(row);
    if (stopped) break;  // the connection is left mid-COPY: the party stops with the reader's error
  }
  if (stopped) return Status(Code::kAborted, "stopped by the reader");
  PGresult* last = PQgetResult(conn_);
  Status status = PQresultStatus(last) == PGRES_COMMAND_OK ? Status::Ok() : ResultError(last);
  PQclear(last);
  while ((last = PQgetResult(conn_)) != nullptr) PQclear(last);
  return status;
}

core::StatusOr<std::string> PgConnection::QuoteIdentifier(std::string_view name) {
  char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
  if (quoted == nullptr) return Status(Code::kBadInput, "--pg-table: " + OneLine(PQerrorMessage(conn_)));
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

}  // namespace mpcstats::db
