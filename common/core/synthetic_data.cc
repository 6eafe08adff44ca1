#include "common/core/synthetic_data.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

// SplitMix64 finalizer: a bijective 64-bit mixer, used to derive independent seeds.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// xoshiro256** (Blackman and Vigna): small, fast and statistically sound for simulation data.
// Not for anything an adversary may predict against; see the header comment.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed = Mix64(seed);
      word = seed;
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in (0, 1]: never 0, so log() is finite.
  double NextUnitOpen() { return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53; }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Uniform integer in [0, n) by multiply-high (Lemire); the bias is below n / 2^64.
inline uint64_t Below(uint64_t r, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(r) * n) >> 64);
}

// Independent streams per purpose, so a change to one column's logic does not shift the others.
enum class Stream : uint64_t {
  kProfile = 1,
  kVisitCounts,
  kCategory,
  kHomeDistrict,
  kDistrict,
  kTimestamp,
  kSpend,
};

uint64_t StreamSeed(uint64_t party_seed, Stream stream) {
  return Mix64(party_seed ^ Mix64(static_cast<uint64_t>(stream)));
}

// Samples an index with probability proportional to `weights` in O(1): a lookup table whose
// entries are spread in proportion to the weights (quantized to 1/size; every index with weight
// at least 1/size appears). Indexed by the top bits of a random word.
class WeightedTable {
 public:
  explicit WeightedTable(const std::vector<double>& weights) {
    size_t size = 4096;
    while (size < 16 * weights.size()) size *= 2;
    bits_ = 0;
    while ((size_t{1} << bits_) < size) ++bits_;
    table_.resize(size);
    double total = 0;
    for (double w : weights) total += w;
    double cumulative = 0;
    size_t index = 0;
    for (size_t j = 0; j < size; ++j) {
      const double point = (static_cast<double>(j) + 0.5) / static_cast<double>(size) * total;
      while (index + 1 < weights.size() && cumulative + weights[index] <= point)
        cumulative += weights[index++];
      table_[j] = static_cast<uint16_t>(index);
    }
  }

  uint16_t Sample(uint64_t r) const { return table_[r >> (64 - bits_)]; }

 private:
  std::vector<uint16_t> table_;
  int bits_;
};

// Dirichlet-like preference weights: heavy-tailed draws (exponential to the power 1.5) mixed
// with a uniform floor, so each party has clear favourites but no value is missing entirely.
std::vector<double> PreferenceWeights(Xoshiro256& rng, size_t n) {
  std::vector<double> w(n);
  double total = 0;
  for (double& x : w) {
    x = std::pow(-std::log(rng.NextUnitOpen()), 1.5);
    total += x;
  }
  const double floor = 0.15 / static_cast<double>(n);
  for (double& x : w) x = floor + 0.85 * (total > 0 ? x / total : 1.0 / static_cast<double>(n));
  return w;
}

// Typical spend per visit (the median, in currency units) of category `c` in the default category
// order (grocery, clothing, electronics, pharmacy, restaurant, home_garden, sports, beauty); other
// categories cycle through the same amounts.
double TypicalSpend(size_t c) {
  constexpr double kTypical[] = {42.0, 65.0, 180.0, 24.0, 32.0, 75.0, 55.0, 28.0};
  return kTypical[c % std::size(kTypical)];
}

// Spread of the log of the spend: about two thirds of visits within a factor e^0.6 = 1.8 of the median.
constexpr double kSpendSigma = 0.6;
static_assert(kSpendScale % 100 == 0, "spend is generated in whole cents");

// Approximately standard normal from one random word: the sum of four 16-bit uniforms (Irwin-Hall),
// centred and scaled to variance 1. Bounded (|z| <= 3.46), which keeps amounts plausible.
double ApproxNormal(uint64_t r) {
  double sum = 0;
  for (int k = 0; k < 4; ++k, r >>= 16) sum += static_cast<double>(r & 0xffff) * 0x1.0p-16;
  return (sum - 2.0) * 1.7320508075688772;  // sqrt(12 / 4)
}

}  // namespace

VisitTable GenerateSyntheticVisits(const SyntheticSpec& spec) {
  const size_t num_categories = std::max<size_t>(spec.num_categories, 1);
  const size_t num_districts = std::max<size_t>(spec.num_districts, 1);
  const uint64_t party_seed = Mix64(spec.seed ^ Mix64(0x5eed0000ULL + spec.party_index));

  // Party profile: what this retailer's customers buy, where they live, how often they come.
  Xoshiro256 profile(StreamSeed(party_seed, Stream::kProfile));
  const WeightedTable category_table(PreferenceWeights(profile, num_categories));
  const WeightedTable district_table(PreferenceWeights(profile, num_districts));
  const double mean_visits = 3.0 + 5.0 * profile.NextUnitOpen();  // in (3, 8]
  // Drawn after the values above, so adding it changed none of them.
  const double price_level = 0.8 + 0.4 * profile.NextUnitOpen();  // in (0.8, 1.2]
  // Visits per user = 1 + geometric(p) failures, p = 1 / mean, so the mean is `mean_visits`.
  const double log_q = std::log1p(-1.0 / mean_visits);
  const uint64_t max_visits = static_cast<uint64_t>(50 * mean_visits);

  // Column 1: visits per user, then the user column (users in order, each repeated).
  std::vector<uint32_t> visits(spec.users);
  uint64_t rows = 0;
  {
    Xoshiro256 rng(StreamSeed(party_seed, Stream::kVisitCounts));
    for (uint32_t& v : visits) {
      const auto extra = static_cast<uint64_t>(std::log(rng.NextUnitOpen()) / log_q);
      v = static_cast<uint32_t>(1 + std::min(extra, max_visits));
      rows += v;
    }
  }
  VisitTable table;
  table.user.resize(rows);
  table.category.resize(rows);
  table.timestamp.resize(rows);
  table.district.resize(rows);
  table.is_weekend.resize(rows);
  table.spend.resize(rows);
  table.has_spend = true;
  table.num_users = spec.users;
  {
    uint32_t* out = table.user.data();
    for (uint64_t u = 0; u < spec.users; ++u) out = std::fill_n(out, visits[u], static_cast<uint32_t>(u));
  }

  // Column 2: category, from the party's preferences.
  {
    Xoshiro256 rng(StreamSeed(party_seed, Stream::kCategory));
    for (uint16_t& c : table.category) c = category_table.Sample(rng.Next());
  }

  // Column 3: district. Each user has a home district and makes about 3/4 of visits there.
  {
    std::vector<uint16_t> home(spec.users);
    Xoshiro256 home_rng(StreamSeed(party_seed, Stream::kHomeDistrict));
    for (uint16_t& h : home) h = district_table.Sample(home_rng.Next());
    Xoshiro256 rng(StreamSeed(party_seed, Stream::kDistrict));
    for (uint64_t i = 0; i < rows; ++i) {
      const uint64_t r = rng.Next();
      // Low 2 bits choose home (3 of 4); the high bits, independent of them, pick the other district.
      table.district[i] = (r & 3) != 0 ? home[table.user[i]] : district_table.Sample(r);
    }
  }

  // Column 4: timestamps uniform over [period_start, period_end); an empty period pins them to its start.
  {
    const uint64_t span =
        spec.period_end > spec.period_start ? static_cast<uint64_t>(spec.period_end - spec.period_start) : 1;
    Xoshiro256 rng(StreamSeed(party_seed, Stream::kTimestamp));
    for (int64_t& t : table.timestamp) t = spec.period_start + static_cast<int64_t>(Below(rng.Next(), span));
  }

  // Column 5: is_weekend, derived from the timestamp so the two never disagree.
  for (uint64_t i = 0; i < rows; ++i) table.is_weekend[i] = IsWeekend(table.timestamp[i]) ? 1 : 0;

  // Column 6: spend in whole cents, log-normal around the category's typical basket times the
  // party's price level (so parties differ), at least 0.01.
  {
    std::vector<double> median_cents(num_categories);
    for (size_t c = 0; c < num_categories; ++c) median_cents[c] = 100.0 * price_level * TypicalSpend(c);
    Xoshiro256 rng(StreamSeed(party_seed, Stream::kSpend));
    for (uint64_t i = 0; i < rows; ++i) {
      const double cents = median_cents[table.category[i]] * std::exp(kSpendSigma * ApproxNormal(rng.Next()));
      table.spend[i] = std::max<int64_t>(1, std::llround(cents)) * (kSpendScale / 100);
    }
  }
  return table;
}

}  // namespace mpcstats::core
