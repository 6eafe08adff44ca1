// The masks of secure aggregation, expanded chunk by chunk so memory stays one vector plus one
// chunk. Party i with roster index idx(i) sends
//   y_i = x_i + PRG(b_i) + sum_{j in U2, idx(j) > idx(i)} PRG(s_ij) - sum_{j in U2, idx(j) < idx(i)} PRG(s_ij)
// (mod 2^64), where U2 is the set of parties that completed ShareKeys and PRG is the AES-128-CTR
// stream (AesCtrPrg, counter 0, little-endian uint64 values) under DeriveSelfMaskKey(b_i) and
// DeriveMaskKey(X25519(s_i, s_j^PK)). Pairwise masks cancel in the sum over U3 (the parties whose
// masked input arrived) except those with dropped parties d in U2 \ U3; the coordinator removes
// those (from d's reconstructed mask private key) and every PRG(b_i), i in U3.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/core/secagg_crypto.h"
#include "common/core/secure_random.h"
#include "common/core/status.h"

namespace mpcstats::core {

// A sum of signed AES-CTR streams, applied to consecutive ranges of one vector in order.
class MaskExpander {
 public:
  explicit MaskExpander(uint32_t chunk_values);
  ~MaskExpander();
  MaskExpander(MaskExpander&&) noexcept;
  MaskExpander& operator=(MaskExpander&&) noexcept;

  // Adds (sign +1) or subtracts (sign -1) the stream under `key` from the next values.
  void AddStream(const AesKey& key, int sign);
  size_t num_streams() const { return streams_.size(); }
  // Applies the next values.size() values of every stream to `values`; ranges come in order.
  // Any length: ranges longer than chunk_values are expanded in pieces through one buffer.
  void Apply(std::span<uint64_t> values);
  // The same result as Apply(values), on up to `threads` threads: the range is cut into
  // contiguous parts and each thread expands every stream from its own offset (AES-CTR seeks).
  // For the coordinator's unmasking, which waits on it after the last masked input.
  void ApplyInParallel(std::span<uint64_t> values, unsigned threads);
  uint64_t position() const { return position_; }

 private:
  struct Stream {
    AesKey key{};
    std::unique_ptr<AesCtrPrg> prg;  // positioned at position_
    bool add = true;
  };
  // `buffer` grows to min(values.size(), chunk_values) on first use: short vectors (the seed
  // workload) never touch a whole chunk's pages.
  static void ApplyStreams(std::vector<Stream>& streams, std::span<uint64_t> values, size_t chunk_values,
                           std::vector<uint64_t>& buffer);
  std::vector<Stream> streams_;
  size_t chunk_values_;
  std::vector<uint64_t> buffer_;
  uint64_t position_ = 0;
};

// One peer of a masking party (roster index and X25519 mask public key).
struct MaskPeer {
  std::string id;
  size_t index = 0;
  X25519Key mask_public_key{};
};

// The party's masks: +PRG(b_i), and one signed stream per peer in U2 (self excluded).
StatusOr<MaskExpander> PartyMasks(std::string_view run_id, std::string_view self_id, size_t self_index,
                                  std::span<const uint8_t> self_mask_seed, const X25519Key& mask_private_key,
                                  std::span<const MaskPeer> peers, uint32_t chunk_values);

// The coordinator's unmasking of sum_{i in U3} y_i: -PRG(b_i) for every included party, and for
// every dropped party d the opposite of the pairwise masks the survivors applied for d.
struct IncludedSeed {
  std::string id;
  std::vector<uint8_t> self_mask_seed;  // reconstructed b_i
};
struct DroppedKey {
  std::string id;
  size_t index = 0;
  X25519Key mask_private_key{};  // reconstructed s_d
};
StatusOr<MaskExpander> UnmaskingMasks(std::string_view run_id, std::span<const IncludedSeed> included,
                                      std::span<const MaskPeer> survivors, std::span<const DroppedKey> dropped,
                                      uint32_t chunk_values);

}  // namespace mpcstats::core
