// The database source in-process against the suite's PostgreSQL server: CSV, pushdown and stream
// give the identical input vector, and the validation query and the stream's row checks refuse
// what the CSV reader refuses, naming the value and how many rows (or the row and its user).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/core/average_visits_query.h"
#include "common/core/csv_reader.h"
#include "common/core/local_aggregates.h"
#include "common/core/party_input.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/db/pg_source.h"
#include "tests/pg/pg_server.h"

namespace mpcstats::pgtest {
namespace {

namespace fs = std::filesystem;
using e2e::DefaultCategories;
using e2e::DefaultDistricts;

fs::path TempDir() {
  return fs::temp_directory_path() / ("mpcstats-pgtest-" + RandomHex(6));
}

core::Query MustParse(const std::string& json) {
  auto query = core::ParseQuery(json);
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  return *query;
}

std::unique_ptr<db::PgSource> MustOpen(const TestDatabase& database, const std::string& table, bool validate) {
  auto source = db::PgSource::Open({.conninfo = database.Conninfo(), .table = table, .validate = validate},
                                   DefaultCategories(), DefaultDistricts());
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? std::move(source).value() : nullptr;
}

TEST(PgSameAnswerTest, CsvPushdownAndStreamGiveTheIdenticalInputVector) {
  const fs::path dir = TempDir();
  TestDatabase database("same_answer", dir);
  std::mt19937 rng(7);
  const auto visits = e2e::RandomVisits(rng, "cust", 300, 2000, DefaultCategories());
  const std::string csv = CsvWithSpend(visits, rng);
  auto from_csv = core::ParseVisitsCsv(csv, "visits.csv", DefaultCategories(), DefaultDistricts());
  ASSERT_TRUE(from_csv.ok()) << from_csv.status().ToString();
  // Both column flavours: timestamptz + boolean, timestamp + smallint.
  database.LoadTable("visits_tz", csv, {.timestamptz = true, .weekend_boolean = true});
  database.LoadTable("visits_plain", csv, {.timestamptz = false, .weekend_boolean = false});

  const std::vector<std::string> queries = {
      R"({"group_by": ["store_category", "district", "is_weekend"], "metrics": ["visits", "active_users",
          "visits_per_user", "visits_per_active_user", "var_visits_per_active_user",
          "stddev_visits_per_active_user", "weekend_share", "spend_sum", "spend_mean",
          {"histogram_visits_per_active_user": [1, 2, 3, 5]}],
          "date_from": "2026-01-20", "date_to": "2026-03-05"})",
      R"({"group_by": ["hour_of_day", "day_of_week", "month"], "metrics": ["visits", "active_users",
          "var_visits_per_active_user", "weekend_share", "spend_sum",
          {"histogram_visits_per_active_user": [1, 2]}], "date_from": "2026-02-01"})",
      R"({"group_by": [], "metrics": ["visits", "spend_mean", "stddev_visits_per_active_user"],
          "date_to": "2026-02-14"})",
  };
  for (const char* table : {"visits_tz", "visits_plain"}) {
    SCOPED_TRACE(table);
    auto pushdown = MustOpen(database, table, true);
    auto stream_source = MustOpen(database, table, false);
    ASSERT_TRUE(pushdown && stream_source);
    auto streamed = stream_source->Stream();
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    EXPECT_EQ(streamed->size(), from_csv->size());
    EXPECT_EQ(streamed->num_users, from_csv->num_users);
    for (const std::string& text : queries) {
      SCOPED_TRACE(text);
      auto plan = core::QueryPlan::Make(MustParse(text), DefaultCategories(), DefaultDistricts());
      ASSERT_TRUE(plan.ok());
      auto expected = core::ComputeQueryPayload(*from_csv, *plan, 3);
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();
      // The data must exercise the plan: non-zero spend, several non-empty cells.
      size_t non_zero = 0;
      for (uint64_t v : *expected) non_zero += v != 0;
      EXPECT_GT(non_zero, plan->num_cells() > 1 ? 10u : 4u);
      auto from_stream = core::ComputeQueryPayload(*streamed, *plan, 3);
      ASSERT_TRUE(from_stream.ok());
      auto from_pushdown = pushdown->Payload(*plan, 3);
      ASSERT_TRUE(from_pushdown.ok()) << from_pushdown.status().ToString();
      EXPECT_EQ(*from_pushdown, *expected);
      EXPECT_EQ(*from_stream, *expected);
    }
    // The default run's local result, read off its plan's payload, as the party computes it from CSV.
    auto average_visits = core::AverageVisitsPlan(DefaultCategories(), DefaultDistricts());
    ASSERT_TRUE(average_visits.ok());
    auto default_payload = pushdown->Payload(*average_visits, 3);
    ASSERT_TRUE(default_payload.ok()) << default_payload.status().ToString();
    const auto from_database = core::LocalAggregatesFromPayload(*average_visits, *default_payload);
    const auto from_rows = core::Aggregate(*from_csv, DefaultCategories().size());
    EXPECT_EQ(from_database.visits_per_category, from_rows.visits_per_category);
    EXPECT_EQ(from_database.users, from_rows.users);
  }
  // --pg-query: the operator's own SELECT over the table gives the same vector.
  auto by_query = db::PgSource::Open(
      {.conninfo = database.Conninfo(),
       .query = "SELECT user_id, store_category, \"timestamp\", district, is_weekend, spend FROM visits_tz"},
      DefaultCategories(), DefaultDistricts());
  ASSERT_TRUE(by_query.ok()) << by_query.status().ToString();
  auto plan = core::QueryPlan::Make(MustParse(queries[0]), DefaultCategories(), DefaultDistricts());
  ASSERT_TRUE(plan.ok());
  auto from_query = (*by_query)->Payload(*plan, 3);
  ASSERT_TRUE(from_query.ok()) << from_query.status().ToString();
  EXPECT_EQ(*from_query, *core::ComputeQueryPayload(*from_csv, *plan, 3));
  fs::remove_all(dir);
}

// A table of good rows plus `bad` rows appended in SQL.
struct BadCase {
  std::string name;
  std::string insert;       // VALUES rows (user_id, store_category, timestamp, district, is_weekend, spend)
  std::string validation;   // expected in the pushdown's message
  std::string stream;       // expected in the stream's message
};

TEST(PgValidationTest, BadRowsAreRefusedNamingTheValueAndTheRowCount) {
  const fs::path dir = TempDir();
  TestDatabase database("validation", dir);
  std::mt19937 rng(3);
  const std::string csv = CsvWithSpend(e2e::RandomVisits(rng, "u", 20, 60, DefaultCategories()), rng);
  const std::vector<BadCase> cases = {
      {"category", "('x1','toys','2026-01-05 10:00','north',false,1), ('x2','toys','2026-01-06 10:00','north',false,1)",
       "unknown category 'toys' (2 rows)", "(user_id 'x1'): unknown category 'toys'"},
      {"district", "('x3','grocery','2026-01-05 10:00','mars',false,1)", "unknown district 'mars' (1 row)",
       "(user_id 'x3'): unknown district 'mars'"},
      {"null", "('x4',NULL,'2026-01-05 10:00','north',false,1)", "NULL store_category (1 row)",
       "(user_id 'x4'): NULL store_category"},
      {"weekend", "('x5','grocery','2026-01-05 10:00','north',true,1)",
       "is_weekend=true but 2026-01-05 is a Monday (1 row)", "(user_id 'x5'): is_weekend=1 but 2026-01-05 is a Monday"},
      {"decimals", "('x6','grocery','2026-01-05 10:00','north',false,1.23456)",
       "spend '1.23456' has more than 4 decimals (1 row)", "(user_id 'x6'): spend '1.23456' has more than 4 decimals"},
      {"negative", "('x7','grocery','2026-01-05 10:00','north',false,-2.5)", "spend '-2.5' is negative (1 row)",
       "(user_id 'x7'): spend '-2.5' has a sign"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string table = "bad_" + c.name;
    // numeric without a scale, so that 5 decimals survive into the table.
    database.Exec("CREATE TABLE \"" + table + "\" (user_id text, store_category text, \"timestamp\" timestamp, "
                  "district text, is_weekend boolean, spend numeric)");
    database.Exec("GRANT SELECT ON \"" + table + "\" TO \"" + database.role() + "\"");
    database.Exec("INSERT INTO \"" + table + "\" VALUES ('u0','grocery','2026-01-05 09:00','north',false,3.5), " +
                  c.insert);
    auto pushdown = db::PgSource::Open({.conninfo = database.Conninfo(), .table = table, .validate = true},
                                       DefaultCategories(), DefaultDistricts());
    ASSERT_FALSE(pushdown.ok());
    EXPECT_EQ(pushdown.status().code(), core::Code::kBadInput);
    EXPECT_NE(pushdown.status().message().find(c.validation), std::string::npos) << pushdown.status().message();
    EXPECT_NE(pushdown.status().message().find(table), std::string::npos) << pushdown.status().message();

    auto stream_source = MustOpen(database, table, false);
    ASSERT_TRUE(stream_source);
    auto streamed = stream_source->Stream();
    ASSERT_FALSE(streamed.ok());
    EXPECT_EQ(streamed.status().code(), core::Code::kBadInput);
    EXPECT_NE(streamed.status().message().find(c.stream), std::string::npos) << streamed.status().message();
    EXPECT_NE(streamed.status().message().find("row 2 "), std::string::npos) << streamed.status().message();
  }
  // Good rows pass both.
  database.LoadTable("good", csv, {});
  auto good = MustOpen(database, "good", true);
  ASSERT_TRUE(good);
  fs::remove_all(dir);
}

TEST(PgConninfoTest, PasswordsAreMaskedAndDetectedInBothForms) {
  EXPECT_EQ(db::MaskedConninfo("host=db user=r password=s3cret dbname=shop"),
            "user=r password=*** dbname=shop host=db");
  const std::string uri = db::MaskedConninfo("postgresql://r:s3cret@db:5433/shop?sslmode=require");
  EXPECT_EQ(uri.find("s3cret"), std::string::npos) << uri;
  EXPECT_NE(uri.find("password=***"), std::string::npos) << uri;
  EXPECT_TRUE(db::ConninfoHasPassword("postgresql://r:s3cret@db/shop"));
  EXPECT_TRUE(db::ConninfoHasPassword("password=x"));
  EXPECT_FALSE(db::ConninfoHasPassword("host=db user=r passfile=/p"));
  EXPECT_EQ(db::MaskedConninfo("host='unterminated password=s3cret"), "(invalid connection string)");
}

TEST(LibPqLibraryTest, OpensTheSystemLibpqAndNamesWhyAnotherLibraryIsRefused) {
  auto system = db::SystemLibPq();
  ASSERT_TRUE(system.ok()) << system.status().message();
  EXPECT_NE((*system)->connectdb, nullptr);
  EXPECT_EQ(*db::SystemLibPq(), *system);  // opened once

  auto absent = db::OpenLibPq("libmpcstats-no-such-library.so.9");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), core::Code::kBadInput);
  EXPECT_EQ(absent.status().message().rfind("--pg: cannot load libpq (libmpcstats-no-such-library.so.9): ", 0), 0u)
      << absent.status().message();

  // A real library that is not libpq: the first function it lacks is named.
  auto not_libpq = db::OpenLibPq("libc.so.6");
  ASSERT_FALSE(not_libpq.ok());
  EXPECT_EQ(not_libpq.status().message(), "--pg: cannot load libpq (libc.so.6): it has no function PQconnectdb");
}

}  // namespace
}  // namespace mpcstats::pgtest
