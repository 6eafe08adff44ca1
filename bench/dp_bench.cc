// Samples per second of the exact discrete Gaussian sampler (one core), from the AES-CTR source
// the parties use. The target is at least 1 M samples/s at sigma = 10 and at sigma = 10^4.
#include <benchmark/benchmark.h>

#include "common/core/discrete_gaussian.h"
#include "common/core/random_integers.h"
#include "common/core/secure_random.h"

namespace mpcstats::core {
namespace {

void BM_DiscreteGaussian(benchmark::State& state) {
  const auto sigma = static_cast<uint64_t>(state.range(0));
  auto gaussian = DiscreteGaussian::Make(sigma * sigma, 1);
  if (!gaussian.ok()) {
    state.SkipWithError(gaussian.status().ToString().c_str());
    return;
  }
  SecureRandom source;
  RandomIntegers random(source);
  int64_t sink = 0;
  for (auto _ : state) {
    sink += gaussian->Sample(random);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiscreteGaussian)->Arg(10)->Arg(10'000);

// A non-integer variance (sigma^2 = 10^8 / 3, the per-party share of three parties).
void BM_DiscreteGaussianRational(benchmark::State& state) {
  auto gaussian = DiscreteGaussian::Make(100'000'000, 3);
  SecureRandom source;
  RandomIntegers random(source);
  int64_t sink = 0;
  for (auto _ : state) sink += gaussian->Sample(random);
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiscreteGaussianRational);

}  // namespace
}  // namespace mpcstats::core
