#include "common/core/csv_writer.h"

#include <fmt/format.h>

#include "common/core/spend_decimal.h"
#include "common/core/timestamp.h"
#include "common/core/visits_csv_format.h"

namespace mpcstats::core {

std::string FormatVisitsCsv(const VisitTable& table, const std::vector<std::string>& categories,
                            const std::vector<std::string>& districts) {
  std::string out;
  out.reserve(kVisitsCsvSpendHeader.size() + 1 + table.size() * (table.has_spend ? 64 : 56));
  out.append(table.has_spend ? kVisitsCsvSpendHeader : kVisitsCsvHeader);
  out.push_back('\n');
  auto name = [](const std::vector<std::string>& names, uint16_t index) -> std::string_view {
    return index < names.size() ? std::string_view(names[index]) : std::string_view("?");
  };
  for (size_t i = 0; i < table.size(); ++i) {
    // User ids are written as "u<index>": the table keeps only dense indices, not the original ids.
    out.push_back('u');
    const fmt::format_int user(table.user[i]);
    out.append(user.data(), user.size());
    out.push_back(',');
    out.append(name(categories, table.category[i]));
    out.push_back(',');
    AppendIsoTimestamp(table.timestamp[i], &out);
    out.push_back(',');
    out.append(name(districts, table.district[i]));
    out.push_back(',');
    out.push_back(table.is_weekend[i] ? '1' : '0');
    if (table.has_spend) {
      out.push_back(',');
      AppendSpend(table.spend[i], &out);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace mpcstats::core
