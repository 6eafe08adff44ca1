// Mask expansion of secure aggregation next to the seeded protocol's PRG expansion, per party and
// for the coordinator, over one vector of M values streamed in kDefaultChunkValues chunks, so the
// lead can predict the target (3 parties, M = 1e7: secagg at most 1.3 x seeded).
//   - BM_SeededParty/N: the seeded party's work per value: N-1 streams subtracted (its shares of
//     its own input) and N-1 streams added (the peers' shares it holds): 2(N-1) AES-CTR streams.
//   - BM_SecAggParty/N: y = x + PRG(b) +- N-1 pairwise streams (PartyMasks), chunk by chunk into
//     the MaskedInput message, as SecAggParty::MakeMaskedInputChunk does: N streams.
//   - BM_SeededCoordinator/N: the sum of N partial sums.
//   - BM_SecAggCoordinator/N/D: the sum of N - D masked inputs, then UnmaskingMasks: N - D self
//     masks and D x (N - D) pairwise masks of dropped parties.
// bytes = M x 8 (one vector) per iteration, so GiB/s compare directly.
// Run: build-bench/bench/secagg_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "common/core/party_protocol.h"
#include "common/core/secagg_masking.h"
#include "common/core/secure_random.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {
namespace {

constexpr size_t kValues = 1u << 22;  // 4 Mi values = 32 MiB: well past the caches, like M = 1e7
constexpr uint32_t kChunk = kDefaultChunkValues;

std::vector<uint64_t> Iota(size_t n) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), uint64_t{0x9e3779b97f4a7c15});
  return v;
}

void SetBytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(kValues * sizeof(uint64_t)) * state.iterations());
}

std::vector<MaskPeer> Peers(size_t n, SecureRandom& rng) {
  std::vector<MaskPeer> peers;
  for (size_t j = 1; j < n; ++j) {
    auto pair = NewX25519KeyPair(rng);
    peers.push_back(MaskPeer{"party" + std::to_string(j + 1), j, pair->public_key});
  }
  return peers;
}

void BM_SeededParty(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint64_t> partial = Iota(kValues);
  std::vector<uint64_t> stream(kChunk);
  for (auto _ : state) {
    std::vector<std::unique_ptr<AesCtrPrg>> subtract, add;
    for (size_t j = 1; j < n; ++j) {
      subtract.push_back(std::make_unique<AesCtrPrg>(NewRandomKey()));
      add.push_back(std::make_unique<AesCtrPrg>(NewRandomKey()));
    }
    for (size_t offset = 0; offset < kValues; offset += kChunk) {
      std::span<uint64_t> range(partial.data() + offset, std::min<size_t>(kChunk, kValues - offset));
      const std::span<uint64_t> s(stream.data(), range.size());
      for (auto& prg : subtract) {
        prg->Fill(s);
        for (size_t k = 0; k < range.size(); ++k) range[k] -= s[k];
      }
      for (auto& prg : add) {
        prg->Fill(s);
        for (size_t k = 0; k < range.size(); ++k) range[k] += s[k];
      }
    }
    benchmark::DoNotOptimize(partial.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state);
}
BENCHMARK(BM_SeededParty)->Arg(3)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_SecAggParty(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SecureRandom rng;
  const std::vector<uint64_t> input = Iota(kValues);
  const auto peers = Peers(n, rng);
  auto own = NewX25519KeyPair(rng);
  std::vector<uint8_t> seed(32, 7);
  for (auto _ : state) {
    auto masks = PartyMasks("run", "party1", 0, seed, own->private_key, peers, kChunk);
    for (size_t offset = 0; offset < kValues; offset += kChunk) {
      const size_t count = std::min<size_t>(kChunk, kValues - offset);
      wire::MaskedInput chunk;
      chunk.set_offset(offset);
      chunk.mutable_values()->Add(input.begin() + offset, input.begin() + offset + count);
      masks->Apply(std::span<uint64_t>(chunk.mutable_values()->mutable_data(), count));
      benchmark::DoNotOptimize(chunk.values().data());
    }
  }
  SetBytes(state);
}
BENCHMARK(BM_SecAggParty)->Arg(3)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_SeededCoordinator(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<uint64_t> chunk = Iota(kChunk);
  std::vector<uint64_t> totals(kValues);
  for (auto _ : state) {
    std::fill(totals.begin(), totals.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t offset = 0; offset < kValues; offset += kChunk) {
        for (size_t k = 0; k < kChunk && offset + k < kValues; ++k) totals[offset + k] += chunk[k];
      }
    }
    benchmark::DoNotOptimize(totals.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state);
}
BENCHMARK(BM_SeededCoordinator)->Arg(3)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_SecAggCoordinator(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const size_t dropped_count = static_cast<size_t>(state.range(1));
  SecureRandom rng;
  const std::vector<uint64_t> chunk = Iota(kChunk);
  std::vector<uint64_t> sum(kValues);
  std::vector<IncludedSeed> included;
  std::vector<MaskPeer> survivors;
  std::vector<DroppedKey> dropped;
  for (size_t i = 0; i < n; ++i) {
    auto pair = NewX25519KeyPair(rng);
    const std::string id = "party" + std::to_string(i + 1);
    if (i < n - dropped_count) {
      included.push_back(IncludedSeed{id, std::vector<uint8_t>(32, static_cast<uint8_t>(i))});
      survivors.push_back(MaskPeer{id, i, pair->public_key});
    } else {
      dropped.push_back(DroppedKey{id, i, pair->private_key});
    }
  }
  for (auto _ : state) {
    std::fill(sum.begin(), sum.end(), 0);
    for (size_t i = 0; i < survivors.size(); ++i) {
      for (size_t offset = 0; offset < kValues; offset += kChunk) {
        for (size_t k = 0; k < kChunk && offset + k < kValues; ++k) sum[offset + k] += chunk[k];
      }
    }
    auto masks = UnmaskingMasks("run", included, survivors, dropped, kChunk);
    masks->Apply(sum);
    benchmark::DoNotOptimize(sum.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state);
}
BENCHMARK(BM_SecAggCoordinator)->Args({3, 0})->Args({10, 0})->Args({10, 2})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mpcstats::core
