#include "common/core/secagg_coordinator.h"

#include <algorithm>
#include <thread>

#include "common/core/secagg_masking.h"
#include "common/core/secagg_party.h"

namespace mpcstats::core {
namespace {

size_t Count(const std::vector<bool>& v) { return static_cast<size_t>(std::count(v.begin(), v.end(), true)); }
std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

StatusOr<std::unique_ptr<SecAggCoordinator>> SecAggCoordinator::Create(SecAggConfig config,
                                                                      std::vector<uint64_t> sum_memory) {
  if (Status s = ValidateSecAggConfig(config); !s.ok()) return s;
  auto coordinator = std::unique_ptr<SecAggCoordinator>(new SecAggCoordinator(std::move(config)));
  coordinator->sum_ = std::move(sum_memory);
  return coordinator;
}

SecAggCoordinator::SecAggCoordinator(SecAggConfig config)
    : config_(std::move(config)),
      n_(config_.party_ids.size()),
      gone_(n_, false),
      advertised_(n_),
      u1_(n_, false),
      u2_(n_, false),
      u3_(n_, false),
      u4_(n_, false),
      sealed_(n_),
      share_keys_answered_(n_, false),
      received_(n_, 0),
      unmasking_answered_(n_, false),
      shares_(n_) {}

int SecAggCoordinator::IndexOf(const std::string& id) const {
  const auto it = std::find(config_.party_ids.begin(), config_.party_ids.end(), id);
  return it == config_.party_ids.end() ? -1 : static_cast<int>(it - config_.party_ids.begin());
}

Status SecAggCoordinator::CheckSender(const std::string& from, SecAggRound round, const std::vector<bool>& eligible,
                                      std::string_view what) const {
  const int index = IndexOf(from);
  if (index < 0) return Status(Code::kWrongSender, std::string(what) + " from a non-party");
  if (!eligible[static_cast<size_t>(index)] && round_ >= round) {
    return Status(Code::kUnexpectedMessage, from + " sent " + std::string(what) + " but dropped at an earlier round");
  }
  if (round_ != round) {
    return Status(Code::kUnexpectedMessage, from + " sent " + std::string(what) + " during round " +
                                                std::string(SecAggRoundName(round_)));
  }
  return Status::Ok();
}

Status SecAggCoordinator::CloseRound(const std::vector<bool>& expected, const std::vector<bool>& answered) {
  for (size_t k = 0; k < n_; ++k) {
    if (expected[k] && !answered[k]) dropped_.emplace(config_.party_ids[k], SecAggRoundName(round_));
  }
  const size_t count = Count(answered);
  if (count < config_.threshold) {
    return Status(Code::kNotEnoughParties, std::string(SecAggRoundName(round_)) + ": " + std::to_string(count) + " of " +
                                               std::to_string(n_) + " parties, threshold " +
                                               std::to_string(config_.threshold) + "; missing: " +
                                               JoinMissing(config_.party_ids, answered));
  }
  return Status::Ok();
}

void SecAggCoordinator::OnPartyGone(const std::string& id) {
  const int index = IndexOf(id);
  if (index >= 0) gone_[static_cast<size_t>(index)] = true;
}

bool SecAggCoordinator::RoundComplete() const {
  for (size_t k = 0; k < n_; ++k) {
    if (gone_[k]) continue;
    switch (round_) {
      case SecAggRound::kAdvertiseKeys:
        if (!advertised_[k]) return false;
        break;
      case SecAggRound::kShareKeys:
        if (u1_[k] && !share_keys_answered_[k]) return false;
        break;
      case SecAggRound::kMaskedInput:
        if (u2_[k] && received_[k] != config_.vector_length) return false;
        break;
      case SecAggRound::kUnmasking:
        if (u3_[k] && !unmasking_answered_[k]) return false;
        break;
      case SecAggRound::kDone: break;
    }
  }
  return true;
}

// ---- AdvertiseKeys -------------------------------------------------------------------------

Status SecAggCoordinator::OnAdvertiseKeys(const std::string& from, const wire::AdvertiseKeys& keys) {
  if (Status s = CheckSender(from, SecAggRound::kAdvertiseKeys, std::vector<bool>(n_, true), "AdvertiseKeys"); !s.ok()) {
    return s;
  }
  const size_t index = static_cast<size_t>(IndexOf(from));
  if (advertised_[index]) return Status(Code::kDuplicateMessage, from + " sent AdvertiseKeys twice");
  if (keys.mask_public_key().size() != kX25519KeyBytes || keys.encryption_public_key().size() != kX25519KeyBytes ||
      keys.certificate().empty() || keys.certificate().size() > kMaxCertificateBytes || keys.signature().empty() ||
      keys.signature().size() > kMaxSignatureBytes) {
    return Status(Code::kBadFrame, from + ": AdvertiseKeys fields of the wrong size");
  }
  advertised_[index] = keys;
  return Status::Ok();
}

StatusOr<wire::ShareKeysRequest> SecAggCoordinator::CloseAdvertiseKeys() {
  if (round_ != SecAggRound::kAdvertiseKeys) return Status(Code::kInternal, "CloseAdvertiseKeys out of order");
  std::vector<bool> answered(n_);
  for (size_t k = 0; k < n_; ++k) answered[k] = advertised_[k].has_value();
  if (Status s = CloseRound(std::vector<bool>(n_, true), answered); !s.ok()) return s;
  wire::ShareKeysRequest request;
  for (size_t k = 0; k < n_; ++k) {
    if (!answered[k]) continue;
    auto* entry = request.add_parties();
    entry->set_party_id(config_.party_ids[k]);
    *entry->mutable_keys() = *advertised_[k];
  }
  u1_ = answered;
  round_ = SecAggRound::kShareKeys;
  return request;
}

// ---- ShareKeys -----------------------------------------------------------------------------

Status SecAggCoordinator::OnShareKeysResponse(const std::string& from, const wire::ShareKeysResponse& response) {
  if (Status s = CheckSender(from, SecAggRound::kShareKeys, u1_, "ShareKeysResponse"); !s.ok()) return s;
  const size_t sender = static_cast<size_t>(IndexOf(from));
  if (share_keys_answered_[sender]) return Status(Code::kDuplicateMessage, from + " sent ShareKeysResponse twice");
  std::map<size_t, std::string> sealed;
  for (const auto& entry : response.shares()) {
    const int recipient = IndexOf(entry.party_id());
    if (recipient < 0 || static_cast<size_t>(recipient) == sender || !u1_[static_cast<size_t>(recipient)]) {
      return Status(Code::kInvalidShare, from + ": ShareKeysResponse addresses a party outside the advertised list");
    }
    if (entry.sealed().size() != kSealedSharesBytes) {
      return Status(Code::kInvalidShare, from + ": sealed shares for " + entry.party_id() + " of the wrong size");
    }
    if (!sealed.emplace(static_cast<size_t>(recipient), entry.sealed()).second) {
      return Status(Code::kDuplicateMessage, from + ": ShareKeysResponse addresses " + entry.party_id() + " twice");
    }
  }
  if (sealed.size() + 1 != Count(u1_)) {
    return Status(Code::kInvalidShare, from + ": ShareKeysResponse has " + std::to_string(sealed.size()) +
                                           " entries, expected one per other advertised party");
  }
  sealed_[sender] = std::move(sealed);
  share_keys_answered_[sender] = true;
  return Status::Ok();
}

StatusOr<std::map<std::string, wire::MaskedInputRequest>> SecAggCoordinator::CloseShareKeys() {
  if (round_ != SecAggRound::kShareKeys) return Status(Code::kInternal, "CloseShareKeys out of order");
  if (Status s = CloseRound(u1_, share_keys_answered_); !s.ok()) return s;
  u2_ = share_keys_answered_;
  std::map<std::string, wire::MaskedInputRequest> requests;
  for (size_t recipient = 0; recipient < n_; ++recipient) {
    if (!u2_[recipient]) continue;
    auto& request = requests[config_.party_ids[recipient]];
    for (size_t sender = 0; sender < n_; ++sender) {
      if (!u2_[sender] || sender == recipient) continue;
      auto* entry = request.add_shares();
      entry->set_party_id(config_.party_ids[sender]);
      entry->set_sealed(std::move(sealed_[sender].at(recipient)));
    }
  }
  sealed_.assign(n_, {});
  // Not zeroed here (~0.2 s for 80 MB of fresh pages on a VM): the sum grows as the first masked
  // input reaches each offset, into the memory given to Create when there is enough of it.
  sum_.clear();
  sum_.reserve(config_.vector_length);
  round_ = SecAggRound::kMaskedInput;
  return requests;
}

// ---- MaskedInput ---------------------------------------------------------------------------

Status SecAggCoordinator::OnMaskedInput(const std::string& from, const wire::MaskedInput& chunk) {
  const int signed_index = IndexOf(from);
  if (signed_index >= 0 && u2_[static_cast<size_t>(signed_index)] && round_ > SecAggRound::kMaskedInput) {
    return Status(Code::kUnexpectedMessage, from + " sent MaskedInput after Unmasking began; it is not included");
  }
  if (Status s = CheckSender(from, SecAggRound::kMaskedInput, u2_, "MaskedInput"); !s.ok()) return s;
  const size_t index = static_cast<size_t>(signed_index);
  const uint64_t have = received_[index];
  if (have == config_.vector_length) return Status(Code::kDuplicateMessage, from + " sent a second masked input");
  if (chunk.offset() != have) {
    return Status(Code::kInvalidShare, from + ": masked input chunk at offset " + std::to_string(chunk.offset()) +
                                           ", expected " + std::to_string(have));
  }
  const uint64_t expected = std::min<uint64_t>(config_.chunk_values, config_.vector_length - have);
  if (static_cast<uint64_t>(chunk.values_size()) != expected) {
    return Status(Code::kInvalidShare, from + ": masked input chunk of " + std::to_string(chunk.values_size()) +
                                           " values, expected " + std::to_string(expected));
  }
  // Chunks come in order from every party, so sum_.size() (the furthest any party got) >= have:
  // what overlaps is added, the rest appended.
  const uint64_t* in = chunk.values().data();
  const uint64_t overlap = std::min<uint64_t>(expected, sum_.size() - have);
  uint64_t* out = sum_.data() + have;
  for (uint64_t k = 0; k < overlap; ++k) out[k] += in[k];
  sum_.insert(sum_.end(), in + overlap, in + expected);
  received_[index] = have + expected;
  return Status::Ok();
}

StatusOr<wire::UnmaskingRequest> SecAggCoordinator::CloseMaskedInput() {
  if (round_ != SecAggRound::kMaskedInput) return Status(Code::kInternal, "CloseMaskedInput out of order");
  std::vector<bool> complete(n_, false);
  for (size_t k = 0; k < n_; ++k) {
    if (!u2_[k]) continue;
    if (received_[k] != 0 && received_[k] != config_.vector_length) {
      return Status(Code::kPeerMissing, config_.party_ids[k] + " dropped during its masked input (" +
                                            std::to_string(received_[k]) + " of " + std::to_string(config_.vector_length) +
                                            " values arrived); a partial masked input cannot be taken out of the sum");
    }
    complete[k] = received_[k] == config_.vector_length;
  }
  if (Status s = CloseRound(u2_, complete); !s.ok()) return s;
  u3_ = complete;
  wire::UnmaskingRequest request;
  for (size_t k = 0; k < n_; ++k) {
    if (u2_[k] && !u3_[k]) request.add_dropped_parties(config_.party_ids[k]);
  }
  round_ = SecAggRound::kUnmasking;
  return request;
}

// ---- Unmasking -----------------------------------------------------------------------------

Status SecAggCoordinator::OnUnmaskingResponse(const std::string& from, const wire::UnmaskingResponse& response) {
  if (Status s = CheckSender(from, SecAggRound::kUnmasking, u3_, "UnmaskingResponse"); !s.ok()) return s;
  const size_t responder = static_cast<size_t>(IndexOf(from));
  if (unmasking_answered_[responder]) return Status(Code::kDuplicateMessage, from + " sent UnmaskingResponse twice");
  const uint32_t x = static_cast<uint32_t>(responder + 1);
  std::map<size_t, ShamirShare> shares;
  for (const auto& entry : response.shares()) {
    const int signed_index = IndexOf(entry.party_id());
    if (signed_index < 0 || !u2_[static_cast<size_t>(signed_index)]) {
      return Status(Code::kInvalidShare, from + ": UnmaskingResponse has a share for a party outside ShareKeys");
    }
    const size_t j = static_cast<size_t>(signed_index);
    const bool want_self_mask = u3_[j];
    const bool has_self_mask = entry.share_case() == wire::NoiseOrPrfKeyShare::kSelfMaskShare;
    const bool has_mask_key = entry.share_case() == wire::NoiseOrPrfKeyShare::kMaskKeyShare;
    if ((want_self_mask && !has_self_mask) || (!want_self_mask && !has_mask_key)) {
      return Status(Code::kInvalidShare, from + ": UnmaskingResponse has the wrong kind of share for " + entry.party_id());
    }
    auto share = DecodeShamirShare(x, Bytes(has_self_mask ? entry.self_mask_share() : entry.mask_key_share()));
    if (!share.ok()) return Status(share.status().code(), from + ": share for " + entry.party_id() + ": " + share.status().message());
    if (!shares.emplace(j, *share).second) {
      return Status(Code::kDuplicateMessage, from + ": UnmaskingResponse has two shares for " + entry.party_id());
    }
  }
  if (shares.size() != Count(u2_)) {
    return Status(Code::kInvalidShare, from + ": UnmaskingResponse has " + std::to_string(shares.size()) +
                                           " shares, expected one per party of ShareKeys");
  }
  for (auto& [j, share] : shares) shares_[j].push_back(share);
  unmasking_answered_[responder] = true;
  return Status::Ok();
}

StatusOr<std::vector<uint64_t>> SecAggCoordinator::CloseUnmasking() {
  if (round_ != SecAggRound::kUnmasking) return Status(Code::kInternal, "CloseUnmasking out of order");
  if (Status s = CloseRound(u3_, unmasking_answered_); !s.ok()) return s;
  u4_ = unmasking_answered_;
  std::vector<IncludedSeed> included;
  std::vector<MaskPeer> survivors;
  std::vector<DroppedKey> dropped;
  // Every secret's shares came in the same order (responder by responder): one Lagrange basis.
  ShamirReconstructor reconstructor(config_.threshold);
  for (size_t j = 0; j < n_; ++j) {
    if (!u2_[j]) continue;
    const std::string& id = config_.party_ids[j];
    auto secret = reconstructor.Reconstruct(shares_[j]);
    if (!secret.ok()) return Status(secret.status().code(), id + ": " + secret.status().message());
    const auto& keys = *advertised_[j];
    X25519Key mask_public{};
    std::copy_n(keys.mask_public_key().begin(), kX25519KeyBytes, mask_public.begin());
    if (u3_[j]) {
      included.push_back(IncludedSeed{id, std::vector<uint8_t>(secret->begin(), secret->end())});
      survivors.push_back(MaskPeer{id, j, mask_public});
    } else {
      DroppedKey key{id, j, {}};
      std::copy(secret->begin(), secret->end(), key.mask_private_key.begin());
      auto derived = X25519PublicKey(key.mask_private_key);
      if (!derived.ok()) return derived.status();
      if (*derived != mask_public) {
        return Status(Code::kInvalidShare, id + ": the reconstructed mask key does not match its advertised public key");
      }
      dropped.push_back(key);
    }
  }
  auto masks = UnmaskingMasks(config_.run_id, included, survivors, dropped, config_.chunk_values);
  if (!masks.ok()) return masks.status();
  sum_.resize(config_.vector_length, 0);  // every included input is complete; this only guards
  // On the critical path after the last input: every core expands its part of the vector.
  masks->ApplyInParallel(sum_, std::thread::hardware_concurrency());
  // The check vector: the last N values, e_k summed over U3.
  const uint64_t check_offset = config_.vector_length - n_;
  std::string wrong;
  for (size_t k = 0; k < n_; ++k) {
    const uint64_t want = u3_[k] ? 1 : 0;
    if (sum_[check_offset + k] != want) wrong += (wrong.empty() ? "" : ", ") + config_.party_ids[k];
  }
  if (!wrong.empty()) {
    return Status(Code::kCheckFailed, "the check vector is not the indicator of the included parties at: " + wrong);
  }
  round_ = SecAggRound::kDone;
  return std::move(sum_);
}

bool SecAggCoordinator::MaskedInputComplete(const std::string& id) const {
  const int index = IndexOf(id);
  return index >= 0 && u2_[static_cast<size_t>(index)] && received_[static_cast<size_t>(index)] == config_.vector_length;
}

std::vector<std::string> SecAggCoordinator::included_parties() const {
  std::vector<std::string> out;
  for (size_t k = 0; k < n_; ++k) {
    if (u3_[k]) out.push_back(config_.party_ids[k]);
  }
  return out;
}

wire::SecAggResult SecAggCoordinator::MakeResult(std::string result_json) const {
  wire::SecAggResult result;
  result.set_result_json(std::move(result_json));
  for (const auto& id : included_parties()) result.add_included_parties(id);
  return result;
}

}  // namespace mpcstats::core
