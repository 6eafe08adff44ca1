#include "common/core/secagg_masking.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <thread>

namespace mpcstats::core {

namespace {

// Below this many values per thread, starting a thread costs more than it saves.
constexpr size_t kMinValuesPerThread = size_t{1} << 16;

// The stream under `key` from value `position` on (a value is 8 bytes, a CTR block holds two).
std::unique_ptr<AesCtrPrg> PrgAt(const AesKey& key, uint64_t position) {
  auto prg = std::make_unique<AesCtrPrg>(key, position / 2);
  if (position % 2 != 0) {
    uint64_t skipped = 0;
    prg->Fill(std::span<uint64_t>(&skipped, 1));
  }
  return prg;
}

}  // namespace

MaskExpander::MaskExpander(uint32_t chunk_values) : chunk_values_(std::max<uint32_t>(chunk_values, 1)) {}
MaskExpander::~MaskExpander() {
  for (auto& stream : streams_) OPENSSL_cleanse(stream.key.data(), stream.key.size());
}
MaskExpander::MaskExpander(MaskExpander&&) noexcept = default;
MaskExpander& MaskExpander::operator=(MaskExpander&&) noexcept = default;

void MaskExpander::AddStream(const AesKey& key, int sign) {
  streams_.push_back(Stream{key, PrgAt(key, position_), sign > 0});
}

void MaskExpander::ApplyStreams(std::vector<Stream>& streams, std::span<uint64_t> values, size_t chunk_values,
                                std::vector<uint64_t>& buffer) {
  if (buffer.size() < std::min(values.size(), chunk_values)) buffer.resize(std::min(values.size(), chunk_values));
  while (!values.empty()) {
    const size_t n = std::min(values.size(), buffer.size());
    const std::span<uint64_t> piece = values.first(n);
    const std::span<uint64_t> mask(buffer.data(), n);
    for (auto& stream : streams) {
      stream.prg->Fill(mask);
      if (stream.add) {
        for (size_t k = 0; k < n; ++k) piece[k] += mask[k];
      } else {
        for (size_t k = 0; k < n; ++k) piece[k] -= mask[k];
      }
    }
    values = values.subspan(n);
  }
}

void MaskExpander::Apply(std::span<uint64_t> values) {
  ApplyStreams(streams_, values, chunk_values_, buffer_);
  position_ += values.size();
}

void MaskExpander::ApplyInParallel(std::span<uint64_t> values, unsigned threads) {
  const size_t parts = std::clamp<size_t>(values.size() / kMinValuesPerThread, 1, std::max(threads, 1u));
  if (parts == 1) return Apply(values);
  // Even part sizes (PrgAt handles any offset, odd ones by skipping half a block).
  const size_t part = (values.size() / parts + 1) & ~size_t{1};
  std::vector<std::thread> workers;
  workers.reserve(parts - 1);
  for (size_t p = 1; p < parts; ++p) {
    const size_t begin = std::min(values.size(), p * part);
    const size_t end = p + 1 == parts ? values.size() : std::min(values.size(), begin + part);
    std::vector<Stream> own;
    own.reserve(streams_.size());
    for (const auto& stream : streams_) own.push_back(Stream{{}, PrgAt(stream.key, position_ + begin), stream.add});
    workers.emplace_back([own = std::move(own), range = values.subspan(begin, end - begin),
                          chunk = chunk_values_]() mutable {
      std::vector<uint64_t> buffer;
      ApplyStreams(own, range, chunk, buffer);
    });
  }
  // The calling thread takes the first part with the expander's own streams, then moves them on.
  ApplyStreams(streams_, values.first(std::min(values.size(), part)), chunk_values_, buffer_);
  for (auto& worker : workers) worker.join();
  position_ += values.size();
  for (auto& stream : streams_) stream.prg = PrgAt(stream.key, position_);
}

StatusOr<MaskExpander> PartyMasks(std::string_view run_id, std::string_view self_id, size_t self_index,
                                  std::span<const uint8_t> self_mask_seed, const X25519Key& mask_private_key,
                                  std::span<const MaskPeer> peers, uint32_t chunk_values) {
  MaskExpander masks(chunk_values);
  auto self_key = DeriveSelfMaskKey(self_mask_seed, run_id, self_id);
  if (!self_key.ok()) return self_key.status();
  masks.AddStream(*self_key, +1);
  auto agreement = X25519Agreement::FromPrivateKey(mask_private_key);
  if (!agreement.ok()) return agreement.status();
  for (const auto& peer : peers) {
    if (peer.index == self_index) continue;
    auto shared = agreement->Agree(peer.mask_public_key);
    if (!shared.ok()) return Status(shared.status().code(), peer.id + ": " + shared.status().message());
    auto key = DeriveMaskKey(*shared, run_id, self_id, peer.id);
    if (!key.ok()) return key.status();
    masks.AddStream(*key, peer.index > self_index ? +1 : -1);
  }
  return masks;
}

StatusOr<MaskExpander> UnmaskingMasks(std::string_view run_id, std::span<const IncludedSeed> included,
                                      std::span<const MaskPeer> survivors, std::span<const DroppedKey> dropped,
                                      uint32_t chunk_values) {
  MaskExpander masks(chunk_values);
  for (const auto& party : included) {
    auto key = DeriveSelfMaskKey(party.self_mask_seed, run_id, party.id);
    if (!key.ok()) return key.status();
    masks.AddStream(*key, -1);
  }
  for (const auto& d : dropped) {
    auto agreement = X25519Agreement::FromPrivateKey(d.mask_private_key);
    if (!agreement.ok()) return agreement.status();
    for (const auto& survivor : survivors) {
      auto shared = agreement->Agree(survivor.mask_public_key);
      if (!shared.ok()) return Status(shared.status().code(), survivor.id + ": " + shared.status().message());
      auto key = DeriveMaskKey(*shared, run_id, d.id, survivor.id);
      if (!key.ok()) return key.status();
      // The survivor added PRG(s) when d comes after it in the roster, subtracted it otherwise.
      masks.AddStream(*key, d.index > survivor.index ? -1 : +1);
    }
  }
  return masks;
}

}  // namespace mpcstats::core
