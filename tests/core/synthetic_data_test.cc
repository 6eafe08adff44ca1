#include "common/core/synthetic_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

bool SameTable(const VisitTable& a, const VisitTable& b) {
  return a.user == b.user && a.category == b.category && a.timestamp == b.timestamp &&
         a.district == b.district && a.is_weekend == b.is_weekend && a.num_users == b.num_users;
}

std::vector<double> Distribution(const std::vector<uint16_t>& column, size_t n) {
  std::vector<double> fraction(n, 0.0);
  for (uint16_t v : column) fraction.at(v) += 1.0;
  for (double& s : fraction) s /= static_cast<double>(column.size());
  return fraction;
}

double TotalVariation(const std::vector<double>& p, const std::vector<double>& q) {
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += std::abs(p[i] - q[i]);
  return sum / 2;
}

SyntheticSpec Spec(uint64_t users, uint64_t seed, size_t party) {
  SyntheticSpec spec;
  spec.users = users;
  spec.seed = seed;
  spec.party_index = party;
  return spec;
}

TEST(SyntheticDataTest, SameSpecGivesTheSameTable) {
  const VisitTable a = GenerateSyntheticVisits(Spec(2000, 7, 1));
  const VisitTable b = GenerateSyntheticVisits(Spec(2000, 7, 1));
  EXPECT_TRUE(SameTable(a, b));
  EXPECT_GT(a.size(), 2000u);
}

TEST(SyntheticDataTest, PartyAndSeedChangeTheTable) {
  const VisitTable base = GenerateSyntheticVisits(Spec(2000, 7, 0));
  EXPECT_FALSE(SameTable(base, GenerateSyntheticVisits(Spec(2000, 7, 1))));
  EXPECT_FALSE(SameTable(base, GenerateSyntheticVisits(Spec(2000, 8, 0))));
  // Seed and party index are not simply added: (seed 7, party 1) differs from (seed 8, party 0).
  EXPECT_FALSE(
      SameTable(GenerateSyntheticVisits(Spec(2000, 7, 1)), GenerateSyntheticVisits(Spec(2000, 8, 0))));
}

TEST(SyntheticDataTest, EveryUserAppearsAndColumnsAreConsistent) {
  for (size_t party = 0; party < 4; ++party) {
    SyntheticSpec spec = Spec(5000, 42, party);
    const VisitTable t = GenerateSyntheticVisits(spec);
    ASSERT_EQ(t.num_users, spec.users);
    ASSERT_EQ(t.category.size(), t.size());
    ASSERT_EQ(t.timestamp.size(), t.size());
    ASSERT_EQ(t.district.size(), t.size());
    ASSERT_EQ(t.is_weekend.size(), t.size());
    std::vector<uint32_t> visits(spec.users, 0);
    for (size_t i = 0; i < t.size(); ++i) {
      ASSERT_LT(t.user[i], spec.users);
      ++visits[t.user[i]];
      ASSERT_LT(t.category[i], spec.num_categories);
      ASSERT_LT(t.district[i], spec.num_districts);
      ASSERT_GE(t.timestamp[i], spec.period_start);
      ASSERT_LT(t.timestamp[i], spec.period_end);
      ASSERT_EQ(t.is_weekend[i], IsWeekend(t.timestamp[i]) ? 1 : 0) << FormatIsoTimestamp(t.timestamp[i]);
    }
    EXPECT_EQ(std::count(visits.begin(), visits.end(), 0u), 0) << "party " << party;
    const double mean = static_cast<double>(t.size()) / static_cast<double>(spec.users);
    EXPECT_GE(mean, 2.7) << "party " << party;
    EXPECT_LE(mean, 8.5) << "party " << party;
  }
}

TEST(SyntheticDataTest, TimestampsCoverThePeriodAndWeekendsAppearAtTheirRate) {
  const SyntheticSpec spec = Spec(20000, 3, 0);
  const VisitTable t = GenerateSyntheticVisits(spec);
  const int64_t span_days = (spec.period_end - spec.period_start) / 86400;
  std::vector<int> per_day(static_cast<size_t>(span_days), 0);
  for (int64_t ts : t.timestamp) ++per_day[static_cast<size_t>((ts - spec.period_start) / 86400)];
  EXPECT_EQ(std::count(per_day.begin(), per_day.end(), 0), 0);
  // 2026 Q1 has 26 weekend days out of 90.
  const double weekend_fraction =
      static_cast<double>(std::count(t.is_weekend.begin(), t.is_weekend.end(), 1)) /
      static_cast<double>(t.size());
  EXPECT_NEAR(weekend_fraction, 26.0 / 90.0, 0.01);
}

TEST(SyntheticDataTest, PartiesHaveVisiblyDifferentCategoryMixes) {
  std::vector<std::vector<double>> mixes;
  for (size_t party = 0; party < 5; ++party) {
    const VisitTable t = GenerateSyntheticVisits(Spec(10000, 42, party));
    mixes.push_back(Distribution(t.category, 8));
    // Every category is bought at this party, none takes everything.
    for (double fraction : mixes.back()) {
      EXPECT_GT(fraction, 0.01) << "party " << party;
      EXPECT_LT(fraction, 0.8) << "party " << party;
    }
  }
  for (size_t a = 0; a < mixes.size(); ++a) {
    for (size_t b = a + 1; b < mixes.size(); ++b) {
      EXPECT_GT(TotalVariation(mixes[a], mixes[b]), 0.08) << "parties " << a << " and " << b;
    }
  }
}

TEST(SyntheticDataTest, UsersMostlyVisitTheirHomeDistrict) {
  const VisitTable t = GenerateSyntheticVisits(Spec(5000, 11, 2));
  // For each user, the fraction of visits in their most frequent district is well above 1/6.
  size_t in_top = 0;
  size_t i = 0;
  while (i < t.size()) {
    size_t j = i;
    int counts[6] = {};
    while (j < t.size() && t.user[j] == t.user[i]) ++counts[t.district[j++]];
    in_top += static_cast<size_t>(*std::max_element(counts, counts + 6));
    i = j;
  }
  EXPECT_GT(static_cast<double>(in_top) / static_cast<double>(t.size()), 0.7);
}

TEST(SyntheticDataTest, EdgeCases) {
  const VisitTable empty = GenerateSyntheticVisits(Spec(0, 1, 0));
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.num_users, 0u);

  SyntheticSpec one_day = Spec(100, 1, 0);
  one_day.period_start = *ParseIsoDate("2026-03-14");  // a Saturday
  one_day.period_end = one_day.period_start + 86400;
  one_day.num_categories = 1;
  one_day.num_districts = 1;
  const VisitTable t = GenerateSyntheticVisits(one_day);
  EXPECT_TRUE(std::all_of(t.is_weekend.begin(), t.is_weekend.end(), [](uint8_t w) { return w == 1; }));
  EXPECT_TRUE(std::all_of(t.category.begin(), t.category.end(), [](uint16_t c) { return c == 0; }));
  EXPECT_TRUE(std::all_of(t.district.begin(), t.district.end(), [](uint16_t d) { return d == 0; }));

  SyntheticSpec inverted = Spec(10, 1, 0);
  inverted.period_end = inverted.period_start;
  const VisitTable pinned = GenerateSyntheticVisits(inverted);
  EXPECT_TRUE(std::all_of(pinned.timestamp.begin(), pinned.timestamp.end(),
                          [&](int64_t ts) { return ts == inverted.period_start; }));

  SyntheticSpec many = Spec(2000, 5, 0);
  many.num_categories = 300;
  const VisitTable wide = GenerateSyntheticVisits(many);
  EXPECT_LT(*std::max_element(wide.category.begin(), wide.category.end()), 300);
  EXPECT_GT(*std::max_element(wide.category.begin(), wide.category.end()), 250);
}

}  // namespace
}  // namespace mpcstats::core
