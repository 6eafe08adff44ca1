// See plain_query.h. Nothing here uses the project's own code: this is the independent oracle.
#include "tests/plain/plain_query.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace mpcstats::testing {
namespace {

using Json = nlohmann::json;

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error("PlainQueryRows: " + message); }

// ---------------------------------------------------------------- calendar

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

int64_t DaysInMonth(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// 0 = Monday .. 6 = Sunday. 1970-01-01 (day 0) was a Thursday.
int64_t DayOfWeek(int64_t days) { return ((days + 3) % 7 + 7) % 7; }

int64_t Digits(const std::string& s, size_t pos, size_t n, const std::string& what) {
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') Fail("bad " + what + " '" + s + "'");
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

struct Civil {
  int64_t year = 0, month = 0, day = 0;
};

// "YYYY-MM-DD" (exactly).
Civil ParseDate(const std::string& s, const std::string& what) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') Fail("bad " + what + " '" + s + "'");
  Civil c{Digits(s, 0, 4, what), Digits(s, 5, 2, what), Digits(s, 8, 2, what)};
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > DaysInMonth(c.year, c.month))
    Fail("bad " + what + " '" + s + "'");
  return c;
}

struct Moment {
  int64_t seconds = 0;  // since the epoch, UTC
  int64_t days = 0;     // since the epoch
  int64_t hour = 0;
  int64_t month = 0;  // 1..12
};

// "YYYY-MM-DDTHH:MM:SS" (exactly), UTC.
Moment ParseTimestamp(const std::string& s) {
  if (s.size() != 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':') Fail("bad timestamp '" + s + "'");
  const Civil c = ParseDate(s.substr(0, 10), "timestamp");
  const int64_t hh = Digits(s, 11, 2, "timestamp"), mm = Digits(s, 14, 2, "timestamp"),
                ss = Digits(s, 17, 2, "timestamp");
  if (hh > 23 || mm > 59 || ss > 59) Fail("bad timestamp '" + s + "'");
  Moment m;
  m.days = DaysFromCivil(c.year, c.month, c.day);
  m.seconds = m.days * 86400 + hh * 3600 + mm * 60 + ss;
  m.hour = hh;
  m.month = c.month;
  return m;
}

// "12.50" -> 125000 units of 0.0001. Digits, optionally '.' and 1 to 4 digits; never negative.
int64_t ParseSpend(const std::string& s) {
  const size_t dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 14) Fail("bad spend '" + s + "'");
  if (dot != std::string::npos && (frac.empty() || frac.size() > 4)) Fail("bad spend '" + s + "'");
  int64_t units = Digits(whole, 0, whole.size(), "spend") * 10000;
  int64_t scale = 1000;
  for (size_t i = 0; i < frac.size(); ++i, scale /= 10) units += Digits(frac, i, 1, "spend") * scale;
  return units;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

// ---------------------------------------------------------------- query

enum class Key { kCategory, kDistrict, kWeekend, kHour, kDayOfWeek, kMonth };

const std::vector<std::pair<std::string, Key>>& KeyNames() {
  static const std::vector<std::pair<std::string, Key>> names = {
      {"store_category", Key::kCategory}, {"district", Key::kDistrict},     {"is_weekend", Key::kWeekend},
      {"hour_of_day", Key::kHour},        {"day_of_week", Key::kDayOfWeek}, {"month", Key::kMonth}};
  return names;
}

const std::set<std::string>& PlainMetricNames() {
  static const std::set<std::string> names = {"visits",
                                              "active_users",
                                              "visits_per_user",
                                              "visits_per_active_user",
                                              "var_visits_per_active_user",
                                              "stddev_visits_per_active_user",
                                              "weekend_share",
                                              "spend_sum",
                                              "spend_mean"};
  return names;
}

const char kHistogram[] = "histogram_visits_per_active_user";
const char kHeader[] = "user_id,store_category,timestamp,district,is_weekend";

struct Row {
  size_t party = 0;
  std::string user;
  size_t category = 0, district = 0;
  int64_t weekend = 0;
  Moment when;
  bool has_spend = false;
  int64_t spend = 0;
};

// Every row of every file of every party, and each party's distinct user ids over all its rows.
std::vector<Row> ReadAll(const std::vector<std::vector<std::string>>& paths_per_party,
                         const std::vector<std::string>& categories,
                         const std::vector<std::string>& districts,
                         std::vector<std::set<std::string>>& users_per_party) {
  std::vector<Row> rows;
  users_per_party.assign(paths_per_party.size(), {});
  for (size_t party = 0; party < paths_per_party.size(); ++party) {
    for (const std::string& path : paths_per_party[party]) {
      std::ifstream in(path);
      if (!in) Fail("cannot open " + path);
      std::string line;
      if (!std::getline(in, line)) Fail(path + ": no header");
      if (!line.empty() && line.back() == '\r') line.pop_back();
      bool has_spend;
      if (line == kHeader) {
        has_spend = false;
      } else if (line == std::string(kHeader) + ",spend") {
        has_spend = true;
      } else {
        Fail(path + ": unexpected header '" + line + "'");
      }
      size_t line_no = 1;
      size_t blank_at = 0;
      while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {  // blank lines are allowed only at the end of the file
          if (blank_at == 0) blank_at = line_no;
          continue;
        }
        const std::string where = path + ":" + std::to_string(line_no) + ": ";
        if (blank_at != 0) Fail(path + ":" + std::to_string(blank_at) + ": blank line");
        const std::vector<std::string> f = Split(line);
        if (f.size() != (has_spend ? 6u : 5u)) Fail(where + "wrong number of fields");
        Row r;
        r.party = party;
        r.user = f[0];
        if (r.user.empty()) Fail(where + "empty user id");
        const auto cat = std::find(categories.begin(), categories.end(), f[1]);
        if (cat == categories.end()) Fail(where + "unknown category '" + f[1] + "'");
        r.category = static_cast<size_t>(cat - categories.begin());
        r.when = ParseTimestamp(f[2]);
        const auto dis = std::find(districts.begin(), districts.end(), f[3]);
        if (dis == districts.end()) Fail(where + "unknown district '" + f[3] + "'");
        r.district = static_cast<size_t>(dis - districts.begin());
        if (f[4] != "0" && f[4] != "1") Fail(where + "bad is_weekend '" + f[4] + "'");
        r.weekend = f[4] == "1" ? 1 : 0;
        if (r.weekend != (DayOfWeek(r.when.days) >= 5 ? 1 : 0))
          Fail(where + "is_weekend disagrees with the date");
        r.has_spend = has_spend;
        if (has_spend) r.spend = ParseSpend(f[5]);
        users_per_party[party].insert(r.user);
        rows.push_back(std::move(r));
      }
    }
  }
  return rows;
}

struct Cell {
  uint64_t visits = 0;
  uint64_t weekend_visits = 0;
  unsigned __int128 spend_units = 0;
  std::map<std::pair<size_t, std::string>, uint64_t> visits_by_user;  // (party, user id) -> visits
};

std::string JsonString(const Json& j) { return j.dump(); }

}  // namespace

Json PlainQueryRows(const Json& query, const std::vector<std::vector<std::string>>& csv_paths_per_party,
                    const std::vector<std::string>& categories, const std::vector<std::string>& districts,
                    uint64_t min_group_size) {
  // -- the query
  if (!query.is_object()) Fail("the query is not an object");
  for (const auto& [name, value] : query.items()) {
    if (name != "group_by" && name != "metrics" && name != "date_from" && name != "date_to" &&
        name != "privacy" && name != "bounds")
      Fail("unknown query field '" + name + "'");
  }
  // Contribution bounds (private queries; "privacy" itself changes nothing here: no noise).
  uint64_t max_visits = UINT64_MAX, max_cells = UINT64_MAX;
  int64_t max_spend = INT64_MAX;
  if (query.contains("bounds")) {
    const Json& b = query["bounds"];
    if (!b.is_object()) Fail("bounds is not an object");
    max_visits = b.at("max_visits_per_user_per_cell").get<uint64_t>();
    max_cells = b.at("max_cells_per_user").get<uint64_t>();
    if (b.contains("max_spend_per_visit"))
      max_spend = static_cast<int64_t>(std::llround(b["max_spend_per_visit"].get<double>() * 10000));
  }
  std::map<std::pair<size_t, std::string>, std::set<size_t>> cells_by_user;  // (party, user) -> cells
  std::vector<Key> keys;
  std::vector<std::string> key_names;
  if (query.contains("group_by") && !query["group_by"].is_null()) {
    if (!query["group_by"].is_array()) Fail("group_by is not a list");
    for (const Json& k : query["group_by"]) {
      if (!k.is_string()) Fail("group_by entry " + JsonString(k) + " is not a string");
      const std::string name = k.get<std::string>();
      const auto it = std::find_if(KeyNames().begin(), KeyNames().end(),
                                   [&](const auto& kn) { return kn.first == name; });
      if (it == KeyNames().end()) Fail("unknown group_by key '" + name + "'");
      if (std::find(key_names.begin(), key_names.end(), name) != key_names.end())
        Fail("repeated group_by key '" + name + "'");
      keys.push_back(it->second);
      key_names.push_back(name);
    }
  }
  if (!query.contains("metrics") || !query["metrics"].is_array() || query["metrics"].empty())
    Fail("metrics must be a non-empty list");
  std::vector<std::string> metrics;
  std::vector<uint64_t> edges;
  for (const Json& m : query["metrics"]) {
    std::string name;
    if (m.is_string()) {
      name = m.get<std::string>();
      if (!PlainMetricNames().count(name)) Fail("unknown metric '" + name + "'");
    } else if (m.is_object() && m.size() == 1 && m.contains(kHistogram)) {
      name = kHistogram;
      const Json& list = m[kHistogram];
      if (!list.is_array() || list.empty()) Fail("bad histogram bucket list " + JsonString(list));
      for (const Json& e : list) {
        if (!e.is_number_integer() || e.get<int64_t>() < 1 ||
            (!edges.empty() && e.get<uint64_t>() <= edges.back()))
          Fail("bad histogram bucket list " + JsonString(list));
        edges.push_back(e.get<uint64_t>());
      }
    } else {
      Fail("bad metric " + JsonString(m));
    }
    if (std::find(metrics.begin(), metrics.end(), name) != metrics.end())
      Fail("repeated metric '" + name + "'");
    metrics.push_back(name);
  }
  const bool wants_spend = std::find(metrics.begin(), metrics.end(), "spend_sum") != metrics.end() ||
                           std::find(metrics.begin(), metrics.end(), "spend_mean") != metrics.end();
  int64_t from_second = INT64_MIN, to_second = INT64_MAX;  // inclusive both ends
  if (query.contains("date_from") && !query["date_from"].is_null()) {
    if (!query["date_from"].is_string()) Fail("date_from is not a string");
    const Civil c = ParseDate(query["date_from"].get<std::string>(), "date_from");
    from_second = DaysFromCivil(c.year, c.month, c.day) * 86400;
  }
  if (query.contains("date_to") && !query["date_to"].is_null()) {
    if (!query["date_to"].is_string()) Fail("date_to is not a string");
    const Civil c = ParseDate(query["date_to"].get<std::string>(), "date_to");
    to_second = DaysFromCivil(c.year, c.month, c.day) * 86400 + 86399;
  }
  if (from_second != INT64_MIN && to_second != INT64_MAX && from_second > to_second)
    Fail("date_from is after date_to");

  // -- the cells: first key slowest
  auto domain_size = [&](Key k) -> size_t {
    switch (k) {
      case Key::kCategory:
        return categories.size();
      case Key::kDistrict:
        return districts.size();
      case Key::kWeekend:
        return 2;
      case Key::kHour:
        return 24;
      case Key::kDayOfWeek:
        return 7;
      case Key::kMonth:
        return 12;
    }
    Fail("unreachable");
  };
  size_t num_cells = 1;
  for (Key k : keys) num_cells *= domain_size(k);
  std::vector<Cell> cells(num_cells);

  // -- the data
  std::vector<std::set<std::string>> users_per_party;
  const std::vector<Row> rows = ReadAll(csv_paths_per_party, categories, districts, users_per_party);
  uint64_t total_users = 0;
  for (const auto& users : users_per_party) total_users += users.size();

  for (const Row& r : rows) {
    if (wants_spend && !r.has_spend) Fail("a spend metric is asked but a file has no spend column");
    if (r.when.seconds < from_second || r.when.seconds > to_second) continue;
    size_t index = 0;
    for (Key k : keys) {
      size_t value = 0;
      switch (k) {
        case Key::kCategory:
          value = r.category;
          break;
        case Key::kDistrict:
          value = r.district;
          break;
        case Key::kWeekend:
          value = static_cast<size_t>(r.weekend);
          break;
        case Key::kHour:
          value = static_cast<size_t>(r.when.hour);
          break;
        case Key::kDayOfWeek:
          value = static_cast<size_t>(DayOfWeek(r.when.days));
          break;
        case Key::kMonth:
          value = static_cast<size_t>(r.when.month - 1);
          break;
      }
      index = index * domain_size(k) + value;
    }
    Cell& cell = cells[index];
    std::set<size_t>& user_cells = cells_by_user[{r.party, r.user}];
    if (!user_cells.count(index)) {
      if (user_cells.size() >= max_cells)
        Fail("a user visits more cells than max_cells_per_user: the reference does not model the random choice");
      user_cells.insert(index);
    }
    if (cell.visits_by_user[{r.party, r.user}] >= max_visits) continue;  // later visits are dropped
    cell.visits += 1;
    cell.weekend_visits += static_cast<uint64_t>(r.weekend);
    cell.spend_units += static_cast<unsigned __int128>(std::min(r.spend, max_spend));
    cell.visits_by_user[{r.party, r.user}] += 1;
  }

  // -- the rows
  Json result = Json::array();
  for (size_t index = 0; index < num_cells; ++index) {
    Json row = Json::object();
    // Decode the cell's key values: the last key varies fastest.
    std::vector<size_t> values(keys.size());
    size_t rest = index;
    for (size_t i = keys.size(); i-- > 0;) {
      values[i] = rest % domain_size(keys[i]);
      rest /= domain_size(keys[i]);
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      switch (keys[i]) {
        case Key::kCategory:
          row[key_names[i]] = categories[values[i]];
          break;
        case Key::kDistrict:
          row[key_names[i]] = districts[values[i]];
          break;
        case Key::kMonth:
          row[key_names[i]] = static_cast<int64_t>(values[i]) + 1;
          break;
        default:
          row[key_names[i]] = static_cast<int64_t>(values[i]);
          break;
      }
    }

    const Cell& cell = cells[index];
    const uint64_t n = cell.visits_by_user.size();  // active users
    const uint64_t s = cell.visits;                 // = sum of the per-user counts
    unsigned __int128 sum_squares = 0;
    for (const auto& [user, count] : cell.visits_by_user)
      sum_squares += static_cast<unsigned __int128>(count) * count;
    const bool suppressed = n < min_group_size;

    for (const std::string& m : metrics) {
      Json v = nullptr;
      if (suppressed) {
        row[m] = v;
        continue;
      }
      if (m == "visits") {
        v = s;
      } else if (m == "active_users") {
        v = n;
      } else if (m == "visits_per_user") {
        if (total_users != 0) v = static_cast<double>(s) / static_cast<double>(total_users);
      } else if (m == "visits_per_active_user") {
        if (n != 0) v = static_cast<double>(s) / static_cast<double>(n);
      } else if (m == "var_visits_per_active_user" || m == "stddev_visits_per_active_user") {
        if (n != 0) {
          // var = (n * sum_sq - sum^2) / n^2, the numerator exact (>= 0 by Cauchy-Schwarz).
          const unsigned __int128 numerator =
              static_cast<unsigned __int128>(n) * sum_squares - static_cast<unsigned __int128>(s) * s;
          const long double var = static_cast<long double>(numerator) /
                                  (static_cast<long double>(n) * static_cast<long double>(n));
          v = static_cast<double>(m == "var_visits_per_active_user" ? var : std::sqrt(var));
        }
      } else if (m == "weekend_share") {
        if (s != 0) v = static_cast<double>(cell.weekend_visits) / static_cast<double>(s);
      } else if (m == "spend_sum") {
        v = static_cast<double>(static_cast<long double>(cell.spend_units) / 10000.0L);
      } else if (m == "spend_mean") {
        if (s != 0)
          v = static_cast<double>(static_cast<long double>(cell.spend_units) /
                                  (10000.0L * static_cast<long double>(s)));
      } else if (m == kHistogram) {
        std::vector<uint64_t> counts(edges.size(), 0);
        for (const auto& [user, count] : cell.visits_by_user) {
          for (size_t i = edges.size(); i-- > 0;) {  // the last bucket whose lower edge is <= count
            if (count >= edges[i]) {
              counts[i] += 1;
              break;
            }
          }
        }
        v = counts;
      } else {
        Fail("unreachable metric " + m);
      }
      row[m] = v;
    }
    row["suppressed"] = suppressed;
    result.push_back(std::move(row));
  }
  return result;
}

// ---------------------------------------------------------------- RowsMatch

namespace {

std::string Describe(const Json& row) {
  std::string out = "{";
  for (const auto& [name, key] : KeyNames()) {
    if (row.is_object() && row.contains(name)) {
      if (out.size() > 1) out += ", ";
      out += name + "=" + row[name].dump();
    }
  }
  return out + "}";
}

// Empty when equal; otherwise why not.
std::string Compare(const Json& actual, const Json& expected, bool spend) {
  std::ostringstream why;
  why.precision(17);
  if (expected.is_null() || actual.is_null()) {
    if (expected.is_null() && actual.is_null()) return "";
    why << "actual " << actual.dump() << ", expected " << expected.dump();
    return why.str();
  }
  if (expected.is_number_integer()) {
    // Integers exact: both must be JSON integers with the same decimal value.
    if (!actual.is_number_integer() || actual.dump() != expected.dump())
      why << "actual " << actual.dump() << ", expected the integer " << expected.dump();
    return why.str();
  }
  if (expected.is_number_float()) {
    if (!actual.is_number()) {
      why << "actual " << actual.dump() << ", expected the number " << expected.dump();
      return why.str();
    }
    const double a = actual.get<double>(), e = expected.get<double>();
    const double diff = std::fabs(a - e);
    const bool ok = spend ? diff <= 0.0001 + 1e-12 : (diff <= 1e-12 || diff <= 1e-9 * std::fabs(e));
    if (!ok || std::isnan(a) || std::isnan(e))
      why << "actual " << a << ", expected " << e << " (difference " << diff << ")";
    return why.str();
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      why << "actual " << actual.dump() << ", expected " << expected.dump();
      return why.str();
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      const std::string inner = Compare(actual[i], expected[i], spend);
      if (!inner.empty()) {
        why << "element " << i << ": " << inner << " (actual " << actual.dump() << ", expected "
            << expected.dump() << ")";
        return why.str();
      }
    }
    return "";
  }
  // Strings, booleans, anything else: exactly equal, same type.
  if (actual.type() != expected.type() || actual != expected)
    why << "actual " << actual.dump() << ", expected " << expected.dump();
  return why.str();
}

}  // namespace

::testing::AssertionResult RowsMatch(const Json& actual, const Json& expected) {
  if (!actual.is_array())
    return ::testing::AssertionFailure() << "actual rows are not a list: " << actual.dump();
  if (!expected.is_array())
    return ::testing::AssertionFailure() << "expected rows are not a list: " << expected.dump();
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << "actual has " << actual.size() << " rows, expected " << expected.size();
  for (size_t i = 0; i < expected.size(); ++i) {
    const Json& a = actual[i];
    const Json& e = expected[i];
    const std::string where = "row " + std::to_string(i) + " " + Describe(e);
    if (!a.is_object() || !e.is_object())
      return ::testing::AssertionFailure()
             << where << ": not an object: actual " << a.dump() << ", expected " << e.dump();
    std::vector<std::string> missing, extra;
    for (const auto& [name, value] : e.items())
      if (!a.contains(name)) missing.push_back(name);
    for (const auto& [name, value] : a.items())
      if (!e.contains(name)) extra.push_back(name);
    if (!missing.empty() || !extra.empty()) {
      auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
        return s.empty() ? "none" : s;
      };
      return ::testing::AssertionFailure()
             << where << ": keys differ: missing in actual: " << join(missing)
             << "; extra in actual: " << join(extra) << " (actual " << a.dump() << ")";
    }
    for (const auto& [name, value] : e.items()) {
      const bool spend = name == "spend_sum" || name == "spend_mean";
      const std::string why = Compare(a[name], value, spend);
      if (!why.empty()) return ::testing::AssertionFailure() << where << ": field '" << name << "': " << why;
    }
  }
  return ::testing::AssertionSuccess() << expected.size() << " rows match";
}

}  // namespace mpcstats::testing
