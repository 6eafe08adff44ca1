#include "common/core/secagg_masking.h"

#include <algorithm>

namespace mpcstats::core {

MaskExpander::MaskExpander(uint32_t chunk_values) : buffer_(std::max<uint32_t>(chunk_values, 1)) {}
MaskExpander::~MaskExpander() = default;
MaskExpander::MaskExpander(MaskExpander&&) noexcept = default;
MaskExpander& MaskExpander::operator=(MaskExpander&&) noexcept = default;

void MaskExpander::AddStream(const AesKey& key, int sign) {
  streams_.push_back(Stream{std::make_unique<AesCtrPrg>(key), sign > 0});
}

void MaskExpander::Apply(std::span<uint64_t> values) {
  position_ += values.size();
  while (!values.empty()) {
    const size_t n = std::min(values.size(), buffer_.size());
    const std::span<uint64_t> piece = values.first(n);
    const std::span<uint64_t> mask(buffer_.data(), n);
    for (auto& stream : streams_) {
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

StatusOr<MaskExpander> PartyMasks(std::string_view run_id, std::string_view self_id, size_t self_index,
                                  std::span<const uint8_t> self_mask_seed, const X25519Key& mask_private_key,
                                  std::span<const MaskPeer> peers, uint32_t chunk_values) {
  MaskExpander masks(chunk_values);
  auto self_key = DeriveSelfMaskKey(self_mask_seed, run_id, self_id);
  if (!self_key.ok()) return self_key.status();
  masks.AddStream(*self_key, +1);
  for (const auto& peer : peers) {
    if (peer.index == self_index) continue;
    auto shared = X25519Agree(mask_private_key, peer.mask_public_key);
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
    for (const auto& survivor : survivors) {
      auto shared = X25519Agree(d.mask_private_key, survivor.mask_public_key);
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
