// Throughput of the local data path: generating, parsing, reading and aggregating store visits.
// Items are visit rows; bytes (for the parser and the reader) are CSV text.
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "common/core/csv_reader.h"
#include "common/core/csv_writer.h"
#include "common/core/local_aggregates.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/query_plan.h"
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
  if (table.has_spend) table.spend.resize(rows);
  table.num_users = rows == 0 ? 0 : table.user.back() + 1;
  return table;
}

// Parses a CSV text of exactly state.range(0) rows (about 55 bytes each, 62 with the spend column
// when state.range(1) is 1).
void BM_ParseVisitsCsv(benchmark::State& state) {
  const std::vector<std::string> categories = DefaultCategories();
  const std::vector<std::string> districts = DefaultDistricts();
  VisitTable visits = FirstRows(GenerateSyntheticVisits(MillionUsers()), static_cast<size_t>(state.range(0)));
  if (state.range(1) == 0) {
    visits.has_spend = false;
    visits.spend = {};
  }
  const std::string text = FormatVisitsCsv(visits, categories, districts);
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
BENCHMARK(BM_ParseVisitsCsv)
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->ArgNames({"rows", "spend"})
    ->Unit(benchmark::kMillisecond);

// Rows [begin, end) of a table, as a table of their own.
VisitTable Slice(const VisitTable& table, size_t begin, size_t end) {
  VisitTable part;
  part.user.assign(table.user.begin() + begin, table.user.begin() + end);
  part.category.assign(table.category.begin() + begin, table.category.begin() + end);
  part.timestamp.assign(table.timestamp.begin() + begin, table.timestamp.begin() + end);
  part.district.assign(table.district.begin() + begin, table.district.begin() + end);
  part.is_weekend.assign(table.is_weekend.begin() + begin, table.is_weekend.begin() + end);
  part.has_spend = table.has_spend;
  if (table.has_spend) part.spend.assign(table.spend.begin() + begin, table.spend.begin() + end);
  return part;
}

// A CSV file of exactly `rows` generated rows with spend, written once per process (in slices, so
// the whole text is never in memory) and removed at exit.
class IngestFile {
 public:
  explicit IngestFile(size_t rows) {
    path_ = (std::filesystem::temp_directory_path() /
             ("mpcstats_ingest_" + std::to_string(rows) + "_" + std::to_string(::getpid()) + ".csv"))
                .string();
    const std::vector<std::string> categories = DefaultCategories();
    const std::vector<std::string> districts = DefaultDistricts();
    // At least 3 visits per user on average (see SyntheticSpec), so rows / 3 users nearly always
    // suffice; double until they do.
    SyntheticSpec spec = MillionUsers();
    spec.users = rows / 3 + 1;
    VisitTable table = GenerateSyntheticVisits(spec);
    while (table.size() < rows) {
      spec.users *= 2;
      table = GenerateSyntheticVisits(spec);
    }
    table = FirstRows(std::move(table), rows);
    std::ofstream out(path_, std::ios::binary);
    constexpr size_t kSlice = 1'000'000;
    for (size_t begin = 0; begin < rows; begin += kSlice) {
      std::string text =
          FormatVisitsCsv(Slice(table, begin, std::min(rows, begin + kSlice)), categories, districts);
      // Only the first slice keeps its header line.
      const size_t skip = begin == 0 ? 0 : text.find('\n') + 1;
      out.write(text.data() + skip, static_cast<std::streamsize>(text.size() - skip));
    }
    out.close();
    ok_ = out.good();
    bytes_ = std::filesystem::file_size(path_);
  }
  ~IngestFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }
  bool ok() const { return ok_; }

 private:
  std::string path_;
  uint64_t bytes_ = 0;
  bool ok_ = false;
};

// Peak RSS growth of one call: Linux resets the peak (VmHWM) when 5 is written to clear_refs, so
// the peak read after the call is the call's own, on top of what the process held before it.
class PeakRss {
 public:
  // Resets the peak; false if the kernel does not allow it (then Growth() is not meaningful).
  bool Reset() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (f == nullptr) return false;
    const bool ok = std::fputs("5", f) >= 0;
    ok_ = (std::fclose(f) == 0) && ok;
    before_ = Read("VmRSS:");
    return ok_;
  }
  int64_t Growth() const { return ok_ ? Read("VmHWM:") - before_ : -1; }

 private:
  // A "Vm...:  1234 kB" line of /proc/self/status, in bytes.
  static int64_t Read(const char* key) {
    std::ifstream status("/proc/self/status");
    std::string word;
    while (status >> word) {
      if (word == key) {
        int64_t kb = 0;
        status >> kb;
        return kb * 1024;
      }
    }
    return 0;
  }
  int64_t before_ = 0;
  bool ok_ = false;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

size_t TableBytes(const VisitTable& t) {
  return t.user.capacity() * sizeof(uint32_t) + t.category.capacity() * sizeof(uint16_t) +
         t.timestamp.capacity() * sizeof(int64_t) + t.district.capacity() * sizeof(uint16_t) +
         t.is_weekend.capacity() * sizeof(uint8_t) + t.spend.capacity() * sizeof(int64_t);
}

// The ingestion requirement: at least 1 million rows per second per core, on a 10-million-row file.
// ReadVisitsCsv streams the file (from the page cache after the first pass: this measures the
// parser, not the disk) on this one thread, so rows/s is per core. items_per_second is over real
// time; rows_per_cpu_second over this thread's CPU time. file_bytes, table_bytes (the columns'
// capacity) and peak_rss_growth (the call's own peak, which includes the user-id interner and the
// read block) show that the reader holds the table, not the text.
void BM_ReadVisitsCsv(benchmark::State& state) {
  static const IngestFile file(static_cast<size_t>(state.range(0)));
  if (!file.ok()) {
    state.SkipWithError(("cannot write " + file.path()).c_str());
    return;
  }
  const std::vector<std::string> categories = DefaultCategories();
  const std::vector<std::string> districts = DefaultDistricts();
  size_t rows = 0;
  size_t table_bytes = 0;
  uint64_t users = 0;
  int64_t peak_growth = 0;
  double cpu_seconds = 0;
  PeakRss peak;
  for (auto _ : state) {
    peak.Reset();
    const double cpu_start = ThreadCpuSeconds();
    StatusOr<VisitTable> table = ReadVisitsCsvFiles({file.path()}, categories, districts);
    cpu_seconds += ThreadCpuSeconds() - cpu_start;
    peak_growth = std::max(peak_growth, peak.Growth());
    if (!table.ok()) {
      state.SkipWithError(table.status().ToString().c_str());
      return;
    }
    if (!table->has_spend || table->size() != static_cast<size_t>(state.range(0))) {
      state.SkipWithError("wrong table");
      return;
    }
    rows += table->size();
    table_bytes = TableBytes(*table);
    users = table->num_users;
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(file.bytes()) * state.iterations());
  state.counters["rows_per_cpu_second"] = cpu_seconds > 0 ? static_cast<double>(rows) / cpu_seconds : 0;
  state.counters["file_bytes"] = static_cast<double>(file.bytes());
  state.counters["table_bytes"] = static_cast<double>(table_bytes);
  state.counters["users"] = static_cast<double>(users);
  state.counters["peak_rss_growth"] = static_cast<double>(peak_growth);
}
BENCHMARK(BM_ReadVisitsCsv)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

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

// A party's local side of a query over 1 M users (about 3.3 M rows): range 0 picks the query,
// from one key to all six (193,536 cells) with every metric.
void BM_ComputeQueryPayload(benchmark::State& state) {
  static constexpr const char* kQueries[] = {
      R"({"group_by": ["store_category"], "metrics": ["visits"]})",
      R"({"group_by": ["district", "is_weekend"], "metrics": ["visits", "var_visits_per_active_user",
          "weekend_share", "spend_sum", {"histogram_visits_per_active_user": [1, 2, 5, 10]}]})",
      R"({"group_by": ["store_category", "district", "is_weekend", "hour_of_day", "day_of_week", "month"],
          "metrics": ["visits", "var_visits_per_active_user", "weekend_share", "spend_sum",
          {"histogram_visits_per_active_user": [1, 2, 5, 10]}]})",
  };
  const VisitTable table = GenerateSyntheticVisits(MillionUsers());
  const auto plan = QueryPlan::Make(*ParseQuery(kQueries[state.range(0)]), DefaultCategories(), DefaultDistricts());
  for (auto _ : state) {
    auto payload = ComputeQueryPayload(table, *plan, 3);
    if (!payload.ok()) {
      state.SkipWithError(payload.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(payload->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(table.size()) * state.iterations());
  state.counters["cells"] = static_cast<double>(plan->num_cells());
}
BENCHMARK(BM_ComputeQueryPayload)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mpcstats::core
