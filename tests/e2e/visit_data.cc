#include "tests/e2e/visit_data.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace mpcstats::e2e {
namespace {

constexpr int64_t kPeriodStart = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kPeriodEnd = 1775001600;    // 2026-04-01T00:00:00Z (exclusive)

std::tm UtcTm(int64_t timestamp) {
  std::time_t t = static_cast<std::time_t>(timestamp);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) throw std::runtime_error("gmtime_r failed");
  return tm;
}

}  // namespace

const std::vector<std::string>& DefaultCategories() {
  static const std::vector<std::string> kCategories = {"grocery",    "clothing",    "electronics", "pharmacy",
                                                       "restaurant", "home_garden", "sports",      "beauty"};
  return kCategories;
}

const std::vector<std::string>& DefaultDistricts() {
  static const std::vector<std::string> kDistricts = {"downtown", "north", "south", "east", "west", "harbor"};
  return kDistricts;
}

std::string FormatTimestamp(int64_t timestamp) {
  std::tm tm = UtcTm(timestamp);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  return buffer;
}

bool IsWeekend(int64_t timestamp) {
  std::tm tm = UtcTm(timestamp);
  return tm.tm_wday == 0 || tm.tm_wday == 6;
}

std::string FormatCsv(const std::vector<Visit>& visits) {
  std::string text = "user_id,store_category,timestamp,district,is_weekend\n";
  text.reserve(visits.size() * 64);
  for (const Visit& v : visits) {
    text += v.user_id;
    text += ',';
    text += v.category;
    text += ',';
    text += FormatTimestamp(v.timestamp);
    text += ',';
    text += v.district;
    text += IsWeekend(v.timestamp) ? ",1\n" : ",0\n";
  }
  return text;
}

std::vector<Visit> RandomVisits(std::mt19937& rng, const std::string& user_prefix, int users, int rows,
                                const std::vector<std::string>& categories) {
  if (users <= 0 || rows < users || categories.empty())
    throw std::invalid_argument("RandomVisits: bad sizes");
  std::uniform_int_distribution<size_t> pick_category(0, categories.size() - 1);
  std::uniform_int_distribution<size_t> pick_district(0, DefaultDistricts().size() - 1);
  std::uniform_int_distribution<int64_t> pick_time(kPeriodStart, kPeriodEnd - 1);
  std::uniform_int_distribution<int> pick_user(0, users - 1);
  std::vector<Visit> visits;
  visits.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    // The first `users` rows give every user a visit; the rest go to random users.
    int user = i < users ? i : pick_user(rng);
    visits.push_back(Visit{user_prefix + std::to_string(user), categories[pick_category(rng)], pick_time(rng),
                           DefaultDistricts()[pick_district(rng)]});
  }
  std::shuffle(visits.begin(), visits.end(), rng);
  return visits;
}

PlainStats LocalStats(const std::vector<Visit>& visits) {
  PlainStats stats;
  std::map<std::string, std::set<std::string>> active;
  for (const std::string& c : DefaultCategories()) stats.visits[c] = 0;
  std::set<std::string> users;
  for (const Visit& v : visits) {
    ++stats.visits.at(v.category);
    active[v.category].insert(v.user_id);
    users.insert(v.user_id);
  }
  for (const std::string& c : DefaultCategories()) stats.active_users[c] = active[c].size();
  stats.users = users.size();
  return stats;
}

PlainStats SumStats(const std::vector<PlainStats>& parts) {
  PlainStats total;
  for (const std::string& c : DefaultCategories()) total.visits[c] = total.active_users[c] = 0;
  for (const PlainStats& part : parts) {
    for (const auto& [category, n] : part.visits) total.visits[category] += n;
    for (const auto& [category, n] : part.active_users) total.active_users[category] += n;
    total.users += part.users;
  }
  return total;
}

}  // namespace mpcstats::e2e
