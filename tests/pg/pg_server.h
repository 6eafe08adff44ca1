// The suite's PostgreSQL server (started by the pg_server_start CTest fixture through
// scripts/pg-test-server.sh, stopped by pg_server_stop) and one fresh database per test: its own
// database, a login role with a random password that may only read what the test grants, and a
// passfile for it, so parallel tests never share a table.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/db/pg_connection.h"

namespace mpcstats::pgtest {

// Column types of a visits table.
struct TableTypes {
  bool timestamptz = false;      // else timestamp
  bool weekend_boolean = true;   // else smallint 0/1
  bool spend = true;             // a numeric(14,4) spend column
};

class TestDatabase {
 public:
  // Creates database and role named after `name` (letters, digits, _), passfile in `dir`.
  TestDatabase(const std::string& name, const std::filesystem::path& dir);
  ~TestDatabase();

  // The party's connection string (host, dbname, user, passfile: no password in it).
  std::string Conninfo() const;
  // The reader role's password (tests check that no log contains it).
  const std::string& password() const { return password_; }
  const std::string& role() const { return role_; }
  // The server's own log file.
  std::filesystem::path server_log() const;

  // Runs SQL as the superuser in this database; throws on an error.
  void Exec(const std::string& sql);
  // CREATE TABLE name (...) with `types`, COPY of the CSV text (with its header) into it, and
  // SELECT granted to the reader role.
  void LoadTable(const std::string& table, const std::string& csv, const TableTypes& types);

 private:
  std::string socket_dir_;
  std::string superuser_password_;
  std::string database_;
  std::string role_;
  std::string password_;
  std::filesystem::path passfile_;
  std::unique_ptr<db::PgConnection> admin_;  // superuser, in database_
};

// Random lower-case hex, for names and passwords.
std::string RandomHex(size_t bytes);

}  // namespace mpcstats::pgtest

#include <random>

#include "tests/e2e/visit_data.h"

namespace mpcstats::pgtest {
// CSV with the spend column (amounts in cents or with 4 decimals, exact in fixed point).
std::string CsvWithSpend(const std::vector<e2e::Visit>& visits, std::mt19937& rng);
}  // namespace mpcstats::pgtest
