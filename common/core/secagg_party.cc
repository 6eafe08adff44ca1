#include "common/core/secagg_party.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <set>

namespace mpcstats::core {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::string ToString(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

int IndexOf(const std::vector<std::string>& ids, std::string_view id) {
  const auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? -1 : static_cast<int>(it - ids.begin());
}

}  // namespace

StatusOr<std::unique_ptr<SecAggParty>> SecAggParty::Create(SecAggConfig config, std::string self_id,
                                                           PartyCredentials credentials,
                                                           const PeerCertificateVerifier& verifier,
                                                           RandomSource& rng) {
  if (Status s = ValidateSecAggConfig(config); !s.ok()) return s;
  const int index = IndexOf(config.party_ids, self_id);
  if (index < 0) return Status(Code::kUsage, self_id + " is not a party of this run");
  if (!credentials.private_key) return Status(Code::kUsage, self_id + ": no certificate key");
  return std::unique_ptr<SecAggParty>(new SecAggParty(std::move(config), std::move(self_id), static_cast<size_t>(index),
                                                      std::move(credentials), verifier, rng));
}

SecAggParty::SecAggParty(SecAggConfig config, std::string self_id, size_t self_index, PartyCredentials credentials,
                         const PeerCertificateVerifier& verifier, RandomSource& rng)
    : config_(std::move(config)),
      self_id_(std::move(self_id)),
      self_index_(self_index),
      credentials_(std::move(credentials)),
      verifier_(verifier),
      rng_(rng) {}

Status SecAggParty::WrongRound(std::string_view what) const {
  return Status(Code::kUnexpectedMessage, self_id_ + ": " + std::string(what) + " is not allowed now");
}

std::vector<uint8_t> SecAggParty::SharesAssociatedData(std::string_view sender, std::string_view recipient) const {
  return BindingInfo("mpcstats secagg shares", {config_.run_id, sender, recipient});
}

StatusOr<wire::AdvertiseKeys> SecAggParty::MakeAdvertiseKeys() {
  if (round_ != Round::kAdvertise) return WrongRound("AdvertiseKeys");
  auto mask = NewX25519KeyPair(rng_);
  if (!mask.ok()) return mask.status();
  auto encryption = NewX25519KeyPair(rng_);
  if (!encryption.ok()) return encryption.status();
  auto signature = SignSha256(credentials_.private_key.get(),
                              SignedKeysMessage(config_.run_id, self_id_, mask->public_key, encryption->public_key));
  if (!signature.ok()) return signature.status();
  wire::AdvertiseKeys out;
  out.set_mask_public_key(ToString(mask->public_key));
  out.set_encryption_public_key(ToString(encryption->public_key));
  out.set_signature(ToString(*signature));
  out.set_certificate(ToString(credentials_.certificate_der));
  mask_keys_ = *mask;
  encryption_keys_ = *encryption;
  FillRandomBytes(rng_, self_mask_seed_);
  round_ = Round::kAwaitShareKeys;
  return out;
}

StatusOr<wire::ShareKeysResponse> SecAggParty::OnShareKeysRequest(const wire::ShareKeysRequest& request) {
  if (round_ != Round::kAwaitShareKeys) return WrongRound("ShareKeysRequest");
  const size_t n = config_.party_ids.size();
  if (static_cast<size_t>(request.parties_size()) > n) {
    return Status(Code::kBadFrame, "ShareKeysRequest lists more parties than the roster");
  }
  std::map<size_t, PeerKeys> advertised;
  std::vector<bool> present(n, false);
  for (const auto& entry : request.parties()) {
    const std::string& id = entry.party_id();
    const int index = IndexOf(config_.party_ids, id);
    if (index < 0) return Status(Code::kWrongSender, "ShareKeysRequest lists an unknown party");
    if (present[index]) return Status(Code::kDuplicateMessage, "ShareKeysRequest lists " + id + " twice");
    present[index] = true;
    const auto& keys = entry.keys();
    if (keys.mask_public_key().size() != kX25519KeyBytes || keys.encryption_public_key().size() != kX25519KeyBytes ||
        keys.certificate().size() > kMaxCertificateBytes || keys.signature().size() > kMaxSignatureBytes) {
      return Status(Code::kBadFrame, id + ": advertised keys of the wrong size");
    }
    PeerKeys peer;
    std::copy_n(keys.mask_public_key().begin(), kX25519KeyBytes, peer.mask_public_key.begin());
    std::copy_n(keys.encryption_public_key().begin(), kX25519KeyBytes, peer.encryption_public_key.begin());
    if (static_cast<size_t>(index) == self_index_) {
      // Our own entry must be what we sent: a coordinator that swaps it would split the parties.
      if (peer.mask_public_key != mask_keys_.public_key ||
          peer.encryption_public_key != encryption_keys_.public_key) {
        return Status(Code::kIdentityMismatch, self_id_ + ": the relayed list carries other keys for us");
      }
    } else {
      auto public_key = verifier_.Verify(Bytes(keys.certificate()), id);
      if (!public_key.ok()) return public_key.status();
      const Status signature = VerifySha256(
          public_key->get(),
          SignedKeysMessage(config_.run_id, id, peer.mask_public_key, peer.encryption_public_key), Bytes(keys.signature()));
      if (!signature.ok()) return Status(Code::kSignatureInvalid, id + ": advertised keys are not signed by its certificate key");
    }
    advertised[static_cast<size_t>(index)] = peer;
  }
  if (!present[self_index_]) return Status(Code::kIdentityMismatch, self_id_ + ": the relayed list leaves us out");
  if (advertised.size() < config_.threshold) {
    return Status(Code::kNotEnoughParties, std::to_string(advertised.size()) + " parties advertised keys, threshold " +
                                               std::to_string(config_.threshold) + "; missing: " + JoinMissing(config_.party_ids, present));
  }

  ShamirSecret mask_secret;
  std::copy(mask_keys_.private_key.begin(), mask_keys_.private_key.end(), mask_secret.begin());
  auto mask_shares = ShamirSplit(mask_secret, config_.threshold, n, rng_);
  OPENSSL_cleanse(mask_secret.data(), mask_secret.size());
  if (!mask_shares.ok()) return mask_shares.status();
  auto seed_shares = ShamirSplit(self_mask_seed_, config_.threshold, n, rng_);
  if (!seed_shares.ok()) return seed_shares.status();

  auto agreement = X25519Agreement::FromPrivateKey(encryption_keys_.private_key);
  if (!agreement.ok()) return agreement.status();
  wire::ShareKeysResponse response;
  for (auto& [index, peer] : advertised) {
    if (index == self_index_) continue;
    const std::string& id = config_.party_ids[index];
    auto shared = agreement->Agree(peer.encryption_public_key);
    if (!shared.ok()) return Status(shared.status().code(), id + ": " + shared.status().message());
    auto key = DeriveShareKey(*shared, config_.run_id, self_id_, id);
    auto open_key = DeriveShareKey(*shared, config_.run_id, id, self_id_);
    OPENSSL_cleanse(shared->data(), shared->size());
    if (!key.ok()) return key.status();
    if (!open_key.ok()) return open_key.status();
    peer.open_key = *open_key;
    std::array<uint8_t, 2 * kShamirShareBytes> plaintext;
    const auto a = EncodeShamirShare((*mask_shares)[index]);
    const auto b = EncodeShamirShare((*seed_shares)[index]);
    std::copy(a.begin(), a.end(), plaintext.begin());
    std::copy(b.begin(), b.end(), plaintext.begin() + kShamirShareBytes);
    auto sealed = AeadSeal(*key, plaintext, SharesAssociatedData(self_id_, id), rng_);
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    if (!sealed.ok()) return sealed.status();
    auto* entry = response.add_shares();
    entry->set_party_id(id);
    entry->set_sealed(ToString(*sealed));
  }
  advertised_ = std::move(advertised);
  held_.clear();
  held_[self_index_] = HeldShares{(*mask_shares)[self_index_], (*seed_shares)[self_index_]};
  round_ = Round::kAwaitMaskedInputRequest;
  return response;
}

Status SecAggParty::OnMaskedInputRequest(const wire::MaskedInputRequest& request) {
  if (round_ != Round::kAwaitMaskedInputRequest) return WrongRound("MaskedInputRequest");
  std::map<size_t, HeldShares> held;
  held[self_index_] = held_.at(self_index_);
  const uint32_t x = static_cast<uint32_t>(self_index_ + 1);
  for (const auto& entry : request.shares()) {
    const std::string& id = entry.party_id();
    const int signed_index = IndexOf(config_.party_ids, id);
    if (signed_index < 0) return Status(Code::kWrongSender, "MaskedInputRequest carries shares from an unknown party");
    const size_t index = static_cast<size_t>(signed_index);
    if (index == self_index_ || !advertised_.contains(index)) {
      return Status(Code::kUnexpectedMessage, "MaskedInputRequest carries shares from " + id + ", which did not advertise keys to us");
    }
    if (held.contains(index)) return Status(Code::kDuplicateMessage, "MaskedInputRequest carries shares from " + id + " twice");
    if (entry.sealed().size() != kSealedSharesBytes) return Status(Code::kInvalidShare, id + ": sealed shares of the wrong size");
    auto plaintext = AeadOpen(advertised_.at(index).open_key, Bytes(entry.sealed()), SharesAssociatedData(id, self_id_));
    if (!plaintext.ok()) return Status(plaintext.status().code(), id + ": " + plaintext.status().message());
    const std::span<const uint8_t> bytes(*plaintext);
    auto mask_share = DecodeShamirShare(x, bytes.first(kShamirShareBytes));
    auto seed_share = DecodeShamirShare(x, bytes.subspan(kShamirShareBytes));
    OPENSSL_cleanse(plaintext->data(), plaintext->size());
    if (!mask_share.ok()) return Status(mask_share.status().code(), id + ": " + mask_share.status().message());
    if (!seed_share.ok()) return Status(seed_share.status().code(), id + ": " + seed_share.status().message());
    held[index] = HeldShares{*mask_share, *seed_share};
  }
  if (held.size() < config_.threshold) {
    std::vector<bool> present(config_.party_ids.size(), false);
    for (const auto& [index, unused] : held) present[index] = true;
    return Status(Code::kNotEnoughParties, std::to_string(held.size()) + " parties completed ShareKeys, threshold " +
                                               std::to_string(config_.threshold) + "; missing: " + JoinMissing(config_.party_ids, present));
  }
  for (auto& [index, peer] : advertised_) OPENSSL_cleanse(peer.open_key.data(), peer.open_key.size());  // used once
  std::vector<MaskPeer> peers;
  for (const auto& [index, unused] : held) {
    if (index != self_index_) peers.push_back(MaskPeer{config_.party_ids[index], index, advertised_.at(index).mask_public_key});
  }
  auto masks = PartyMasks(config_.run_id, self_id_, self_index_, self_mask_seed_, mask_keys_.private_key, peers,
                          config_.chunk_values);
  if (!masks.ok()) return masks.status();
  masks_.emplace(std::move(*masks));
  share_keys_parties_.clear();
  for (const auto& [index, unused] : held) share_keys_parties_.push_back(config_.party_ids[index]);
  held_ = std::move(held);
  next_offset_ = 0;
  round_ = Round::kMasking;
  return Status::Ok();
}

StatusOr<wire::MaskedInput> SecAggParty::MakeMaskedInputChunk(std::span<const uint64_t> input) {
  if (round_ != Round::kMasking) return WrongRound("MaskedInput");
  if (input.size() != config_.vector_length) {
    return Status(Code::kInvalidShare, self_id_ + ": input of " + std::to_string(input.size()) + " values, the run has " +
                                           std::to_string(config_.vector_length));
  }
  const uint64_t count = std::min<uint64_t>(config_.chunk_values, config_.vector_length - next_offset_);
  wire::MaskedInput chunk;
  chunk.set_offset(next_offset_);
  auto* values = chunk.mutable_values();
  values->Add(input.begin() + next_offset_, input.begin() + next_offset_ + count);
  masks_->Apply(std::span<uint64_t>(values->mutable_data(), count));
  next_offset_ += count;
  if (next_offset_ == config_.vector_length) {
    masks_.reset();  // the PRG keys are no longer needed
    OPENSSL_cleanse(mask_keys_.private_key.data(), mask_keys_.private_key.size());
    OPENSSL_cleanse(self_mask_seed_.data(), self_mask_seed_.size());
    round_ = Round::kAwaitUnmasking;
  }
  return chunk;
}

StatusOr<wire::UnmaskingResponse> SecAggParty::OnUnmaskingRequest(const wire::UnmaskingRequest& request) {
  if (round_ == Round::kAwaitResult || round_ == Round::kDone) {
    return Status(Code::kUnmaskingRefused, self_id_ + ": a second Unmasking request (we already answered one)");
  }
  if (round_ != Round::kAwaitUnmasking) return WrongRound("UnmaskingRequest");
  std::set<size_t> dropped;
  for (const auto& id : request.dropped_parties()) {
    const int index = IndexOf(config_.party_ids, id);
    if (index < 0) return Status(Code::kUnmaskingRefused, "Unmasking request names an unknown party as dropped");
    if (static_cast<size_t>(index) == self_index_) {
      return Status(Code::kUnmaskingRefused, self_id_ + ": Unmasking request names us as dropped");
    }
    if (!held_.contains(static_cast<size_t>(index))) {
      return Status(Code::kUnmaskingRefused, "Unmasking request names " + id + " as dropped after ShareKeys, but it did not complete ShareKeys");
    }
    if (!dropped.insert(static_cast<size_t>(index)).second) {
      return Status(Code::kUnmaskingRefused, "Unmasking request names " + id + " twice");
    }
  }
  const size_t included = held_.size() - dropped.size();
  if (included < config_.threshold) {
    return Status(Code::kNotEnoughParties, "Unmasking request leaves " + std::to_string(included) +
                                               " included parties, threshold " + std::to_string(config_.threshold));
  }
  wire::UnmaskingResponse response;
  for (const auto& [index, shares] : held_) {
    auto* entry = response.add_shares();
    entry->set_party_id(config_.party_ids[index]);
    // Exactly one of the two secrets per peer: revealing both would unmask its input.
    if (dropped.contains(index)) {
      entry->set_mask_key_share(ToString(EncodeShamirShare(shares.mask_key)));
    } else {
      entry->set_self_mask_share(ToString(EncodeShamirShare(shares.self_mask)));
    }
  }
  held_.clear();  // answered: nothing is left to reveal
  round_ = Round::kAwaitResult;
  return response;
}

Status SecAggParty::OnResult(const wire::SecAggResult& result) {
  if (round_ != Round::kAwaitResult) return WrongRound("SecAggResult");
  if (result.result_json().size() > kMaxResultJsonBytes) return Status(Code::kBadFrame, "result too large");
  if (std::find(result.included_parties().begin(), result.included_parties().end(), self_id_) ==
      result.included_parties().end()) {
    return Status(Code::kUnexpectedMessage, self_id_ + ": the result does not include us");
  }
  round_ = Round::kDone;
  return Status::Ok();
}

}  // namespace mpcstats::core
