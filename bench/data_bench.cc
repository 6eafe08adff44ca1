// Throughput of the local data path: generating, parsing and aggregating store visits.
// Items are visit rows; bytes (for the parser) are CSV text.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "common/core/csv_reader.h"
#include "common/core/local_aggregates.h"
#include "common/core/roster.h"
#include "common/core/synthetic_data.h"

namespace mpcstats::core {
namespace {

SyntheticSpec MillionUsers() {
  SyntheticSpec spec;
  spec.users = 1'000'000;
  spec.seed = 42;
  spec.party_index = 0;
  return spec;
}

void BM_GenerateSyntheticVisits(benchmark::State& state) {
  SyntheticSpec spec = MillionUsers();
  spec.users = static_cast<uint64_t>(state.range(0));
  size_t rows = 0;
  for (auto _ : state) {
    VisitTable table = GenerateSyntheticVisits(spec);
    rows += table.size();
    benchmark::DoNotOptimize(table.user.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_GenerateSyntheticVisits)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// The first `rows` rows of a generated table (users are in order, so this keeps whole users but
// perhaps the last one).
VisitTable FirstRows(VisitTable table, size_t rows) {
  rows = std::min(rows, table.size());
  table.user.resize(rows);
  table.category.resize(rows);
  table.timestamp.resize(rows);
  table.district.resize(rows);
  table.is_weekend.resize(rows);
  table.num_users = rows == 0 ? 0 : table.user.back() + 1;
  return table;
}

// Parses a CSV text of exactly state.range(0) rows (about 55 bytes each).
void BM_ParseVisitsCsv(benchmark::State& state) {
  const std::vector<std::string> categories = DefaultCategories();
  const std::vector<std::string> districts = DefaultDistricts();
  const std::string text =
      FormatVisitsCsv(FirstRows(GenerateSyntheticVisits(MillionUsers()), static_cast<size_t>(state.range(0))),
                      categories, districts);
  size_t rows = 0;
  for (auto _ : state) {
    StatusOr<VisitTable> table = ParseVisitsCsv(text, "bench.csv", categories, districts);
    if (!table.ok()) {
      state.SkipWithError(table.status().ToString().c_str());
      return;
    }
    rows += table->size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
}
BENCHMARK(BM_ParseVisitsCsv)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_Aggregate(benchmark::State& state) {
  SyntheticSpec spec = MillionUsers();
  spec.users = static_cast<uint64_t>(state.range(0));
  const VisitTable table = GenerateSyntheticVisits(spec);
  for (auto _ : state) {
    LocalAggregates local = Aggregate(table, spec.num_categories);
    benchmark::DoNotOptimize(local.visits_per_category.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(table.size()) * state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(table.size() * sizeof(uint16_t)) * state.iterations());
}
BENCHMARK(BM_Aggregate)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mpcstats::core
