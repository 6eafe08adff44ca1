#include "common/core/local_aggregates.h"

#include <gtest/gtest.h>

#include <set>

#include "common/core/synthetic_data.h"
#include "tests/support/category_vector.h"

namespace mpcstats::core {
namespace {

const std::vector<std::string> kIds = {"party1", "party2", "party3"};

// The check vector of revealed totals, as the coordinator verifies it.
Status Check(const std::vector<uint64_t>& totals, const VectorLayout& layout) {
  return VerifyCheckVector(std::span<const uint64_t>(totals).subspan(layout.check_offset()), kIds);
}

// The plaintext the totals should decode to: elementwise sum of every party's input, mod 2^64.
std::vector<uint64_t> SumInputs(const std::vector<std::vector<uint64_t>>& inputs) {
  std::vector<uint64_t> sum(inputs.at(0).size(), 0);
  for (const auto& input : inputs) {
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += input[i];
  }
  return sum;
}

TEST(LocalAggregatesTest, AggregateMatchesANaiveRecount) {
  for (size_t party = 0; party < 3; ++party) {
    SyntheticSpec spec;
    spec.users = 3000;
    spec.party_index = party;
    const VisitTable table = GenerateSyntheticVisits(spec);
    const LocalAggregates local = Aggregate(table, 8);

    std::vector<uint64_t> naive(8, 0);
    std::set<uint32_t> users;
    for (size_t i = 0; i < table.size(); ++i) {
      for (uint16_t c = 0; c < 8; ++c) naive[c] += table.category[i] == c ? 1 : 0;
      users.insert(table.user[i]);
    }
    EXPECT_EQ(local.visits_per_category, naive);
    EXPECT_EQ(local.users, users.size());
    EXPECT_EQ(local.users, spec.users);
    uint64_t total = 0;
    for (uint64_t v : local.visits_per_category) total += v;
    EXPECT_EQ(total, table.size());
  }
}

TEST(LocalAggregatesTest, AggregateOfASmallTable) {
  VisitTable table;
  table.user = {0, 0, 1, 2};
  table.category = {2, 2, 0, 5};  // 5 is outside a 3-category domain: not counted
  table.timestamp = {0, 0, 0, 0};
  table.district = {0, 0, 0, 0};
  table.is_weekend = {0, 0, 0, 0};
  table.num_users = 3;
  const LocalAggregates local = Aggregate(table, 3);
  EXPECT_EQ(local.visits_per_category, (std::vector<uint64_t>{1, 0, 2}));
  EXPECT_EQ(local.users, 3u);
  EXPECT_EQ(Aggregate(VisitTable{}, 4).visits_per_category, (std::vector<uint64_t>{0, 0, 0, 0}));
}

TEST(LocalAggregatesTest, EncodeInputLayout) {
  const VectorLayout layout{.num_categories = 3, .num_parties = 4};
  EXPECT_EQ(layout.size(), 8u);
  EXPECT_EQ(layout.users_index(), 3u);
  EXPECT_EQ(layout.check_offset(), 4u);
  const LocalAggregates local{.visits_per_category = {10, 20, 30}, .users = 7};
  EXPECT_EQ(EncodeInput(local, layout, 0), (std::vector<uint64_t>{10, 20, 30, 7, 1, 0, 0, 0}));
  EXPECT_EQ(EncodeInput(local, layout, 2), (std::vector<uint64_t>{10, 20, 30, 7, 0, 0, 1, 0}));
  EXPECT_EQ(EncodeInput(local, layout, 3), (std::vector<uint64_t>{10, 20, 30, 7, 0, 0, 0, 1}));
  // An index outside the layout sets no check bit (and then the check vector reports the party missing).
  EXPECT_EQ(EncodeInput(local, layout, 4), (std::vector<uint64_t>{10, 20, 30, 7, 0, 0, 0, 0}));
}

TEST(LocalAggregatesTest, CheckVectorDetectsDroppedAndDoubleCountedParties) {
  const VectorLayout layout{.num_categories = 2, .num_parties = 3};
  const LocalAggregates local{.visits_per_category = {1, 1}, .users = 1};
  const std::vector<uint64_t> p1 = EncodeInput(local, layout, 0);
  const std::vector<uint64_t> p2 = EncodeInput(local, layout, 1);
  const std::vector<uint64_t> p3 = EncodeInput(local, layout, 2);

  // party3 dropped.
  const Status dropped = Check(SumInputs({p1, p2}), layout);
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.code(), Code::kCheckFailed);
  EXPECT_EQ(dropped.message(), "check vector: party3 counted 0 times");

  // party2 replayed.
  const Status replayed = Check(SumInputs({p1, p2, p2, p3}), layout);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.code(), Code::kCheckFailed);
  EXPECT_EQ(replayed.message(), "check vector: party2 counted 2 times");

  // Both at once: dropped parties are listed first.
  const Status both = Check(SumInputs({p1, p1, p2}), layout);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.message(), "check vector: party3 counted 0 times, party1 counted 2 times");

  // Nobody at all.
  const Status none = Check(std::vector<uint64_t>(layout.size(), 0), layout);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.message(),
            "check vector: party1 counted 0 times, party2 counted 0 times, party3 counted 0 times");

  // A corrupted entry (e.g. a wrong partial sum) is not a plausible count.
  std::vector<uint64_t> corrupt = SumInputs({p1, p2, p3});
  corrupt[layout.check_offset() + 1] += 0x9e3779b97f4a7c15ULL;
  const Status garbled = Check(corrupt, layout);
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.code(), Code::kCheckFailed);
  EXPECT_EQ(garbled.message(), "check vector: party2 entry corrupt");
}

TEST(LocalAggregatesTest, CheckVectorOfTheWrongSizeIsInternal) {
  EXPECT_EQ(VerifyCheckVector(std::vector<uint64_t>(3, 1), {"party1", "party2"}).code(), Code::kInternal);
}

}  // namespace
}  // namespace mpcstats::core
