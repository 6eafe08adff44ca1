#include "common/core/pg_sql.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "common/core/json_text.h"
#include "common/core/timestamp.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {
namespace {

// The source's timestamp as a UTC timestamp without time zone.
std::string UtcTimestamp(const PgSourceShape& shape) {
  return shape.timestamptz ? "(\"timestamp\" AT TIME ZONE 'UTC')" : "\"timestamp\"";
}

// Appends a parameter and returns its placeholder with a cast ("$3::bigint").
std::string AddParam(PgStatement* statement, std::string value, std::string_view type) {
  statement->params.push_back(std::move(value));
  return fmt::format("${}::{}", statement->params.size(), type);
}

bool ParseUint64(std::string_view text, uint64_t* value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

PgStatement PgValidationStatement(const PgSourceShape& shape, const std::vector<std::string>& categories,
                                  const std::vector<std::string>& districts) {
  PgStatement st;
  const std::string categories_param = AddParam(&st, PgTextArray(categories), "text[]");
  const std::string districts_param = AddParam(&st, PgTextArray(districts), "text[]");
  const std::string spend_column = shape.has_spend ? ", \"spend\"::numeric AS s" : "";
  const std::string weekend_range =
      shape.weekend_boolean ? "" : "    WHEN w NOT IN (0, 1) THEN 'is_weekend not 0 or 1'\n";
  const std::string weekend_is_one = shape.weekend_boolean ? "w" : "w = 1";
  std::string spend_checks;
  if (shape.has_spend) {
    spend_checks =
        "    WHEN s = 'NaN'::numeric THEN 'spend NaN'\n"
        "    WHEN s < 0 THEN 'spend negative'\n"
        "    WHEN s <> round(s, 4) THEN 'spend decimals'\n"
        "    WHEN s * 10000 > 9223372036854775807 THEN 'spend too large'\n";
  }
  st.sql = fmt::format(
      "WITH src AS NOT MATERIALIZED (\n"
      "  SELECT \"user_id\"::text AS u, \"store_category\"::text AS c, \"district\"::text AS d,\n"
      "         {ts} AS ts, \"is_weekend\" AS w{spend_column}\n"
      "  FROM {from}\n"
      "), checked AS (\n"
      "  SELECT CASE\n"
      "    WHEN u IS NULL THEN 'NULL user_id'\n"
      "    WHEN c IS NULL THEN 'NULL store_category'\n"
      "    WHEN ts IS NULL THEN 'NULL timestamp'\n"
      "    WHEN d IS NULL THEN 'NULL district'\n"
      "    WHEN w IS NULL THEN 'NULL is_weekend'\n"
      "{spend_null}"
      "    WHEN u = '' THEN 'empty user_id'\n"
      "    WHEN array_position({categories}, c) IS NULL THEN 'unknown store_category'\n"
      "    WHEN array_position({districts}, d) IS NULL THEN 'unknown district'\n"
      "    WHEN NOT isfinite(ts) OR ts < '0001-01-01' OR ts >= '10000-01-01' THEN 'timestamp out of range'\n"
      "{weekend_range}"
      "    WHEN ({weekend_is_one}) <> (extract(isodow FROM ts) >= 6) THEN 'is_weekend inconsistent'\n"
      "{spend_checks}"
      "  END AS problem, c, d, ts, w{spend_pass}\n"
      "  FROM src\n"
      "), named AS (\n"
      "  SELECT problem,\n"
      "    CASE WHEN problem LIKE '%store_category' THEN c WHEN problem LIKE '%district' THEN d\n"
      "         WHEN problem LIKE 'timestamp%' THEN ts::text WHEN problem LIKE 'is_weekend%' THEN w::text\n"
      "         {spend_value}ELSE '' END AS value,\n"
      "    CASE WHEN problem = 'is_weekend inconsistent' THEN to_char(ts, 'YYYY-MM-DD') ELSE '' END AS detail\n"
      "  FROM checked WHERE problem IS NOT NULL\n"
      ")\n"
      "SELECT problem, coalesce(value, ''), detail, count(*)::text, (sum(count(*)) OVER ())::text\n"
      "FROM named\n"
      "GROUP BY problem, value, detail ORDER BY count(*) DESC, problem, value LIMIT 1",
      fmt::arg("ts", UtcTimestamp(shape)), fmt::arg("spend_column", spend_column), fmt::arg("from", shape.from),
      fmt::arg("spend_null", shape.has_spend ? "    WHEN s IS NULL THEN 'NULL spend'\n" : ""),
      fmt::arg("categories", categories_param), fmt::arg("districts", districts_param),
      fmt::arg("weekend_range", weekend_range), fmt::arg("weekend_is_one", weekend_is_one),
      fmt::arg("spend_checks", spend_checks),
      fmt::arg("spend_pass", shape.has_spend ? ", s" : ""),
      fmt::arg("spend_value", shape.has_spend ? "WHEN problem LIKE 'spend%' THEN s::text " : ""));
  return st;
}

Status PgValidationError(std::string_view source, std::string_view problem, std::string_view value,
                         std::string_view detail, std::string_view rows, std::string_view total) {
  const std::string quoted = QuoteForMessage(value);
  std::string what;
  if (problem.starts_with("NULL ") || problem == "empty user_id") {
    what = std::string(problem);
  } else if (problem == "unknown store_category") {
    what = "unknown category " + quoted;
  } else if (problem == "unknown district") {
    what = "unknown district " + quoted;
  } else if (problem == "timestamp out of range") {
    what = "timestamp " + quoted + " outside the years 0001..9999";
  } else if (problem == "is_weekend not 0 or 1") {
    what = "is_weekend " + quoted + " is not 0 or 1";
  } else if (problem == "is_weekend inconsistent") {
    const auto day = ParseIsoDate(detail);
    what = fmt::format("is_weekend={} but {} is a {}", value, detail, day ? WeekdayName(DayOfWeek(*day)) : "?");
  } else if (problem == "spend NaN") {
    what = "spend is NaN";
  } else if (problem == "spend negative") {
    what = "spend " + quoted + " is negative";
  } else if (problem == "spend decimals") {
    what = fmt::format("spend {} has more than {} decimals", quoted, kSpendDecimals);
  } else if (problem == "spend too large") {
    what = "spend " + quoted + " is too large for 64-bit fixed point";
  } else {
    what = std::string(problem);
  }
  const std::string others =
      rows == total ? "" : fmt::format("; {} rows have a problem in all", total);
  return Status(Code::kBadInput,
                fmt::format("{}: {} ({} row{}{}); nothing was sent", source, what, rows, rows == "1" ? "" : "s",
                            others));
}

StatusOr<PgStatement> PgPushdownStatement(const PgSourceShape& shape, const QueryPlan& plan,
                                          const std::vector<std::string>& categories,
                                          const std::vector<std::string>& districts) {
  if (plan.spend_field() != QueryPlan::kAbsent && !shape.has_spend) {
    return Status(Code::kBadInput,
                  "the query asks for spend_sum or spend_mean but this party's data has no spend column");
  }
  const Query& query = plan.query();
  PgStatement st;

  // The cell of a row, row-major over group_by (the first key varies slowest).
  std::vector<size_t> strides(query.group_by.size());
  size_t stride = 1;
  for (size_t k = query.group_by.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= plan.domain_size(k);
  }
  std::string cell;
  for (size_t k = 0; k < query.group_by.size(); ++k) {
    std::string value;
    switch (query.group_by[k]) {
      case GroupKey::kStoreCategory:
        value = fmt::format("(array_position({}, \"store_category\"::text) - 1)",
                            AddParam(&st, PgTextArray(categories), "text[]"));
        break;
      case GroupKey::kDistrict:
        value = fmt::format("(array_position({}, \"district\"::text) - 1)",
                            AddParam(&st, PgTextArray(districts), "text[]"));
        break;
      case GroupKey::kIsWeekend:
        value = "\"is_weekend\"::int";
        break;
      case GroupKey::kHourOfDay:
        value = "(sod / 3600)";
        break;
      case GroupKey::kDayOfWeek:
        // Day 0 of the epoch (1970-01-01) was a Thursday, weekday 3.
        value = "((((t - sod) / 86400) % 7 + 10) % 7)";
        break;
      case GroupKey::kMonth:
        value = "(extract(month FROM ts)::int - 1)";
        break;
    }
    cell += fmt::format("{}{}::bigint * {}", cell.empty() ? "" : " + ", value, strides[k]);
  }
  if (cell.empty()) cell = "0::bigint";

  std::string filter;
  if (query.from_second != INT64_MIN) {
    filter += " AND t >= " + AddParam(&st, std::to_string(query.from_second), "bigint");
  }
  if (query.until_second != INT64_MAX) {
    filter += " AND t < " + AddParam(&st, std::to_string(query.until_second), "bigint");
  }

  // The per-cell fields in the plan's order.
  std::vector<std::string> fields(plan.fields_per_cell(), "'0'");
  fields[QueryPlan::kVisitsField] = "sum(n)::text";
  fields[QueryPlan::kActiveUsersField] = "count(*)::text";
  if (plan.sum_squares_field() != QueryPlan::kAbsent) fields[plan.sum_squares_field()] = "sum(n * n)::text";
  if (plan.weekend_field() != QueryPlan::kAbsent) fields[plan.weekend_field()] = "sum(wk)::text";
  if (plan.spend_field() != QueryPlan::kAbsent) fields[plan.spend_field()] = "sum(sp)::text";
  if (plan.histogram_field() != QueryPlan::kAbsent) {
    std::vector<std::string> edges;
    for (uint64_t edge : query.histogram_edges) edges.push_back(std::to_string(edge));
    std::string edge_list = "{";
    for (size_t i = 0; i < edges.size(); ++i) edge_list += (i ? "," : "") + edges[i];
    edge_list += "}";
    const std::string edges_param = AddParam(&st, edge_list, "bigint[]");
    // width_bucket(n, edges) counts the edges <= n: bucket b holds the users it puts at b + 1.
    for (size_t b = 0; b < plan.histogram_buckets(); ++b) {
      fields[plan.histogram_field() + b] =
          fmt::format("(count(*) FILTER (WHERE width_bucket(n, {}) = {}))::text", edges_param, b + 1);
    }
  }
  std::string cell_columns;
  std::string users_columns;
  for (size_t f = 0; f < fields.size(); ++f) {
    cell_columns += ", " + fields[f];
    users_columns += f == 0 ? ", (SELECT count(*) FROM (SELECT DISTINCT u FROM src) d)::text" : ", '0'";
  }

  const bool spend = plan.spend_field() != QueryPlan::kAbsent;
  st.sql = fmt::format(
      "WITH src AS NOT MATERIALIZED (\n"
      "  SELECT \"user_id\"::text AS u, \"store_category\", \"district\", \"is_weekend\",\n"
      "         {ts} AS ts, floor(extract(epoch FROM \"timestamp\"))::bigint AS t{spend_column}\n"
      "  FROM {from}\n"
      "), per_user AS (\n"
      "  SELECT cell, u, count(*) AS n, sum(w) AS wk{spend_sum}\n"
      "  FROM (SELECT u, \"is_weekend\"::int AS w{spend_pass}, {cell} AS cell\n"
      "        FROM (SELECT *, ((t % 86400) + 86400) % 86400 AS sod FROM src) r\n"
      "        WHERE true{filter}) rows\n"
      "  GROUP BY cell, u\n"
      ")\n"
      "SELECT cell{cell_columns} FROM per_user GROUP BY cell\n"
      "UNION ALL SELECT -1{users_columns}",
      fmt::arg("ts", UtcTimestamp(shape)), fmt::arg("from", shape.from),
      fmt::arg("spend_column", spend ? ", (\"spend\"::numeric * 10000)::bigint AS s" : ""),
      fmt::arg("spend_sum", spend ? ", sum(s) AS sp" : ""), fmt::arg("spend_pass", spend ? ", s" : ""),
      fmt::arg("cell", cell), fmt::arg("filter", filter), fmt::arg("cell_columns", cell_columns),
      fmt::arg("users_columns", users_columns));
  return st;
}

PgPayloadFiller::PgPayloadFiller(const QueryPlan& plan, size_t num_parties)
    : plan_(plan), num_parties_(std::max<size_t>(num_parties, 1)) {
  payload_.reserve(plan.payload_length() + num_parties_);
  payload_.resize(plan.payload_length(), 0);
}

Status PgPayloadFiller::AddRow(std::span<const std::string_view> columns) {
  const size_t fields = plan_.fields_per_cell();
  if (columns.size() != fields + 1) {
    return Status(Code::kInternal, fmt::format("pushdown row of {} columns, expected {}", columns.size(), fields + 1));
  }
  if (columns[0] == "-1") {
    if (users_seen_ || !ParseUint64(columns[1], &payload_[plan_.users_index()])) {
      return Status(Code::kInternal, "pushdown: bad distinct-user row");
    }
    users_seen_ = true;
    return Status::Ok();
  }
  uint64_t cell = 0;
  if (!ParseUint64(columns[0], &cell) || cell >= plan_.num_cells()) {
    return Status(Code::kInternal, fmt::format("pushdown: cell {} outside the plan's {} cells",
                                               QuoteForMessage(columns[0]), plan_.num_cells()));
  }
  // The sum of num_parties values each at most this bound cannot wrap mod 2^64.
  const uint64_t bound = std::numeric_limits<uint64_t>::max() / num_parties_;
  for (size_t f = 0; f < fields; ++f) {
    uint64_t value = 0;
    if (!ParseUint64(columns[f + 1], &value) || value > bound) {
      const bool is_spend = f == plan_.spend_field();
      return Status(Code::kBadInput,
                    fmt::format("{} of cell {} ({}) is too large to add up exactly over {} parties{}",
                                is_spend ? "spend sum" : "a visit count", cell, QuoteForMessage(columns[f + 1]),
                                num_parties_, is_spend ? " in 64-bit fixed point (units of 0.0001)" : ""));
    }
    payload_[cell * fields + f] = value;
  }
  return Status::Ok();
}

StatusOr<std::vector<uint64_t>> PgPayloadFiller::Finish() && {
  if (!users_seen_) return Status(Code::kInternal, "pushdown: no distinct-user row");
  return std::move(payload_);
}

std::string PgStreamCopySql(const PgSourceShape& shape) {
  const std::string ts = UtcTimestamp(shape);
  const std::string weekend = shape.weekend_boolean
                                  ? "CASE WHEN \"is_weekend\" THEN '1' WHEN NOT \"is_weekend\" THEN '0' END"
                                  : "\"is_weekend\"::text";
  const std::string spend = shape.has_spend ? ", trim_scale(\"spend\"::numeric)::text AS spend" : "";
  // Years before 1 print as positive years in to_char: give the reader something it refuses.
  return fmt::format(
      "COPY (SELECT \"user_id\"::text AS user_id, \"store_category\"::text AS store_category,\n"
      "  CASE WHEN {ts} < '0001-01-01' THEN 'before year 1'\n"
      "       ELSE to_char({ts}, 'YYYY-MM-DD\"T\"HH24:MI:SS') END AS \"timestamp\",\n"
      "  \"district\"::text AS district, {weekend} AS is_weekend{spend}\n"
      "  FROM {from}) TO STDOUT (FORMAT csv, HEADER, NULL '\\N')",
      fmt::arg("ts", ts), fmt::arg("weekend", weekend), fmt::arg("spend", spend), fmt::arg("from", shape.from));
}

}  // namespace mpcstats::core
