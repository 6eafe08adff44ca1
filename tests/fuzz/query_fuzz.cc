// libFuzzer target for the query parser: a query arrives from the network in Start, so every
// party parses it as hostile input. Beyond "no crash, no sanitizer report", for any input:
//  - an error is kBadInput with one printable line of bounded length;
//  - a query that parses has a canonical form that parses to the same canonical form;
//  - its plan is bounded, and the aggregates of a small honest table, decoded by the
//    coordinator's code, pass the consistency checks (honest inputs are never called corrupt).
// Build and run: scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/query_plan.h"
#include "common/core/query_result.h"
#include "common/core/roster.h"
#include "common/core/timestamp.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace mpcstats::core;

// Three users of one party over a few days, hours, categories and districts, with spend.
const VisitTable& SmallTable() {
  static const VisitTable* table = [] {
    auto* t = new VisitTable;
    t->has_spend = true;
    const int64_t start = *ParseIsoTimestamp("2026-01-30T22:30:00");
    for (uint32_t row = 0; row < 40; ++row) {
      const int64_t when = start + int64_t{row} * 7919;  // crosses hours, days and a month
      t->user.push_back(row % 3);
      t->category.push_back(static_cast<uint16_t>(row % 8));
      t->timestamp.push_back(when);
      t->district.push_back(static_cast<uint16_t>(row % 6));
      t->is_weekend.push_back(IsWeekend(when) ? 1 : 0);
      t->spend.push_back(row * 1234);
    }
    t->num_users = 3;
    return t;
  }();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* categories = new std::vector<std::string>(DefaultCategories());
  static const auto* districts = new std::vector<std::string>(DefaultDistricts());
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto query = ParseQuery(text);
  if (!query.ok()) {
    FUZZ_CHECK(query.status().code() == Code::kBadInput);
    const std::string& message = query.status().message();
    FUZZ_CHECK(message.size() < 512);
    for (char c : message) FUZZ_CHECK(c != '\n' && c != '\r' && c != '\0');
    return 0;
  }
  const std::string canonical = QueryToJson(*query).dump();
  auto again = ParseQuery(canonical);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(QueryToJson(*again).dump() == canonical);

  auto plan = QueryPlan::Make(*query, *categories, *districts);
  if (!plan.ok()) {
    FUZZ_CHECK(plan.status().code() == Code::kBadInput);
    return 0;
  }
  FUZZ_CHECK(plan->payload_length() <= kMaxQueryPayload);
  if (plan->payload_length() > (1u << 20)) return 0;  // keep each input fast
  auto payload = ComputeQueryPayload(SmallTable(), *plan, 3);
  FUZZ_CHECK(payload.ok());
  FUZZ_CHECK(payload->size() == plan->payload_length());
  auto result = DecodeQueryResult(*payload, *plan, 1);
  FUZZ_CHECK(result.ok());
  uint64_t visits = 0;
  for (const CellTotals& cell : result->cells) visits += cell.visits;
  FUZZ_CHECK(visits <= SmallTable().size());
  if (!query->HasDateFilter()) FUZZ_CHECK(visits == SmallTable().size());
  return 0;
}
