// Test data for end-to-end runs: visit rows, their CSV text and the plaintext answer, computed
// here independently of the project's own parser and aggregation code (the oracle must not share
// the code it checks).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace mpcstats::e2e {

// The contract's default domains, in roster order.
const std::vector<std::string>& DefaultCategories();
const std::vector<std::string>& DefaultDistricts();

struct Visit {
  std::string user_id;
  std::string category;
  int64_t timestamp = 0;  // seconds since the Unix epoch, UTC
  std::string district;
};

// "2026-03-14T10:22:00" (UTC).
std::string FormatTimestamp(int64_t timestamp);
// Saturday or Sunday (UTC).
bool IsWeekend(int64_t timestamp);
// Header `user_id,store_category,timestamp,district,is_weekend`, one row per visit, "\n" endings.
std::string FormatCsv(const std::vector<Visit>& visits);

// Random visits: `users` distinct ids "<prefix><k>" (each with at least one visit), `rows` >= users
// rows in total, categories drawn only from `categories` (so the others get zero visits),
// timestamps in 2026-01-01 .. 2026-03-31.
std::vector<Visit> RandomVisits(std::mt19937& rng, const std::string& user_prefix, int users, int rows,
                                const std::vector<std::string>& categories);

// The plaintext statistics of some visits.
struct PlainStats {
  std::map<std::string, uint64_t> visits;  // every default category present, zeros included
  std::map<std::string, uint64_t> active_users;  // distinct users per category, likewise
  uint64_t users = 0;
};
// One party's local statistics (distinct user ids).
PlainStats LocalStats(const std::vector<Visit>& visits);
// Sum over parties (user ids are party-local, so user counts add).
PlainStats SumStats(const std::vector<PlainStats>& parts);

}  // namespace mpcstats::e2e
