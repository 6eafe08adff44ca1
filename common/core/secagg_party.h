// The party's side of secure aggregation (round table in common/core/secagg.h). Calls come in
// round order; a call in the wrong round is kUnexpectedMessage, and a refused message leaves the
// state unchanged (the engine then aborts the run). All randomness (X25519 private keys, the
// self-mask seed, Shamir coefficients, AEAD nonces) comes from the injected RandomSource.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/core/secagg.h"
#include "common/core/secagg_crypto.h"
#include "common/core/secagg_identity.h"
#include "common/core/secagg_masking.h"
#include "common/core/shamir.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

// Size of the plaintext a party seals for a peer: the mask-key share, then the self-mask share.
inline constexpr size_t kSealedSharesBytes = kAeadNonceBytes + 2 * kShamirShareBytes + kAeadTagBytes;

class SecAggParty {
 public:
  // `verifier` and `rng` must outlive the party. kUsage from Create for a bad config or an id not
  // in it.
  static StatusOr<std::unique_ptr<SecAggParty>> Create(SecAggConfig config, std::string self_id,
                                                       PartyCredentials credentials,
                                                       const PeerCertificateVerifier& verifier, RandomSource& rng);

  // AdvertiseKeys: fresh key pairs, signed.
  StatusOr<wire::AdvertiseKeys> MakeAdvertiseKeys();
  // ShareKeys: checks the relayed list (certificates, CNs, signatures, our own entry, >= T) and
  // seals our shares for every other listed party.
  StatusOr<wire::ShareKeysResponse> OnShareKeysRequest(const wire::ShareKeysRequest& request);
  // MaskedInput: opens the shares addressed to us; their senders (and we) are U2.
  Status OnMaskedInputRequest(const wire::MaskedInputRequest& request);
  // The next chunk of the masked input; `input` is the whole input vector (payload and check
  // vector, vector_length values). Chunks come out in order until masked_input_done().
  StatusOr<wire::MaskedInput> MakeMaskedInputChunk(std::span<const uint64_t> input);
  bool masked_input_done() const { return round_ == Round::kAwaitUnmasking; }
  // Unmasking: at most once; refuses (kUnmaskingRefused) a list that names us, repeats an id or
  // names a party outside U2, and any second request.
  StatusOr<wire::UnmaskingResponse> OnUnmaskingRequest(const wire::UnmaskingRequest& request);
  // The published result; must list us as included.
  Status OnResult(const wire::SecAggResult& result);

  const std::string& self_id() const { return self_id_; }
  // U2 in roster order (us included), known after OnMaskedInputRequest.
  const std::vector<std::string>& share_keys_parties() const { return share_keys_parties_; }

 private:
  enum class Round { kAdvertise, kAwaitShareKeys, kAwaitMaskedInputRequest, kMasking, kAwaitUnmasking,
                     kAwaitResult, kDone };
  SecAggParty(SecAggConfig config, std::string self_id, size_t self_index, PartyCredentials credentials,
              const PeerCertificateVerifier& verifier, RandomSource& rng);
  Status WrongRound(std::string_view what) const;
  std::vector<uint8_t> SharesAssociatedData(std::string_view sender, std::string_view recipient) const;

  struct PeerKeys {
    X25519Key mask_public_key{};
    X25519Key encryption_public_key{};
    AeadKey open_key{};  // opens what this peer sealed for us; derived with our sealing key
  };
  struct HeldShares {  // what peer j gave us (or what we kept of our own)
    ShamirShare mask_key;
    ShamirShare self_mask;
  };

  SecAggConfig config_;
  std::string self_id_;
  size_t self_index_;
  PartyCredentials credentials_;
  const PeerCertificateVerifier& verifier_;
  RandomSource& rng_;
  Round round_ = Round::kAdvertise;

  X25519KeyPair mask_keys_;
  X25519KeyPair encryption_keys_;
  ShamirSecret self_mask_seed_{};
  std::map<size_t, PeerKeys> advertised_;  // U1 by roster index
  std::map<size_t, HeldShares> held_;      // U2 by roster index (us included), until we answer
  std::vector<std::string> share_keys_parties_;
  std::optional<MaskExpander> masks_;
  uint64_t next_offset_ = 0;
};

}  // namespace mpcstats::core
