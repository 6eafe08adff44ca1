#include "common/core/coordinator_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/core/messages.h"
#include "common/core/sharing.h"

namespace mpcstats::core {

CoordinatorProtocol::CoordinatorProtocol(const Roster& roster, RunParameters parameters)
    : roster_digest_(roster.Digest()),
      parameters_(parameters),
      totals_(parameters.payload_length + roster.num_parties(), 0) {
  parameters_.chunk_values = std::max<uint32_t>(parameters_.chunk_values, 1);  // 0 would divide by zero
  for (const auto& party : roster.parties) party_ids_.push_back(party.id);
}

wire::Start CoordinatorProtocol::MakeStart() const {
  wire::Start start;
  start.set_num_parties(static_cast<uint32_t>(party_ids_.size()));
  start.set_roster_digest(roster_digest_);
  start.set_vector_length(totals_.size());
  start.set_protocol(ProtocolToWire(parameters_.protocol));
  start.set_chunk_values(parameters_.chunk_values);
  start.set_workload(WorkloadToWire(parameters_.workload));
  if (parameters_.workload == WorkloadKind::kQuery) start.set_query(parameters_.query_json);
  if (parameters_.protocol == ProtocolKind::kSecAgg) start.set_secagg_threshold(parameters_.threshold);
  return start;
}

Status CoordinatorProtocol::OnPartialSum(const std::string& from, const wire::PartialSum& chunk) {
  if (std::find(party_ids_.begin(), party_ids_.end(), from) == party_ids_.end()) {
    return Status(Code::kWrongSender, fmt::format("partial sum from '{}', who is not a party", SanitizeForLog(from, 64)));
  }
  uint64_t& received = received_[from];
  if (received == totals_.size()) {
    return Status(Code::kDuplicateMessage, fmt::format("{} sent a second partial sum", from));
  }
  const ChunkRange expected =
      ChunkAt(totals_.size(), parameters_.chunk_values, static_cast<size_t>(received / parameters_.chunk_values));
  if (chunk.offset() != expected.offset) {
    return Status(Code::kInvalidShare, fmt::format("{} sent the partial sum chunk at offset {}, expected offset {} "
                                                   "(cut or reordered transfer)",
                                                   from, chunk.offset(), expected.offset));
  }
  if (static_cast<uint64_t>(chunk.values_size()) != expected.count) {
    return Status(Code::kInvalidShare, fmt::format("{} sent a partial sum chunk of {} values at offset {}, expected {}",
                                                   from, chunk.values_size(), chunk.offset(), expected.count));
  }
  AddInto(std::span<uint64_t>(totals_.data() + expected.offset, expected.count),
          std::span<const uint64_t>(chunk.values().data(), expected.count));
  received += expected.count;
  return Status::Ok();
}

bool CoordinatorProtocol::PartyComplete(const std::string& id) const {
  auto it = received_.find(id);
  return it != received_.end() && it->second == totals_.size();
}

bool CoordinatorProtocol::Complete() const {
  return std::all_of(party_ids_.begin(), party_ids_.end(), [this](const std::string& id) { return PartyComplete(id); });
}

std::vector<std::string> CoordinatorProtocol::Missing() const {
  std::vector<std::string> missing;
  for (const auto& id : party_ids_) {
    if (!PartyComplete(id)) missing.push_back(id);
  }
  return missing;
}

Status CoordinatorProtocol::VerifyTotals() const {
  if (!Complete()) return Status(Code::kUnexpectedMessage, "result requested before every partial sum arrived");
  return VerifyCheckVector(std::span<const uint64_t>(totals_).subspan(parameters_.payload_length), party_ids_);
}

std::vector<uint64_t> CoordinatorProtocol::TakePayload() {
  std::vector<uint64_t> payload = std::move(totals_);
  payload.resize(parameters_.payload_length);
  totals_.clear();
  return payload;
}

}  // namespace mpcstats::core
