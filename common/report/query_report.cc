#include "common/report/query_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "common/core/visit_table.h"

namespace mpcstats::report {
namespace {

using core::CellTotals;
using core::Metric;
using nlohmann::json;

bool IsCount(Metric metric) { return metric == Metric::kVisits || metric == Metric::kActiveUsers; }

// Fixed point to text without floating point: 1234500 units -> "123.4500".
std::string FormatSpendUnits(uint64_t units) {
  return fmt::format("{}.{:0{}}", units / core::kSpendScale, units % core::kSpendScale, core::kSpendDecimals);
}

std::string BucketLabel(const core::QueryPlan& plan, size_t bucket) {
  const auto& edges = plan.query().histogram_edges;
  if (bucket + 1 < edges.size()) return fmt::format("[{},{})", edges[bucket], edges[bucket + 1]);
  return fmt::format("[{},inf)", edges[bucket]);
}

// The text of one metric in a cell, as CSV and the table print it ("" for null).
std::string MetricText(Metric metric, const CellTotals& cell, uint64_t total_users) {
  if (cell.suppressed) return "";
  if (metric == Metric::kVisits) return std::to_string(cell.visits);
  if (metric == Metric::kActiveUsers) return std::to_string(cell.active_users);
  if (metric == Metric::kSpendSum) return FormatSpendUnits(cell.spend_units);
  const auto value = core::MetricValue(metric, cell, total_users);
  return value ? fmt::format("{:.6f}", *value) : "";
}

}  // namespace

json QueryRowsJson(const core::QueryPlan& plan, const core::QueryResult& result) {
  const core::Query& query = plan.query();
  json rows = json::array();
  for (const CellTotals& cell : result.cells) {
    json row = json::object();
    for (size_t k = 0; k < query.group_by.size(); ++k) {
      const std::string key(core::GroupKeyName(query.group_by[k]));
      if (query.group_by[k] == core::GroupKey::kStoreCategory ||
          query.group_by[k] == core::GroupKey::kDistrict) {
        row[key] = plan.KeyLabel(k, cell.keys[k]);
      } else {
        row[key] = cell.keys[k];
      }
    }
    for (Metric metric : query.metrics) {
      const std::string name(core::MetricName(metric));
      if (cell.suppressed) {
        row[name] = nullptr;
      } else if (metric == Metric::kHistogramVisitsPerActiveUser) {
        row[name] = cell.histogram;
      } else if (IsCount(metric)) {
        row[name] = metric == Metric::kVisits ? cell.visits : cell.active_users;  // exact, not via double
      } else if (const auto value = core::MetricValue(metric, cell, result.total_users)) {
        row[name] = *value;
      } else {
        row[name] = nullptr;
      }
    }
    row["suppressed"] = cell.suppressed;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string QueryResultCsv(const core::QueryPlan& plan, const core::QueryResult& result) {
  const core::Query& query = plan.query();
  std::vector<std::string> header;
  for (core::GroupKey key : query.group_by) header.emplace_back(core::GroupKeyName(key));
  for (Metric metric : query.metrics) {
    if (metric == Metric::kHistogramVisitsPerActiveUser) {
      for (size_t b = 0; b < plan.histogram_buckets(); ++b) {
        header.push_back(fmt::format("{}_{}", core::MetricName(metric), BucketLabel(plan, b)));
      }
    } else {
      header.emplace_back(core::MetricName(metric));
    }
  }
  header.emplace_back("suppressed");
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (const CellTotals& cell : result.cells) {
    std::vector<std::string> fields;
    for (size_t k = 0; k < query.group_by.size(); ++k) fields.push_back(plan.KeyLabel(k, cell.keys[k]));
    for (Metric metric : query.metrics) {
      if (metric == Metric::kHistogramVisitsPerActiveUser) {
        for (size_t b = 0; b < plan.histogram_buckets(); ++b) {
          fields.push_back(cell.suppressed ? "" : std::to_string(cell.histogram[b]));
        }
      } else {
        fields.push_back(MetricText(metric, cell, result.total_users));
      }
    }
    fields.emplace_back(cell.suppressed ? "true" : "false");
    out += fmt::format("{}\n", fmt::join(fields, ","));
  }
  return out;
}

std::string FormatQueryTable(const core::QueryPlan& plan, const core::QueryResult& result, size_t max_rows) {
  const core::Query& query = plan.query();
  size_t suppressed = 0;
  for (const CellTotals& cell : result.cells) suppressed += cell.suppressed ? 1 : 0;
  std::string out = fmt::format("query: {}\n", core::QueryToJson(query).dump());
  out +=
      fmt::format("{} cells, {} suppressed (fewer than {} active users); {} users in all parties' data\n\n",
                  result.cells.size(), suppressed, result.min_group_size, result.total_users);

  // Columns: keys, then metrics; the histogram prints as "a/b/c" counts.
  std::vector<std::string> header;
  for (core::GroupKey key : query.group_by) header.emplace_back(core::GroupKeyName(key));
  for (Metric metric : query.metrics) header.emplace_back(core::MetricName(metric));
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < result.cells.size() && i < max_rows; ++i) {
    const CellTotals& cell = result.cells[i];
    std::vector<std::string> row;
    for (size_t k = 0; k < query.group_by.size(); ++k) row.push_back(plan.KeyLabel(k, cell.keys[k]));
    for (Metric metric : query.metrics) {
      if (cell.suppressed) {
        row.emplace_back("suppressed");
      } else if (metric == Metric::kHistogramVisitsPerActiveUser) {
        row.push_back(fmt::format("{}", fmt::join(cell.histogram, "/")));
      } else {
        row.push_back(MetricText(metric, cell, result.total_users));
        if (row.back().empty()) row.back() = "-";
      }
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows) widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size(); ++c) {
      const bool is_key = c < query.group_by.size();
      out += is_key ? fmt::format("{:<{}}", row[c], widths[c]) : fmt::format("{:>{}}", row[c], widths[c]);
      out += c + 1 < row.size() ? "  " : "\n";
    }
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
  if (result.cells.size() > max_rows) {
    out += fmt::format("... {} more rows in result.csv\n", result.cells.size() - max_rows);
  }
  if (query.Has(Metric::kHistogramVisitsPerActiveUser)) {
    std::vector<std::string> labels;
    for (size_t b = 0; b < plan.histogram_buckets(); ++b) labels.push_back(BucketLabel(plan, b));
    out += fmt::format("histogram buckets of visits per active user: {}\n", fmt::join(labels, " "));
  }
  out += "\n";
  return out;
}

}  // namespace mpcstats::report
