#include "common/report/noisy_query_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

namespace mpcstats::report {
namespace {

using nlohmann::json;

std::string BucketLabel(const core::QueryPlan& plan, size_t bucket) {
  const auto& edges = plan.query().histogram_edges;
  if (bucket + 1 < edges.size()) return fmt::format("[{},{})", edges[bucket], edges[bucket + 1]);
  return fmt::format("[{},inf)", edges[bucket]);
}

std::string Number(const json& value) {
  if (value.is_null()) return "";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  return fmt::format("{:.6f}", value.get<double>());
}

// One published value of a row: its column name and its value, sd and interval (json null when
// suppressed or undefined).
struct Published {
  std::string column;
  json value, sd, low, high;
};

std::vector<Published> RowValues(const core::QueryPlan& plan, const json& row) {
  std::vector<Published> out;
  const json null;
  for (core::Metric metric : plan.query().metrics) {
    const std::string name(core::MetricName(metric));
    const json& value = row.at(name);
    const json& sd = row.at("noise_sd").contains(name) ? row.at("noise_sd").at(name) : null;
    const json& ci = row.at("ci95").contains(name) ? row.at("ci95").at(name) : null;
    if (metric == core::Metric::kHistogramVisitsPerActiveUser) {
      for (size_t b = 0; b < plan.histogram_buckets(); ++b) {
        const bool has = value.is_array();
        out.push_back({fmt::format("{}_{}", name, BucketLabel(plan, b)), has ? value.at(b) : null, sd,
                       has ? ci.at(b).at(0) : null, has ? ci.at(b).at(1) : null});
      }
      continue;
    }
    const bool has = !value.is_null();
    out.push_back({name, value, sd, has ? ci.at(0) : null, has ? ci.at(1) : null});
  }
  return out;
}

std::vector<std::string> KeyFields(const core::QueryPlan& plan, const core::NoisyCellTotals& cell) {
  std::vector<std::string> keys;
  for (size_t k = 0; k < plan.query().group_by.size(); ++k) keys.push_back(plan.KeyLabel(k, cell.keys[k]));
  return keys;
}

}  // namespace

std::string NoisyQueryResultCsv(const core::QueryPlan& plan, const core::NoisyQueryResult& result,
                                const core::DpCalibration& calibration) {
  const json rows = core::NoisyQueryRowsJson(plan, result, calibration);
  std::vector<std::string> header;
  for (core::GroupKey key : plan.query().group_by) header.emplace_back(core::GroupKeyName(key));
  if (!rows.empty()) {
    for (const Published& p : RowValues(plan, rows[0])) {
      for (const char* suffix : {"", "_noise_sd", "_ci95_low", "_ci95_high"}) header.push_back(p.column + suffix);
    }
  }
  header.emplace_back("suppressed");
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (size_t c = 0; c < rows.size(); ++c) {
    std::vector<std::string> fields = KeyFields(plan, result.cells[c]);
    const bool suppressed = rows[c].at("suppressed").get<bool>();
    for (const Published& p : RowValues(plan, rows[c])) {
      const bool has = !p.value.is_null();
      for (const json* v : {&p.value, &p.sd, &p.low, &p.high}) fields.push_back(has ? Number(*v) : "");
    }
    fields.emplace_back(suppressed ? "true" : "false");
    out += fmt::format("{}\n", fmt::join(fields, ","));
  }
  return out;
}

std::string FormatNoisyQueryTable(const core::QueryPlan& plan, const core::NoisyQueryResult& result,
                                  const core::DpCalibration& calibration, size_t max_rows) {
  const json rows = core::NoisyQueryRowsJson(plan, result, calibration);
  size_t suppressed = 0;
  for (const core::NoisyCellTotals& cell : result.cells) suppressed += cell.suppressed ? 1 : 0;
  std::string out = fmt::format("query: {}\n", core::QueryToJson(plan.query()).dump());
  out += fmt::format(
      "differential privacy: rho {} (epsilon {:.4g} at delta {:g}), noise of at least h = {} parties suffices\n",
      calibration.rho, calibration.epsilon, calibration.delta, calibration.h);
  out += fmt::format("{} cells, {} suppressed (noisy active users below {}); about {} users in all parties' data\n",
                     result.cells.size(), suppressed, result.min_group_size, result.total_users);
  out += "each value: noisy value +- its 95% noise interval half-width\n\n";

  std::vector<std::string> header;
  for (core::GroupKey key : plan.query().group_by) header.emplace_back(core::GroupKeyName(key));
  std::vector<std::vector<std::string>> table;
  for (size_t c = 0; c < rows.size() && c < max_rows; ++c) {
    std::vector<std::string> line = KeyFields(plan, result.cells[c]);
    const std::vector<Published> values = RowValues(plan, rows[c]);
    if (c == 0) {
      for (const Published& p : values) header.push_back(p.column);
    }
    for (const Published& p : values) {
      if (result.cells[c].suppressed) {
        line.emplace_back("suppressed");
      } else if (p.value.is_null()) {
        line.emplace_back("-");
      } else {
        line.push_back(fmt::format("{} +-{:.3g}", Number(p.value), 1.959963984540054 * p.sd.get<double>()));
      }
    }
    table.push_back(std::move(line));
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& line : table) widths[c] = std::max(widths[c], line[c].size());
  }
  const size_t num_keys = plan.query().group_by.size();
  auto print = [&](const std::vector<std::string>& line) {
    for (size_t c = 0; c < line.size(); ++c) {
      out += c < num_keys ? fmt::format("{:<{}}", line[c], widths[c]) : fmt::format("{:>{}}", line[c], widths[c]);
      out += c + 1 < line.size() ? "  " : "\n";
    }
  };
  print(header);
  for (const auto& line : table) print(line);
  if (rows.size() > max_rows) out += fmt::format("... {} more rows in result.csv\n", rows.size() - max_rows);
  out += "\n";
  return out;
}

}  // namespace mpcstats::report
