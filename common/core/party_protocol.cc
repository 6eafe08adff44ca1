#include "common/core/party_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/core/messages.h"

namespace mpcstats::core {

std::string_view ProtocolName(ProtocolKind kind) {
  switch (kind) {
    case ProtocolKind::kFull: return "full";
    case ProtocolKind::kSeeded: return "seeded";
    case ProtocolKind::kSecAgg: return "secagg";
  }
  return "unknown";
}

StatusOr<ProtocolKind> ParseProtocolName(std::string_view name) {
  if (name == "full") return ProtocolKind::kFull;
  if (name == "seeded") return ProtocolKind::kSeeded;
  if (name == "secagg") return ProtocolKind::kSecAgg;
  return Status(Code::kBadInput,
                fmt::format("unknown protocol '{}' (expected full, seeded or secagg)", SanitizeForLog(name, 32)));
}

PartyProtocol::PartyProtocol(const Roster& roster, std::string self_id, InputSource input)
    : self_id_(std::move(self_id)),
      roster_digest_(roster.Digest()),
      num_parties_(roster.num_parties()),
      mesh_endpoints_(roster.HasPartyEndpoints()),
      input_source_(std::move(input)) {
  for (const auto& party : roster.parties) {
    if (party.id != self_id_) peer_ids_.push_back(party.id);
  }
}

PartyProtocol::PartyProtocol(const Roster& roster, std::string self_id, std::vector<uint64_t> input)
    : PartyProtocol(roster, std::move(self_id),
                    // A copy per Start, so a refused Start can be followed by another (tests do).
                    [fixed = std::make_shared<const std::vector<uint64_t>>(std::move(input))](const wire::Start&,
                                                                                       const std::string&) {
                      return StatusOr<std::vector<uint64_t>>(*fixed);
                    }) {}

PartyProtocol::~PartyProtocol() = default;
PartyProtocol::PartyProtocol(PartyProtocol&&) noexcept = default;
PartyProtocol& PartyProtocol::operator=(PartyProtocol&&) noexcept = default;

Status PartyProtocol::OnStart(const wire::Start& start, const std::string& run_id) {
  if (phase_ != Phase::kWaitingStart) return Status(Code::kDuplicateMessage, "second Start from the coordinator");
  if (start.num_parties() != num_parties_) {
    return Status(Code::kBadInput,
                  fmt::format("coordinator runs {} parties, our roster has {}", start.num_parties(), num_parties_));
  }
  if (start.roster_digest() != roster_digest_) {
    return Status(Code::kBadInput, "coordinator's roster differs from ours (digest mismatch)");
  }
  auto protocol = ProtocolFromWire(start.protocol());
  if (!protocol.ok()) return protocol.status();
  // Whatever the input source makes of it, a workload this build does not know is refused here.
  if (auto workload = WorkloadFromWire(start.workload()); !workload.ok()) return workload.status();
  if (*protocol == ProtocolKind::kSecAgg) {
    const uint64_t t = start.secagg_threshold();
    if (2 * t <= num_parties_ || t > num_parties_) {
      return Status(Code::kBadInput, fmt::format("coordinator's secagg threshold {} is not above {}/2 and at most {}: "
                                                 "refused",
                                                 t, num_parties_, num_parties_));
    }
    threshold_ = static_cast<size_t>(t);
  } else if (!mesh_endpoints_) {
    return Status(Code::kBadInput, fmt::format("protocol {} needs every party's host and port in the roster",
                                               ProtocolName(*protocol)));
  }
  if (start.chunk_values() == 0 || start.chunk_values() > kDefaultChunkValues * 8) {
    return Status(Code::kBadInput, fmt::format("chunk size {} out of range", start.chunk_values()));
  }
  // Only now do we know what the run computes: build our input (policy checks included).
  auto input = input_source_(start, run_id);
  if (!input.ok()) return input.status();
  partial_ = std::move(input).value();
  length_ = partial_.size();
  if (start.vector_length() != length_) {
    return Status(Code::kBadInput,
                  fmt::format("coordinator expects vectors of {} values, ours has {} (both counting {} check values; "
                              "same workload and --vector-length on every process?)",
                              start.vector_length(), length_, num_parties_));
  }
  protocol_ = *protocol;
  chunk_values_ = start.chunk_values();
  phase_ = Phase::kSharing;
  return Status::Ok();
}

Status PartyProtocol::CheckPeer(const std::string& from) const {
  if (std::find(peer_ids_.begin(), peer_ids_.end(), from) == peer_ids_.end()) {
    return Status(Code::kWrongSender, fmt::format("shares from '{}', who is not a peer", SanitizeForLog(from, 64)));
  }
  return Status::Ok();
}

StatusOr<std::map<std::string, wire::ShareVector>> PartyProtocol::MakeShareChunk(size_t index, RandomSource& rng) {
  if (phase_ != Phase::kSharing || protocol_ != ProtocolKind::kFull) {
    return Status(Code::kUnexpectedMessage, "share chunks requested outside the full protocol's sharing phase");
  }
  if (index != next_share_chunk_ || index >= num_chunks()) {
    return Status(Code::kUnexpectedMessage, fmt::format("share chunk {} requested, next is {}", index, next_share_chunk_));
  }
  const ChunkRange range = ChunkAt(length_, chunk_values_, index);
  std::span<uint64_t> own(partial_.data() + range.offset, range.count);
  // Each peer gets a fresh uniformly random chunk; ours becomes input minus all of them, so any
  // N-1 shares are uniform and independent of the input.
  std::map<std::string, wire::ShareVector> outgoing;
  for (const auto& peer : peer_ids_) {
    wire::ShareVector& chunk = outgoing[peer];
    chunk.set_offset(range.offset);
    chunk.mutable_values()->Resize(static_cast<int>(range.count), 0);
    std::span<uint64_t> values(chunk.mutable_values()->mutable_data(), range.count);
    rng.Fill(values);
    SubtractFrom(own, values);
  }
  ++next_share_chunk_;
  return outgoing;
}

Status PartyProtocol::OnShareChunk(const std::string& from, const wire::ShareVector& chunk) {
  if (Status s = CheckPeer(from); !s.ok()) return s;
  if (phase_ != Phase::kSharing || protocol_ != ProtocolKind::kFull) {
    return Status(Code::kUnexpectedMessage, fmt::format("{} sent a share chunk that is not expected now", from));
  }
  uint64_t& received = received_[from];
  if (received == length_) return Status(Code::kDuplicateMessage, fmt::format("{} sent more shares than the vector holds", from));
  const ChunkRange expected = ChunkAt(length_, chunk_values_, static_cast<size_t>(received / chunk_values_));
  if (chunk.offset() != expected.offset) {
    return Status(Code::kInvalidShare, fmt::format("{} sent the share chunk at offset {}, expected offset {} (cut or "
                                                   "reordered transfer)",
                                                   from, chunk.offset(), expected.offset));
  }
  if (static_cast<uint64_t>(chunk.values_size()) != expected.count) {
    return Status(Code::kInvalidShare, fmt::format("{} sent a share chunk of {} values at offset {}, expected {}", from,
                                                   chunk.values_size(), chunk.offset(), expected.count));
  }
  AddInto(std::span<uint64_t>(partial_.data() + expected.offset, expected.count),
          std::span<const uint64_t>(chunk.values().data(), expected.count));
  received += expected.count;
  return Status::Ok();
}

StatusOr<std::map<std::string, wire::SeedShare>> PartyProtocol::MakeSeeds(RandomSource& rng) {
  if (phase_ != Phase::kSharing || protocol_ != ProtocolKind::kSeeded || seeds_made_) {
    return Status(Code::kUnexpectedMessage, "seeds requested outside the seeded protocol's sharing phase");
  }
  std::map<std::string, wire::SeedShare> outgoing;
  for (const auto& peer : peer_ids_) {
    AesKey key{};
    rng.FillBytes(key);
    outgoing[peer].set_key(key.data(), key.size());
    subtract_streams_.push_back(std::make_unique<AesCtrPrg>(key));
  }
  seeds_made_ = true;
  return outgoing;
}

Status PartyProtocol::OnSeed(const std::string& from, const wire::SeedShare& seed) {
  if (Status s = CheckPeer(from); !s.ok()) return s;
  if (phase_ != Phase::kSharing || protocol_ != ProtocolKind::kSeeded) {
    return Status(Code::kUnexpectedMessage, fmt::format("{} sent a seed that is not expected now", from));
  }
  if (received_.count(from) != 0) return Status(Code::kDuplicateMessage, fmt::format("{} sent its seed twice", from));
  AesKey key{};
  if (seed.key().size() != key.size()) {
    return Status(Code::kInvalidShare, fmt::format("{} sent a seed of {} bytes, expected {}", from, seed.key().size(),
                                                   key.size()));
  }
  std::copy(seed.key().begin(), seed.key().end(), key.begin());
  add_streams_.push_back(std::make_unique<AesCtrPrg>(key));
  received_[from] = 1;
  return Status::Ok();
}

bool PartyProtocol::PeerDone(const std::string& peer) const {
  auto it = received_.find(peer);
  if (protocol_ == ProtocolKind::kSeeded) return it != received_.end();
  return length_ == 0 || (it != received_.end() && it->second == length_);
}

bool PartyProtocol::ReadyForPartialSum() const {
  if (phase_ != Phase::kSharing) return false;
  if (protocol_ == ProtocolKind::kSeeded) return seeds_made_ && received_.size() == peer_ids_.size();
  if (next_share_chunk_ != num_chunks()) return false;
  return std::all_of(peer_ids_.begin(), peer_ids_.end(), [this](const std::string& peer) {
    auto it = received_.find(peer);
    return length_ == 0 || (it != received_.end() && it->second == length_);
  });
}

StatusOr<wire::PartialSum> PartyProtocol::MakePartialSumChunk(size_t index) {
  if (phase_ == Phase::kSharing && ReadyForPartialSum()) phase_ = Phase::kSumming;
  if (phase_ != Phase::kSumming) {
    return Status(Code::kUnexpectedMessage, "partial sum requested before every share went out and came in");
  }
  if (index != next_partial_chunk_ || index >= num_chunks()) {
    return Status(Code::kUnexpectedMessage,
                  fmt::format("partial sum chunk {} requested, next is {}", index, next_partial_chunk_));
  }
  const ChunkRange range = ChunkAt(length_, chunk_values_, index);
  wire::PartialSum sum;
  sum.set_offset(range.offset);
  sum.mutable_values()->Resize(static_cast<int>(range.count), 0);
  std::span<uint64_t> out(sum.mutable_values()->mutable_data(), range.count);
  std::copy_n(partial_.begin() + static_cast<ptrdiff_t>(range.offset), range.count, out.begin());
  if (protocol_ == ProtocolKind::kSeeded) {
    // Expand every stream over this range only: memory stays at one chunk per stream.
    std::vector<uint64_t>& stream = stream_buffer_;
    stream.resize(range.count);
    for (auto& prg : subtract_streams_) {
      prg->Fill(stream);
      SubtractFrom(out, stream);
    }
    for (auto& prg : add_streams_) {
      prg->Fill(stream);
      AddInto(out, stream);
    }
  }
  // The plaintext input of this range is not needed any more.
  std::fill_n(partial_.begin() + static_cast<ptrdiff_t>(range.offset), range.count, 0);
  if (++next_partial_chunk_ == num_chunks()) phase_ = Phase::kDone;
  return sum;
}

}  // namespace mpcstats::core
