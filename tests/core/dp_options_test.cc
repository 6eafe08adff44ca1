// --dp-rho's privacy block: attached to a query and checked exactly as a query file's is.
#include "common/core/dp_options.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mpcstats::core {
namespace {

Query CategoryQuery(std::vector<Metric> metrics) {
  Query query;
  query.group_by = {GroupKey::kStoreCategory};
  query.metrics = std::move(metrics);
  return query;
}

TEST(DpOptionsTest, AttachesPrivacyAndTheDefaultBounds) {
  auto query = AttachPrivacy(CategoryQuery({Metric::kVisits, Metric::kVisitsPerUser}), {.rho = 0.5});
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  ASSERT_TRUE(query->privacy.has_value());
  EXPECT_EQ(query->privacy->rho, 0.5);
  EXPECT_EQ(query->privacy->delta, 1e-6);
  ASSERT_TRUE(query->bounds.has_value());
  EXPECT_EQ(query->bounds->max_visits_per_user_per_cell, 20u);
  EXPECT_EQ(query->bounds->max_cells_per_user, 8u);
  EXPECT_EQ(query->bounds->max_spend_per_visit_units, 0) << "no spend metric, no spend bound";
  EXPECT_EQ(query->metrics, (std::vector<Metric>{Metric::kVisits, Metric::kVisitsPerUser}));

  auto spend = AttachPrivacy(CategoryQuery({Metric::kSpendSum}), {.rho = 1, .max_spend_per_visit = 12.5});
  ASSERT_TRUE(spend.ok()) << spend.status().ToString();
  EXPECT_EQ(spend->bounds->max_spend_per_visit_units, 125000);
}

TEST(DpOptionsTest, BadValuesAreRefusedNamingTheField) {
  struct Case {
    DpOptions options;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{.rho = 0}, "privacy.rho must be a number in (0, 100]"},
      {{.rho = -1}, "privacy.rho must be a number in (0, 100]"},
      {{.rho = std::numeric_limits<double>::quiet_NaN()}, "privacy.rho"},
      {{.rho = 1, .delta = 1}, "privacy.delta must be a number in (0, 1)"},
      {{.rho = 1, .max_cells_per_user = 0}, "bounds.max_cells_per_user must be an integer in [1, 1000000]"},
  };
  for (const Case& c : cases) {
    auto query = AttachPrivacy(CategoryQuery({Metric::kVisits}), c.options);
    ASSERT_FALSE(query.ok()) << c.message;
    EXPECT_EQ(query.status().code(), Code::kBadInput) << query.status().ToString();
    EXPECT_NE(query.status().ToString().find("--dp-rho"), std::string::npos) << query.status().ToString();
    EXPECT_NE(query.status().ToString().find(c.message), std::string::npos) << query.status().ToString();
  }
  Query already = CategoryQuery({Metric::kVisits});
  already.privacy = PrivacySpec{.rho = 1, .delta = 1e-6};
  EXPECT_EQ(AttachPrivacy(already, {.rho = 1}).status().code(), Code::kUsage);
}

}  // namespace
}  // namespace mpcstats::core
