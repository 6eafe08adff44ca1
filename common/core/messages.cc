#include "common/core/messages.h"

#include <fmt/format.h>

#include <algorithm>

namespace mpcstats::core {

std::string_view BodyName(BodyCase body) {
  switch (body) {
    case wire::Envelope::kHello: return "Hello";
    case wire::Envelope::kHelloAck: return "HelloAck";
    case wire::Envelope::kStart: return "Start";
    case wire::Envelope::kShares: return "ShareVector";
    case wire::Envelope::kPartialSum: return "PartialSum";
    case wire::Envelope::kDone: return "Done";
    case wire::Envelope::kMetrics: return "Metrics";
    case wire::Envelope::kAbort: return "Abort";
    case wire::Envelope::kSeedShare: return "SeedShare";
    case wire::Envelope::kAdvertiseKeys: return "AdvertiseKeys";
    case wire::Envelope::kShareKeysRequest: return "ShareKeysRequest";
    case wire::Envelope::kShareKeysResponse: return "ShareKeysResponse";
    case wire::Envelope::kMaskedInputRequest: return "MaskedInputRequest";
    case wire::Envelope::kMaskedInput: return "MaskedInput";
    case wire::Envelope::kUnmaskingRequest: return "UnmaskingRequest";
    case wire::Envelope::kUnmaskingResponse: return "UnmaskingResponse";
    case wire::Envelope::kSecaggResult: return "SecAggResult";
    case wire::Envelope::BODY_NOT_SET: return "(empty)";
  }
  return "(unknown)";
}

wire::Envelope MakeEnvelope(std::string_view run_id, std::string_view sender) {
  wire::Envelope message;
  message.set_run_id(std::string(run_id));
  message.set_sender(std::string(sender));
  return message;
}

wire::Envelope MakeHello(std::string_view run_id, std::string_view sender) {
  wire::Envelope message = MakeEnvelope(run_id, sender);
  message.mutable_hello()->set_protocol_version(kProtocolVersion);
  return message;
}

wire::Envelope MakeAbort(std::string_view run_id, std::string_view sender, const Status& reason) {
  wire::Envelope message = MakeEnvelope(run_id, sender);
  message.mutable_abort()->set_code(std::string(CodeName(reason.code())));
  message.mutable_abort()->set_detail(SanitizeForLog(reason.message(), 500));
  return message;
}

Status CheckEnvelope(const wire::Envelope& message, std::string_view run_id, std::string_view peer_id,
                     std::initializer_list<BodyCase> allowed) {
  if (message.sender() != peer_id) {
    return Status(Code::kWrongSender,
                  fmt::format("message claims sender '{}' on the link of {}", SanitizeForLog(message.sender(), 64),
                              peer_id));
  }
  if (message.body_case() == wire::Envelope::kAbort) {
    const Code code = CodeFromName(message.abort().code());
    return Status(Code::kAborted, fmt::format("{} aborted the run: {} {}", peer_id, CodeName(code),
                                              SanitizeForLog(message.abort().detail())));
  }
  if (message.run_id() != run_id) {
    return Status(Code::kWrongRun, fmt::format("{} sent a message of run '{}', this run is '{}'", peer_id,
                                               SanitizeForLog(message.run_id(), 64), run_id));
  }
  if (std::find(allowed.begin(), allowed.end(), message.body_case()) == allowed.end()) {
    return Status(Code::kUnexpectedMessage,
                  fmt::format("{} sent {} which is not allowed now", peer_id, BodyName(message.body_case())));
  }
  return Status::Ok();
}

Status SequenceChecker::Accept(uint64_t seq) {
  if (seq < next_) {
    return Status(Code::kDuplicateMessage, fmt::format("message number {} repeated (expected {})", seq, next_));
  }
  if (seq > next_) {
    return Status(Code::kBadFrame, fmt::format("message number {} skips ahead (expected {})", seq, next_));
  }
  ++next_;
  return Status::Ok();
}

std::string SanitizeForLog(std::string_view text, size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace mpcstats::core
