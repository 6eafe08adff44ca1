#include "common/core/party_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/core/messages.h"

namespace mpcstats::core {

PartyProtocol::PartyProtocol(const Roster& roster, std::string self_id, std::vector<uint64_t> input)
    : self_id_(std::move(self_id)),
      roster_digest_(roster.Digest()),
      num_parties_(roster.num_parties()),
      input_(std::move(input)) {
  for (const auto& party : roster.parties) {
    if (party.id != self_id_) peer_ids_.push_back(party.id);
  }
}

Status PartyProtocol::OnStart(const wire::Start& start) {
  if (phase_ != Phase::kWaitingStart) return Status(Code::kDuplicateMessage, "second Start from the coordinator");
  if (start.num_parties() != num_parties_) {
    return Status(Code::kBadInput,
                  fmt::format("coordinator runs {} parties, our roster has {}", start.num_parties(), num_parties_));
  }
  if (start.roster_digest() != roster_digest_) {
    return Status(Code::kBadInput, "coordinator's roster differs from ours (digest mismatch)");
  }
  if (start.vector_length() != input_.size()) {
    return Status(Code::kBadInput, fmt::format("coordinator expects vectors of {} values, ours has {}",
                                               start.vector_length(), input_.size()));
  }
  if (start.protocol() != kProtocolFull) {
    return Status(Code::kBadInput, fmt::format("unsupported protocol '{}'", SanitizeForLog(start.protocol(), 32)));
  }
  phase_ = Phase::kReadyToShare;
  return Status::Ok();
}

StatusOr<std::map<std::string, ShareVector>> PartyProtocol::MakeShares(RandomSource& rng) {
  if (phase_ != Phase::kReadyToShare) return Status(Code::kUnexpectedMessage, "shares requested before Start");
  std::vector<ShareVector> shares = SplitIntoShares(input_, num_parties_, rng);
  // The plaintext input is not needed any more.
  std::fill(input_.begin(), input_.end(), 0);
  // shares[0..N-2] are uniformly random and go to the peers; the last one (input minus the
  // others) stays here, so what any coalition of N-1 parties sees is uniform.
  std::map<std::string, ShareVector> outgoing;
  for (size_t i = 0; i < peer_ids_.size(); ++i) outgoing.emplace(peer_ids_[i], std::move(shares[i]));
  partial_ = std::move(shares.back());
  phase_ = Phase::kCollecting;
  return outgoing;
}

Status PartyProtocol::OnShares(const std::string& from, const wire::ShareVector& shares) {
  if (phase_ != Phase::kCollecting) {
    return Status(Code::kUnexpectedMessage, fmt::format("{} sent shares before we were ready", from));
  }
  if (std::find(peer_ids_.begin(), peer_ids_.end(), from) == peer_ids_.end()) {
    return Status(Code::kWrongSender, fmt::format("shares from '{}', who is not a peer", SanitizeForLog(from, 64)));
  }
  if (received_.count(from) != 0) {
    return Status(Code::kDuplicateMessage, fmt::format("{} sent its shares twice", from));
  }
  if (static_cast<size_t>(shares.values_size()) != partial_.size()) {
    return Status(Code::kInvalidShare, fmt::format("{} sent {} share values, expected {}", from, shares.values_size(),
                                                   partial_.size()));
  }
  AddInto(partial_, std::span<const uint64_t>(shares.values().data(), partial_.size()));
  received_.insert(from);
  return Status::Ok();
}

StatusOr<wire::PartialSum> PartyProtocol::MakePartialSum() {
  if (phase_ != Phase::kCollecting || !HasAllShares()) {
    return Status(Code::kUnexpectedMessage, "partial sum requested before every share arrived");
  }
  wire::PartialSum sum;
  sum.mutable_values()->Add(partial_.begin(), partial_.end());
  phase_ = Phase::kDone;
  return sum;
}

}  // namespace mpcstats::core
