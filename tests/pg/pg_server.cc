#include "tests/pg/pg_server.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mpcstats::pgtest {
namespace {

std::string ReadLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  return line;
}

std::unique_ptr<db::PgConnection> Connect(const std::string& conninfo) {
  auto connection = db::PgConnection::Open(conninfo);
  if (!connection.ok()) throw std::runtime_error("test database: " + connection.status().ToString());
  return std::move(connection).value();
}

void Run(db::PgConnection& connection, const std::string& sql) {
  auto result = connection.Exec(sql);
  if (!result.ok()) throw std::runtime_error("test database: " + result.status().ToString() + "\n" + sql);
}

}  // namespace

std::string RandomHex(size_t bytes) {
  std::random_device device;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", device() & 0xff);
  return out;
}

TestDatabase::TestDatabase(const std::string& name, const std::filesystem::path& dir) {
  std::ifstream state(MPCSTATS_PG_STATE);
  if (!state) throw std::runtime_error(std::string("no test server: ") + MPCSTATS_PG_STATE + " is missing "
                                       "(the pg_server_start fixture starts it)");
  socket_dir_ = ReadLine(state);
  std::ifstream pw(ReadLine(state));
  superuser_password_ = ReadLine(pw);
  const std::string suffix = RandomHex(4);
  database_ = name + "_" + suffix;
  role_ = "reader_" + suffix;
  password_ = "pw" + RandomHex(12);

  const std::string admin_base =
      fmt::format("host={} user=postgres password={}", socket_dir_, superuser_password_);
  {
    auto server = Connect(admin_base + " dbname=postgres");
    Run(*server, fmt::format("CREATE DATABASE \"{}\"", database_));
    Run(*server, fmt::format("CREATE ROLE \"{}\" LOGIN PASSWORD '{}'", role_, password_));
  }
  admin_ = Connect(admin_base + " dbname=" + database_);
  Run(*admin_, "REVOKE ALL ON SCHEMA public FROM PUBLIC");
  Run(*admin_, fmt::format("GRANT USAGE ON SCHEMA public TO \"{}\"", role_));

  std::filesystem::create_directories(dir);
  passfile_ = dir / ("pgpass-" + suffix);
  std::ofstream(passfile_) << fmt::format("*:*:*:{}:{}\n", role_, password_);
  ::chmod(passfile_.c_str(), 0600);  // libpq ignores a passfile others can read
}

TestDatabase::~TestDatabase() {
  admin_.reset();
  try {
    auto server = Connect(fmt::format("host={} user=postgres password={} dbname=postgres", socket_dir_,
                                      superuser_password_));
    (void)server->Exec(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", database_));
    (void)server->Exec(fmt::format("DROP ROLE IF EXISTS \"{}\"", role_));
  } catch (const std::exception&) {
    // The server goes away with the suite anyway.
  }
}

std::string TestDatabase::Conninfo() const {
  return fmt::format("host={} dbname={} user={} passfile={}", socket_dir_, database_, role_, passfile_.string());
}

std::filesystem::path TestDatabase::server_log() const { return std::filesystem::path(socket_dir_) / "server.log"; }

void TestDatabase::Exec(const std::string& sql) { Run(*admin_, sql); }

void TestDatabase::LoadTable(const std::string& table, const std::string& csv, const TableTypes& types) {
  Exec(fmt::format("CREATE TABLE \"{}\" (user_id text, store_category text, \"timestamp\" {}, district text, "
                   "is_weekend {}{})",
                   table, types.timestamptz ? "timestamptz" : "timestamp",
                   types.weekend_boolean ? "boolean" : "smallint", types.spend ? ", spend numeric(14,4)" : ""));
  // COPY FROM STDIN needs the raw libpq connection; the CSV's timestamps are UTC, and a
  // timestamptz column reads them in the session's zone.
  PGconn* conn = PQconnectdb(fmt::format("host={} user=postgres password={} dbname={} options='-c TimeZone=UTC'",
                                         socket_dir_, superuser_password_, database_)
                                 .c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test database: " + message);
  }
  PGresult* started = PQexec(conn, fmt::format("COPY \"{}\" FROM STDIN (FORMAT csv, HEADER)", table).c_str());
  const bool copying = PQresultStatus(started) == PGRES_COPY_IN;
  PQclear(started);
  bool ok = copying && PQputCopyData(conn, csv.data(), static_cast<int>(csv.size())) == 1 &&
            PQputCopyEnd(conn, nullptr) == 1;
  PGresult* done = PQgetResult(conn);
  ok = ok && PQresultStatus(done) == PGRES_COMMAND_OK;
  const std::string message = PQerrorMessage(conn);
  PQclear(done);
  while ((done = PQgetResult(conn)) != nullptr) PQclear(done);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("test database: COPY into " + table + ": " + message);
  Exec(fmt::format("GRANT SELECT ON \"{}\" TO \"{}\"", table, role_));
  Exec(fmt::format("ANALYZE \"{}\"", table));
}

}  // namespace mpcstats::pgtest

namespace mpcstats::pgtest {

std::string CsvWithSpend(const std::vector<e2e::Visit>& visits, std::mt19937& rng) {
  std::string out = "user_id,store_category,timestamp,district,is_weekend,spend\n";
  std::uniform_int_distribution<int> cents(0, 25000);
  std::uniform_int_distribution<int> fine(0, 9999);
  for (size_t i = 0; i < visits.size(); ++i) {
    const e2e::Visit& v = visits[i];
    const std::string spend = i % 7 == 0 ? fmt::format("{}.{:04}", fine(rng) % 50, fine(rng))
                                         : fmt::format("{}.{:02}", cents(rng) / 100, cents(rng) % 100);
    out += fmt::format("{},{},{},{},{},{}\n", v.user_id, v.category, e2e::FormatTimestamp(v.timestamp),
                       v.district, e2e::IsWeekend(v.timestamp) ? 1 : 0, spend);
  }
  return out;
}

}  // namespace mpcstats::pgtest
