// Calibration of a private query: how its zCDP budget rho is split across the aggregates the
// plan sends, the L2 sensitivity of each under the contribution bounds, and the discrete Gaussian
// each party adds so that the sum of the honest parties' noise pays for it.
//
// Privacy unit: one user of one party (add or remove all of that user's visits). After bounding
// (contribution_bounds.h) such a user touches at most C = min(max_cells_per_user, cells) cells,
// with at most V = max_visits_per_user_per_cell visits and at most V * S spend (S =
// max_spend_per_visit in fixed point) in each, so the L2 sensitivity of each aggregate, over all
// cells at once, is
//   visits        V * sqrt(C)          active users   sqrt(C) (0 or 1 per cell)
//   sum of count^2  V^2 * sqrt(C)      weekend visits V * sqrt(C)
//   spend sum     V * S * sqrt(C)      histogram      sqrt(C) (one bucket per cell)
//   user total    1
//
// Budget split: rho is divided equally among the aggregates the plan sends (the user total is
// always sent), rho_k = rho / K, as exact rationals (RhoShares sums them back to rho exactly).
// zCDP composes by addition, so the query costs sum_k rho_k = rho.
//
// Noise: each party adds N_Z(0, s_k^2) per value of aggregate k. At least h parties' noise is
// unknown to any coalition a party's policy admits (h = guaranteed parties - the largest
// dp_max_colluding), and the sum of n >= h independent N_Z(0, s^2) is close to, not exactly,
// N_Z(0, n s^2). Its privacy is accounted with Kairouz, Liu and Steinke, "The Distributed Discrete
// Gaussian Mechanism for Federated Learning with Secure Aggregation" (ICML 2021), Theorem 1: for
// s >= 1/2 the sum is (eps^2/2)-zCDP for a d-dimensional query of L2 sensitivity Delta, with
//   eps = min( sqrt(Delta^2 / (n s^2) + tau d / 2),  Delta / (sqrt(n) s) + tau sqrt(d) ),
//   tau = 10 * sum_{k=1}^{n-1} exp(-2 pi^2 s^2 k / (k+1)).
// s_k^2 starts at Delta_k^2 / (2 rho_k h) (the continuous Gaussian's calibration) and is raised
// until this bound is at most rho_k for every n from h to the number of parties (more parties
// than h only add noise, but tau grows with n, so every n is checked). s_k^2 is then rounded up
// to the rational the sampler takes. Floating point is used here, in the calibration, never in
// the sampler.
//
// epsilon at the query's delta: the tight conversion of Canonne, Kamath and Steinke (NeurIPS
// 2020, Corollary 13), eps = inf_{a > 1} a rho + (log(1/delta) + (a-1) log(1 - 1/a) - log a)/(a-1),
// never larger than the usual rho + 2 sqrt(rho log(1/delta)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/core/discrete_gaussian.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/status.h"

namespace mpcstats::core {

enum class DpAggregate { kVisits, kActiveUsers, kSumSquares, kWeekendVisits, kSpend, kHistogram, kUserTotal };
std::string_view DpAggregateName(DpAggregate aggregate);

// An exact non-negative rational, kept reduced.
struct Rational {
  uint128 num = 0;
  uint128 den = 1;
  bool operator==(const Rational&) const = default;
  double ToDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
};
// The exact value of a finite double >= 2^-60 (every double is m * 2^e); kInternal otherwise.
StatusOr<Rational> RationalFromDouble(double value);
// a + b; kInternal if the result does not fit in 128 bits.
StatusOr<Rational> AddRationals(const Rational& a, const Rational& b);

// The aggregates a plan sends, in the order of its payload's fields (user total last).
std::vector<DpAggregate> PlanAggregates(const QueryPlan& plan);
// Aggregate of the payload value at `index`.
DpAggregate AggregateAt(const QueryPlan& plan, size_t index);
// Number of payload values of an aggregate (its dimension d).
size_t AggregateDimension(const QueryPlan& plan, DpAggregate aggregate);
// Delta^2 of the aggregate under the query's bounds (exact integer), the spend sum counted in
// units of `spend_granularity` fixed-point units (see DpCalibration::spend_granularity).
uint128 SensitivitySquared(const QueryPlan& plan, DpAggregate aggregate, uint64_t spend_granularity = 1);
// rho split equally across PlanAggregates(plan): exact rationals summing to rho.
StatusOr<std::vector<Rational>> RhoShares(const QueryPlan& plan);

// Kairouz-Liu-Steinke: the zCDP rho of the sum of n parties' N_Z(0, s^2) noise on a d-dimensional
// aggregate of squared L2 sensitivity delta_squared (formula above; n >= 1, s^2 >= 1/4).
double DistributedGaussianRho(double delta_squared, double party_variance, uint64_t n, size_t d);
// Canonne-Kamath-Steinke's tight epsilon of rho-zCDP at delta (0 < delta < 1).
double EpsilonFromRho(double rho, double delta);

// h for a run of the roster's parties of which `guaranteed` are sure to be included: guaranteed
// minus the largest dp_max_colluding. kPolicyRefused when h < 1, naming the party whose
// assumption makes it so.
StatusOr<uint64_t> NoiseParties(const Roster& roster, uint64_t guaranteed);

struct AggregateCalibration {
  DpAggregate aggregate;
  size_t dimension = 0;
  uint128 sensitivity_squared = 0;
  Rational rho_share;        // this aggregate's exact part of rho
  DiscreteGaussian noise;    // what each party adds: scale * N_Z(0, s^2)
  uint64_t scale = 1;        // spend_granularity for the spend sum, else 1
  double party_variance = 0;  // s^2
  double sum_sd = 0;          // in payload units, sd of all num_parties parties' noise, sqrt(n) s: what a published value carries
  double rho_accounted = 0;   // Kairouz-Liu-Steinke's bound, worst n in [h, parties]; <= rho_share
};

struct DpCalibration {
  double rho = 0;
  double delta = 0;
  uint64_t h = 0;            // parties whose noise alone must suffice
  // Parties the calibration assumed sure to be included (h + the largest dp_max_colluding); set
  // by CalibrateRun. A run that includes fewer must not be published (too little noise).
  uint64_t guaranteed_parties = 0;
  uint64_t num_parties = 0;  // the most parties whose noise can be in the sum
  double rho_accounted = 0;  // sum of the aggregates' rho_accounted, <= rho
  double epsilon = 0;        // EpsilonFromRho(rho, delta)
  // Spend noise is drawn in units of G fixed-point units (a power of ten, 1 unless the spend
  // noise would otherwise exceed the sampler's range): each visit's clamped spend is rounded to
  // a multiple of G before aggregating (contribution_bounds.h), so the sum is a multiple of G
  // and G * N_Z(0, s^2) is the discrete Gaussian mechanism on sum / G, of sensitivity
  // V * ceil(S / G) * sqrt(C). G <= sigma / 2^20, so the rounding is far below the noise.
  uint64_t spend_granularity = 1;
  std::vector<AggregateCalibration> aggregates;  // in PlanAggregates order

  const AggregateCalibration& For(DpAggregate aggregate) const;
  // run.json's "privacy": rho, epsilon, delta, h, bounds, and sigma per aggregate.
  nlohmann::json ToJson(const Query& query) const;
};

// kBadInput when the query has no privacy block, or when a party's noise would be too large for
// the sampler (sigma^2 above 2^61: raise rho or lower the bounds).
StatusOr<DpCalibration> CalibrateDp(const QueryPlan& plan, uint64_t h, uint64_t num_parties);

}  // namespace mpcstats::core
