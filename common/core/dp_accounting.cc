#include "common/core/dp_accounting.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/core/visit_table.h"

namespace mpcstats::core {
namespace {

uint128 Gcd(uint128 a, uint128 b) {
  while (b != 0) {
    const uint128 r = a % b;
    a = b;
    b = r;
  }
  return a;
}

Rational Reduced(uint128 num, uint128 den) {
  const uint128 g = Gcd(num, den);
  return g <= 1 ? Rational{num, den} : Rational{num / g, den / g};
}

// Largest sigma^2 the calibration hands to the sampler (its limit is 2^62; one bit of headroom).
constexpr double kMaxPartyVariance = 0x1p61;

// s^2 rounded up to num/den with den a power of two up to 2^32 and num <= 2^62.
StatusOr<DiscreteGaussian> SamplerFor(double variance) {
  int shift = 32;
  while (shift > 0 && std::ldexp(variance, shift) > 0x1p61) --shift;
  const double num = std::ceil(std::ldexp(variance, shift));
  return DiscreteGaussian::Make(static_cast<uint64_t>(std::max(num, 1.0)), uint64_t{1} << shift);
}

}  // namespace

std::string_view DpAggregateName(DpAggregate aggregate) {
  switch (aggregate) {
    case DpAggregate::kVisits:
      return "visits";
    case DpAggregate::kActiveUsers:
      return "active_users";
    case DpAggregate::kSumSquares:
      return "sum_squared_visits_per_user";
    case DpAggregate::kWeekendVisits:
      return "weekend_visits";
    case DpAggregate::kSpend:
      return "spend_sum";
    case DpAggregate::kHistogram:
      return "histogram";
    case DpAggregate::kUserTotal:
      return "total_users";
  }
  return "?";
}

StatusOr<Rational> RationalFromDouble(double value) {
  if (!std::isfinite(value) || value < 0x1p-60) {
    return Status(Code::kInternal, fmt::format("{} has no exact rational in 128 bits here", value));
  }
  int exponent = 0;
  const double fraction = std::frexp(value, &exponent);  // value = fraction * 2^exponent
  const auto mantissa = static_cast<uint128>(std::ldexp(fraction, 53));  // exact: 53 bits
  const int shift = exponent - 53;
  if (shift >= 0) {
    if (shift > 70) return Status(Code::kInternal, fmt::format("{} is too large for a rational", value));
    return Reduced(mantissa << shift, 1);
  }
  return Reduced(mantissa, static_cast<uint128>(1) << -shift);
}

StatusOr<Rational> AddRationals(const Rational& a, const Rational& b) {
  const uint128 g = Gcd(a.den, b.den);
  uint128 den, left, right, num;
  if (__builtin_mul_overflow(a.den / g, b.den, &den) || __builtin_mul_overflow(a.num, b.den / g, &left) ||
      __builtin_mul_overflow(b.num, a.den / g, &right) || __builtin_add_overflow(left, right, &num)) {
    return Status(Code::kInternal, "rational sum does not fit in 128 bits");
  }
  return Reduced(num, den);
}

std::vector<DpAggregate> PlanAggregates(const QueryPlan& plan) {
  std::vector<DpAggregate> out = {DpAggregate::kVisits, DpAggregate::kActiveUsers};
  if (plan.sum_squares_field() != QueryPlan::kAbsent) out.push_back(DpAggregate::kSumSquares);
  if (plan.weekend_field() != QueryPlan::kAbsent) out.push_back(DpAggregate::kWeekendVisits);
  if (plan.spend_field() != QueryPlan::kAbsent) out.push_back(DpAggregate::kSpend);
  if (plan.histogram_field() != QueryPlan::kAbsent) out.push_back(DpAggregate::kHistogram);
  out.push_back(DpAggregate::kUserTotal);
  return out;
}

DpAggregate AggregateAt(const QueryPlan& plan, size_t index) {
  if (index >= plan.users_index()) return DpAggregate::kUserTotal;
  const size_t field = index % plan.fields_per_cell();
  if (field == QueryPlan::kVisitsField) return DpAggregate::kVisits;
  if (field == QueryPlan::kActiveUsersField) return DpAggregate::kActiveUsers;
  if (field == plan.sum_squares_field()) return DpAggregate::kSumSquares;
  if (field == plan.weekend_field()) return DpAggregate::kWeekendVisits;
  if (field == plan.spend_field()) return DpAggregate::kSpend;
  return DpAggregate::kHistogram;  // the remaining fields are the buckets
}

size_t AggregateDimension(const QueryPlan& plan, DpAggregate aggregate) {
  switch (aggregate) {
    case DpAggregate::kUserTotal:
      return 1;
    case DpAggregate::kHistogram:
      return plan.num_cells() * plan.histogram_buckets();
    default:
      return plan.num_cells();
  }
}

uint128 SensitivitySquared(const QueryPlan& plan, DpAggregate aggregate, uint64_t spend_granularity) {
  const Query& query = plan.query();
  if (!query.bounds) return 0;
  // A user cannot touch more cells than the plan has.
  const uint128 cells = std::min<uint128>(query.bounds->max_cells_per_user, plan.num_cells());
  const uint128 v = query.bounds->max_visits_per_user_per_cell;
  const uint64_t g = std::max<uint64_t>(spend_granularity, 1);
  const auto units = static_cast<uint64_t>(query.bounds->max_spend_per_visit_units);
  const auto s = static_cast<uint128>(units / g + (units % g != 0 ? 1 : 0));
  switch (aggregate) {
    case DpAggregate::kVisits:
    case DpAggregate::kWeekendVisits:
      return v * v * cells;
    case DpAggregate::kActiveUsers:
    case DpAggregate::kHistogram:
      return cells;
    case DpAggregate::kSumSquares:
      return v * v * v * v * cells;
    case DpAggregate::kSpend:
      return v * v * s * s * cells;  // <= 10^12 * 10^20 * 10^6 < 2^128 under the query's limits
    case DpAggregate::kUserTotal:
      return 1;
  }
  return 0;
}

StatusOr<std::vector<Rational>> RhoShares(const QueryPlan& plan) {
  if (!plan.query().privacy) return Status(Code::kInternal, "rho shares of an exact query");
  auto rho = RationalFromDouble(plan.query().privacy->rho);
  if (!rho.ok()) return rho.status();
  const size_t k = PlanAggregates(plan).size();
  uint128 den;
  if (__builtin_mul_overflow(rho->den, static_cast<uint128>(k), &den)) {
    return Status(Code::kInternal, "rho share does not fit in 128 bits");
  }
  return std::vector<Rational>(k, Reduced(rho->num, den));
}

double DistributedGaussianRho(double delta_squared, double party_variance, uint64_t n, size_t d) {
  const double pi2 = std::numbers::pi * std::numbers::pi;
  double tau = 0;
  for (uint64_t k = 1; k < n; ++k) {
    tau += std::exp(-2 * pi2 * party_variance * static_cast<double>(k) / static_cast<double>(k + 1));
  }
  tau *= 10;
  const double ratio = delta_squared / (static_cast<double>(n) * party_variance);
  const double eps = std::min(std::sqrt(ratio + tau * static_cast<double>(d) / 2),
                              std::sqrt(ratio) + tau * std::sqrt(static_cast<double>(d)));
  return eps * eps / 2;
}

double EpsilonFromRho(double rho, double delta) {
  const double log_inv_delta = std::log(1 / delta);
  const auto eps = [&](double a) {
    return a * rho + (log_inv_delta + (a - 1) * std::log1p(-1 / a) - std::log(a)) / (a - 1);
  };
  // Coarse grid over a - 1 in [1e-6, 1e6] (log scale), then golden-section refinement around
  // the best point; the function is smooth and unimodal in a.
  double best_x = -6, best = eps(1 + 1e-6);
  for (double x = -6; x <= 6; x += 0.01) {
    const double e = eps(1 + std::pow(10, x));
    if (e < best) best = e, best_x = x;
  }
  double lo = best_x - 0.01, hi = best_x + 0.01;
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 60; ++i) {
    const double m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
    if (eps(1 + std::pow(10, m1)) < eps(1 + std::pow(10, m2))) {
      hi = m2;
    } else {
      lo = m1;
    }
  }
  best = std::min(best, eps(1 + std::pow(10, (lo + hi) / 2)));
  return std::max(best, 0.0);
}

StatusOr<uint64_t> NoiseParties(const Roster& roster, uint64_t guaranteed) {
  uint64_t colluding = 0;
  std::string_view who;
  for (const PartyEntry& party : roster.parties) {
    if (who.empty() || party.policy.dp_max_colluding > colluding) {
      colluding = party.policy.dp_max_colluding;
      who = party.id;
    }
  }
  if (colluding >= guaranteed) {
    return Status(Code::kPolicyRefused,
                  fmt::format("{} assumes up to {} colluding parties (dp_max_colluding) but only {} are "
                              "guaranteed to be included: no party's noise would be enough (h < 1)",
                              who, colluding, guaranteed));
  }
  return guaranteed - colluding;
}

const AggregateCalibration& DpCalibration::For(DpAggregate aggregate) const {
  for (const AggregateCalibration& a : aggregates) {
    if (a.aggregate == aggregate) return a;
  }
  return aggregates.back();  // callers ask only for aggregates of the plan; the user total is last
}

nlohmann::json DpCalibration::ToJson(const Query& query) const {
  nlohmann::json sigma = nlohmann::json::object();
  nlohmann::json rho_split = nlohmann::json::object();
  for (const AggregateCalibration& a : aggregates) {
    sigma[std::string(DpAggregateName(a.aggregate))] = a.sum_sd;
    rho_split[std::string(DpAggregateName(a.aggregate))] = a.rho_share.ToDouble();
  }
  nlohmann::json out = {{"rho", rho},          {"epsilon", epsilon},   {"delta", delta},
                        {"h", h},              {"rho_accounted", rho_accounted},
                        {"guaranteed_parties", guaranteed_parties},
                        {"sigma", sigma},      {"rho_split", rho_split}};
  const nlohmann::json canonical = QueryToJson(query);
  if (canonical.contains("bounds")) out["bounds"] = canonical["bounds"];
  if (spend_granularity > 1) out["spend_granularity"] = static_cast<double>(spend_granularity) / kSpendScale;
  return out;
}

StatusOr<DpCalibration> CalibrateDp(const QueryPlan& plan, uint64_t h, uint64_t num_parties) {
  const Query& query = plan.query();
  if (!query.privacy || !query.bounds) return Status(Code::kBadInput, "query: not a private query");
  if (h < 1 || h > num_parties) return Status(Code::kInternal, fmt::format("h = {} of {} parties", h, num_parties));
  auto shares = RhoShares(plan);
  if (!shares.ok()) return shares.status();
  DpCalibration out;
  out.rho = query.privacy->rho;
  out.delta = query.privacy->delta;
  out.h = h;
  out.num_parties = num_parties;
  const std::vector<DpAggregate> aggregates = PlanAggregates(plan);
  for (size_t i = 0; i < aggregates.size(); ++i) {
    const DpAggregate aggregate = aggregates[i];
    uint64_t scale = 1;
    if (aggregate == DpAggregate::kSpend) {
      const double sigma = std::sqrt(static_cast<double>(SensitivitySquared(plan, aggregate)) /
                                     (2 * (*shares)[i].ToDouble() * static_cast<double>(h)));
      while (scale < uint64_t{1'000'000'000'000} && static_cast<double>(scale) * 10 <= sigma / 0x1p20) scale *= 10;
      out.spend_granularity = scale;
    }
    const uint128 delta_squared = SensitivitySquared(plan, aggregate, scale);
    const auto delta2 = static_cast<double>(delta_squared);
    const size_t d = AggregateDimension(plan, aggregate);
    // Slightly below the exact share, so the double rounding of the share cannot overspend it.
    const double target = (*shares)[i].ToDouble() * (1 - 1e-12);
    double variance = std::max(delta2 / (2 * target * static_cast<double>(h)), 0.25);
    for (int attempt = 0;; ++attempt) {
      if (variance > kMaxPartyVariance || attempt > 1000) {
        return Status(Code::kBadInput,
                      fmt::format("query: the noise for {} would need sigma = {:.3g} per party, more than the "
                                  "sampler's 2^30.5: raise privacy.rho or lower the bounds",
                                  DpAggregateName(aggregate), std::sqrt(variance)));
      }
      auto noise = SamplerFor(variance);
      if (!noise.ok()) return noise.status();
      const double used = noise->sigma_squared();
      double worst = 0;
      for (uint64_t n = h; n <= num_parties; ++n) worst = std::max(worst, DistributedGaussianRho(delta2, used, n, d));
      if (worst <= target) {
        out.aggregates.push_back(AggregateCalibration{.aggregate = aggregate,
                                                      .dimension = d,
                                                      .sensitivity_squared = delta_squared,
                                                      .rho_share = (*shares)[i],
                                                      .noise = *noise,
                                                      .scale = scale,
                                                      .party_variance = used,
                                                      .sum_sd = static_cast<double>(scale) * std::sqrt(used * static_cast<double>(num_parties)),
                                                      .rho_accounted = worst});
        out.rho_accounted += worst;
        break;
      }
      variance = used * std::max(1 + 1e-9, worst / target);
    }
  }
  out.epsilon = EpsilonFromRho(out.rho, out.delta);
  return out;
}

}  // namespace mpcstats::core
