#include "common/core/secagg.h"

#include <set>

namespace mpcstats::core {

size_t DefaultThreshold(size_t num_parties) { return 2 * num_parties / 3 + 1; }

Status ValidateSecAggConfig(const SecAggConfig& config) {
  const size_t n = config.party_ids.size();
  if (n < 2) return Status(Code::kUsage, "secagg needs at least 2 parties");
  if (2 * config.threshold <= n || config.threshold > n) {
    return Status(Code::kUsage, "secagg threshold " + std::to_string(config.threshold) + " must be above " +
                                    std::to_string(n) + "/2 and at most " + std::to_string(n));
  }
  std::set<std::string> seen;
  for (const auto& id : config.party_ids) {
    if (id.empty() || !seen.insert(id).second) return Status(Code::kUsage, "secagg party ids must be distinct");
  }
  if (config.vector_length < n) {
    return Status(Code::kUsage, "secagg vector length " + std::to_string(config.vector_length) +
                                    " has no room for the check vector of " + std::to_string(n));
  }
  if (config.chunk_values == 0) return Status(Code::kUsage, "secagg chunk size must be at least 1");
  return Status::Ok();
}

std::string_view SecAggRoundName(SecAggRound round) {
  switch (round) {
    case SecAggRound::kAdvertiseKeys: return "advertise_keys";
    case SecAggRound::kShareKeys: return "share_keys";
    case SecAggRound::kMaskedInput: return "masked_input";
    case SecAggRound::kUnmasking: return "unmasking";
    case SecAggRound::kDone: return "done";
  }
  return "unknown";
}

std::string JoinMissing(const std::vector<std::string>& ids, const std::vector<bool>& present) {
  std::string out;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (present[k]) continue;
    if (!out.empty()) out += ", ";
    out += ids[k];
  }
  return out;
}

}  // namespace mpcstats::core
