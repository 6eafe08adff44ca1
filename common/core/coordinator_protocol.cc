#include "common/core/coordinator_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/core/messages.h"
#include "common/core/party_protocol.h"
#include "common/core/sharing.h"

namespace mpcstats::core {

CoordinatorProtocol::CoordinatorProtocol(const Roster& roster, VectorLayout layout)
    : roster_digest_(roster.Digest()), layout_(layout), totals_(layout.size(), 0) {
  for (const auto& party : roster.parties) party_ids_.push_back(party.id);
}

wire::Start CoordinatorProtocol::MakeStart() const {
  wire::Start start;
  start.set_num_parties(static_cast<uint32_t>(party_ids_.size()));
  start.set_roster_digest(roster_digest_);
  start.set_vector_length(static_cast<uint32_t>(layout_.size()));
  start.set_protocol(std::string(kProtocolFull));
  return start;
}

Status CoordinatorProtocol::OnPartialSum(const std::string& from, const wire::PartialSum& sum) {
  if (std::find(party_ids_.begin(), party_ids_.end(), from) == party_ids_.end()) {
    return Status(Code::kWrongSender, fmt::format("partial sum from '{}', who is not a party", SanitizeForLog(from, 64)));
  }
  if (received_.count(from) != 0) {
    return Status(Code::kDuplicateMessage, fmt::format("{} sent a second partial sum", from));
  }
  if (static_cast<size_t>(sum.values_size()) != totals_.size()) {
    return Status(Code::kInvalidShare,
                  fmt::format("{} sent a partial sum of {} values, expected {}", from, sum.values_size(), totals_.size()));
  }
  AddInto(totals_, std::span<const uint64_t>(sum.values().data(), totals_.size()));
  received_.insert(from);
  return Status::Ok();
}

std::vector<std::string> CoordinatorProtocol::Missing() const {
  std::vector<std::string> missing;
  for (const auto& id : party_ids_) {
    if (received_.count(id) == 0) missing.push_back(id);
  }
  return missing;
}

StatusOr<SeedResult> CoordinatorProtocol::Result() const {
  if (!Complete()) return Status(Code::kUnexpectedMessage, "result requested before every partial sum arrived");
  return DecodeTotals(totals_, layout_, party_ids_);
}

}  // namespace mpcstats::core
