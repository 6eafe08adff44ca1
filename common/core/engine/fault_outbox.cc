#include "common/core/engine/fault_outbox.h"

#include <fmt/format.h>

#include "common/core/messages.h"

namespace mpcstats::core {

StatusOr<Fault> ParseFault(std::string_view name) {
  if (name.empty()) return Fault::kNone;
  if (name == "short-share") return Fault::kShortShare;
  if (name == "second-partial-sum") return Fault::kSecondPartialSum;
  if (name == "exit-after-partial-sum") return Fault::kExitAfterPartialSum;
  if (name == "stall-before-partial-sum") return Fault::kStallBeforePartialSum;
  if (name == "exit-after-advertise-keys") return Fault::kExitAfterAdvertiseKeys;
  if (name == "exit-after-share-keys") return Fault::kExitAfterShareKeys;
  if (name == "exit-after-masked-input") return Fault::kExitAfterMaskedInput;
  return Status(Code::kUsage, fmt::format("unknown fault '{}'", SanitizeForLog(name, 40)));
}

void FaultOutbox::Crash() {
  crashed_ = true;
  if (crash_) crash_();
}

void FaultOutbox::Send(const std::string& to, wire::Envelope message) {
  if (crashed_) return;
  switch (fault_) {
    case Fault::kNone:
      break;
    case Fault::kShortShare:
      if (message.has_seed_share()) message.mutable_seed_share()->mutable_key()->pop_back();
      if (message.has_shares() && message.shares().values_size() > 0) message.mutable_shares()->mutable_values()->RemoveLast();
      break;
    case Fault::kSecondPartialSum:
      if (message.has_metrics()) {
        wire::Envelope again = MakeEnvelope(message.run_id(), message.sender());
        again.mutable_partial_sum()->set_offset(0);
        again.mutable_partial_sum()->add_values(0);
        inner_.Send(to, std::move(again));
      }
      break;
    case Fault::kExitAfterPartialSum:
    case Fault::kExitAfterMaskedInput:
      // The engine sends Metrics only once the partial sum (secagg: the masked input) is
      // written: this is right after it.
      if (message.has_metrics()) return Crash();
      break;
    case Fault::kExitAfterAdvertiseKeys:
      if (message.has_share_keys_response()) return Crash();
      break;
    case Fault::kExitAfterShareKeys:
      if (message.has_masked_input()) return Crash();
      break;
    case Fault::kStallBeforePartialSum:
      // secagg: the masked input is the partial sum; the party stalls after ShareKeys.
      if (message.has_partial_sum() || message.has_masked_input() || message.has_metrics()) {
        if (!stalling_ && stalled_) stalled_();
        stalling_ = true;
        return;
      }
      break;
  }
  inner_.Send(to, std::move(message));
}

}  // namespace mpcstats::core
