// mpcstats_plain_check: checks a query run's published rows (run.json) against the plaintext
// reference (plain_query.h) over the same synthetic data the parties made from --users and --seed.
// For deployments the tests cannot reach into (scripts/compose-test.sh): the synthetic tables are
// written as CSV and handed to the independent oracle. Exit 0 match, 1 mismatch, 2 bad input.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/core/roster.h"
#include "common/core/synthetic_data.h"
#include "tests/plain/plain_query.h"

namespace {

namespace fs = std::filesystem;
using mpcstats::core::VisitTable;

std::string FormatUtc(int64_t timestamp) {
  const std::time_t t = static_cast<std::time_t>(timestamp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

// The party's table as the CSV a user would have given it (spend with 4 decimals: exact).
void WriteCsv(const VisitTable& table, const mpcstats::core::Roster& roster, const fs::path& path) {
  std::ofstream out(path);
  out << "user_id,store_category,timestamp,district,is_weekend,spend\n";
  for (size_t i = 0; i < table.size(); ++i) {
    const int64_t spend = table.has_spend ? table.spend[i] : 0;
    out << fmt::format("u{},{},{},{},{},{}.{:04}\n", table.user[i], roster.categories[table.category[i]],
                       FormatUtc(table.timestamp[i]), roster.districts[table.district[i]],
                       int(table.is_weekend[i]), spend / mpcstats::core::kSpendScale,
                       spend % mpcstats::core::kSpendScale);
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  std::string run_path, roster_path;
  uint64_t users = 1000, seed = 42;
  CLI::App app{"checks a query run's rows against the plaintext reference over the parties' synthetic data"};
  app.add_option("--run", run_path, "the coordinator's run.json")->required();
  app.add_option("--roster", roster_path, "the run's roster")->required();
  app.add_option("--users", users, "every party's --users");
  app.add_option("--seed", seed, "every party's --seed");
  CLI11_PARSE(app, argc, argv);
  try {
    auto roster = mpcstats::core::LoadRoster(roster_path);
    if (!roster.ok()) throw std::invalid_argument(roster.status().ToString());
    std::ifstream in(run_path);
    if (!in) throw std::invalid_argument("cannot read " + run_path);
    const nlohmann::json run = nlohmann::json::parse(in);
    if (run.value("workload", "") != "query") throw std::invalid_argument(run_path + " is not a query run");
    const uint64_t k = roster->MinGroupSize();
    if (run.at("min_group_size").get<uint64_t>() != k) {
      std::cerr << "MISMATCH: min_group_size " << run.at("min_group_size") << ", the roster's is " << k << "\n";
      return 1;
    }

    const fs::path dir = fs::temp_directory_path() / fmt::format("mpcstats-plain-check-{}", ::getpid());
    fs::create_directories(dir);
    std::vector<std::vector<std::string>> files(roster->num_parties());
    for (size_t p = 0; p < files.size(); ++p) {
      const VisitTable table = mpcstats::core::GenerateSyntheticVisits({.users = users,
                                                                        .seed = seed,
                                                                        .party_index = p,
                                                                        .num_categories = roster->categories.size(),
                                                                        .num_districts = roster->districts.size()});
      const fs::path csv = dir / fmt::format("party{}.csv", p + 1);
      WriteCsv(table, *roster, csv);
      files[p].push_back(csv.string());
    }
    const nlohmann::json expected =
        mpcstats::testing::PlainQueryRows(run.at("query"), files, roster->categories, roster->districts, k);
    fs::remove_all(dir);
    const auto match = mpcstats::testing::RowsMatch(run.at("result"), expected);
    if (!match) {
      std::cerr << "MISMATCH: " << match.message() << "\n";
      return 1;
    }
    std::cout << "MATCH: " << expected.size() << " rows equal the plaintext reference over "
              << roster->num_parties() << " parties\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mpcstats_plain_check: " << e.what() << "\n";
    return 2;
  }
}
