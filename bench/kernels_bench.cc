// Throughput of the protocol's inner kernels, in bytes of ring elements (8 per value), next to a
// plain memcpy of the same size as the machine's reference:
//   - SplitIntoShares: n = 3 shares of 1 M values with SecureRandom (2 PRG fills + 2 subtractions);
//     bytes = the secret's size.
//   - AesCtrPrg::Fill: 1 M values of AES-128-CTR keystream (the seeded protocol's expansion).
//   - AddInto: 1 M values (a share added into the partial sum); bytes = one operand.
//   - AppendFrame / ParseEnvelope: one PartialSum chunk of 128 Ki packed fixed64 (1 MiB, as on the wire).
//   - memcpy of 8 MiB (the 1 M-value kernels) and 1 MiB (the frame kernels).
// Run: build-bench/bench/kernels_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "common/core/party_protocol.h"
#include "common/core/secure_random.h"
#include "common/core/sharing.h"

namespace mpcstats::core {
namespace {

constexpr size_t kValues = 1u << 20;                // 1 M ring elements = 8 MiB
constexpr size_t kChunkValues = kDefaultChunkValues;  // 128 Ki ring elements = 1 MiB, one frame

std::vector<uint64_t> Iota(size_t n) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), uint64_t{0x9e3779b97f4a7c15});
  return v;
}

void SetBytes(benchmark::State& state, size_t bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes_per_iteration) * state.iterations());
}

void BM_SplitIntoShares(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<uint64_t> secret = Iota(kValues);
  SecureRandom rng;
  for (auto _ : state) {
    std::vector<ShareVector> shares = SplitIntoShares(secret, n, rng);
    benchmark::DoNotOptimize(shares.back().data());
  }
  SetBytes(state, kValues * sizeof(uint64_t));
}
BENCHMARK(BM_SplitIntoShares)->Arg(3)->Unit(benchmark::kMillisecond);

void BM_AesCtrPrgFill(benchmark::State& state) {
  AesCtrPrg prg(NewRandomKey());
  std::vector<uint64_t> out(kValues);
  for (auto _ : state) {
    prg.Fill(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state, kValues * sizeof(uint64_t));
}
BENCHMARK(BM_AesCtrPrgFill)->Unit(benchmark::kMillisecond);

void BM_AddInto(benchmark::State& state) {
  std::vector<uint64_t> acc = Iota(kValues);
  const std::vector<uint64_t> v = Iota(kValues);
  for (auto _ : state) {
    AddInto(acc, v);
    benchmark::DoNotOptimize(acc.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state, kValues * sizeof(uint64_t));
}
BENCHMARK(BM_AddInto)->Unit(benchmark::kMillisecond);

void BM_Memcpy(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> src(bytes, 0x5a);
  std::vector<uint8_t> dst(bytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state, bytes);
}
BENCHMARK(BM_Memcpy)->Arg(kValues * sizeof(uint64_t))->Arg(kChunkValues * sizeof(uint64_t))->Unit(benchmark::kMicrosecond);

// A PartialSum frame as a party sends it: 128 Ki values, run id and sender filled in.
wire::Envelope PartialSumEnvelope() {
  wire::Envelope message = MakeEnvelope("0123456789abcdef0123456789abcdef", "party1");
  message.set_seq(7);
  wire::PartialSum* sum = message.mutable_partial_sum();
  sum->set_offset(3 * kChunkValues);
  sum->mutable_values()->Resize(static_cast<int>(kChunkValues), 0);
  const std::vector<uint64_t> values = Iota(kChunkValues);
  std::copy(values.begin(), values.end(), sum->mutable_values()->mutable_data());
  return message;
}

void BM_AppendFrame(benchmark::State& state) {
  const wire::Envelope message = PartialSumEnvelope();
  std::string frame;
  for (auto _ : state) {
    frame.clear();  // keeps capacity, as a reused send buffer would
    if (Status s = AppendFrame(message, kDefaultMaxFrameBytes, &frame); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(frame.data());
  }
  SetBytes(state, kChunkValues * sizeof(uint64_t));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}
BENCHMARK(BM_AppendFrame)->Unit(benchmark::kMicrosecond);

// What Channel::Send does per frame: a fresh std::string, so the allocation (and page faults of a
// fresh 1 MiB buffer) are included.
void BM_AppendFrameFresh(benchmark::State& state) {
  const wire::Envelope message = PartialSumEnvelope();
  for (auto _ : state) {
    std::string frame;
    if (Status s = AppendFrame(message, kDefaultMaxFrameBytes, &frame); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(frame.data());
  }
  SetBytes(state, kChunkValues * sizeof(uint64_t));
}
BENCHMARK(BM_AppendFrameFresh)->Unit(benchmark::kMicrosecond);

void BM_ParseEnvelope(benchmark::State& state) {
  std::string frame;
  if (Status s = AppendFrame(PartialSumEnvelope(), kDefaultMaxFrameBytes, &frame); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  const auto* body = reinterpret_cast<const uint8_t*>(frame.data()) + kFrameHeaderBytes;
  const std::span<const uint8_t> span(body, frame.size() - kFrameHeaderBytes);
  for (auto _ : state) {
    StatusOr<wire::Envelope> message = ParseEnvelope(span);
    if (!message.ok()) {
      state.SkipWithError(message.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(message->partial_sum().values().data());
  }
  SetBytes(state, kChunkValues * sizeof(uint64_t));
}
BENCHMARK(BM_ParseEnvelope)->Unit(benchmark::kMicrosecond);

// The seeded party's per-chunk work in MakePartialSumChunk for N = 3: copy, 2 PRG fills, 2
// subtract/add passes over one 1 MiB chunk. Bytes = the chunk.
void BM_SeededPartialSumChunk(benchmark::State& state) {
  AesCtrPrg a(NewRandomKey()), b(NewRandomKey());
  const std::vector<uint64_t> input = Iota(kChunkValues);
  std::vector<uint64_t> out(kChunkValues), stream(kChunkValues);
  for (auto _ : state) {
    std::copy(input.begin(), input.end(), out.begin());
    a.Fill(stream);
    SubtractFrom(out, stream);
    b.Fill(stream);
    AddInto(out, stream);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetBytes(state, kChunkValues * sizeof(uint64_t));
}
BENCHMARK(BM_SeededPartialSumChunk)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mpcstats::core
