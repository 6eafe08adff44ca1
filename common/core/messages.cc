#include "common/core/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mpcstats::core {
namespace {

struct WireCode {
  Code code;
  wire::ReasonCode wire;
};

// One line per reason code. A new code: add it to Code (status.h) and its name table (status.cc),
// give it the next number in ReasonCode (proto/mpcstats.proto) and add the pair here.
constexpr std::array kWireCodes = {
    WireCode{Code::kUsage, wire::REASON_USAGE},
    WireCode{Code::kBadInput, wire::REASON_BAD_INPUT},
    WireCode{Code::kPeerMissing, wire::REASON_PEER_MISSING},
    WireCode{Code::kTimeout, wire::REASON_TIMEOUT},
    WireCode{Code::kCertUntrusted, wire::REASON_CERT_UNTRUSTED},
    WireCode{Code::kTlsFailed, wire::REASON_TLS_FAILED},
    WireCode{Code::kIdentityMismatch, wire::REASON_IDENTITY_MISMATCH},
    WireCode{Code::kFrameTooLarge, wire::REASON_FRAME_TOO_LARGE},
    WireCode{Code::kBadFrame, wire::REASON_BAD_FRAME},
    WireCode{Code::kWrongRun, wire::REASON_WRONG_RUN},
    WireCode{Code::kWrongSender, wire::REASON_WRONG_SENDER},
    WireCode{Code::kUnexpectedMessage, wire::REASON_UNEXPECTED_MESSAGE},
    WireCode{Code::kDuplicateMessage, wire::REASON_DUPLICATE_MESSAGE},
    WireCode{Code::kInvalidShare, wire::REASON_INVALID_SHARE},
    WireCode{Code::kCheckFailed, wire::REASON_CHECK_FAILED},
    WireCode{Code::kAborted, wire::REASON_ABORTED},
    WireCode{Code::kPolicyRefused, wire::REASON_POLICY_REFUSED},
    WireCode{Code::kInsufficientPrivacyBudget, wire::REASON_INSUFFICIENT_PRIVACY_BUDGET},
    WireCode{Code::kIo, wire::REASON_IO_ERROR},
    WireCode{Code::kNotEnoughParties, wire::REASON_NOT_ENOUGH_PARTIES},
    WireCode{Code::kSignatureInvalid, wire::REASON_SIGNATURE_INVALID},
    WireCode{Code::kUnmaskingRefused, wire::REASON_UNMASKING_REFUSED},
    WireCode{Code::kInternal, wire::REASON_INTERNAL},
};
// Every Code but kOk has a wire value (kInternal is the last Code).
static_assert(kWireCodes.size() == static_cast<size_t>(Code::kInternal));

Status UnknownValue(std::string_view field, int value) {
  return Status(Code::kBadInput, fmt::format("{} {} is not a value this build knows (protocol version {})", field,
                                             value, kProtocolVersion));
}

}  // namespace

wire::Protocol ProtocolToWire(ProtocolKind kind) {
  switch (kind) {
    case ProtocolKind::kFull: return wire::PROTOCOL_FULL;
    case ProtocolKind::kSeeded: return wire::PROTOCOL_SEEDED;
    case ProtocolKind::kSecAgg: return wire::PROTOCOL_SECAGG;
  }
  return wire::PROTOCOL_UNSPECIFIED;
}

StatusOr<ProtocolKind> ProtocolFromWire(int value) {
  switch (value) {
    case wire::PROTOCOL_FULL: return ProtocolKind::kFull;
    case wire::PROTOCOL_SEEDED: return ProtocolKind::kSeeded;
    case wire::PROTOCOL_SECAGG: return ProtocolKind::kSecAgg;
    case wire::PROTOCOL_UNSPECIFIED: return Status(Code::kBadInput, "Start.protocol is not set");
    default: return UnknownValue("Start.protocol", value);
  }
}

wire::Workload WorkloadToWire(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kQuery: return wire::WORKLOAD_QUERY;
    case WorkloadKind::kVector: return wire::WORKLOAD_VECTOR;
  }
  return wire::WORKLOAD_UNSPECIFIED;
}

StatusOr<WorkloadKind> WorkloadFromWire(int value) {
  switch (value) {
    case wire::WORKLOAD_QUERY: return WorkloadKind::kQuery;
    case wire::WORKLOAD_VECTOR: return WorkloadKind::kVector;
    case wire::WORKLOAD_UNSPECIFIED: return Status(Code::kBadInput, "Start.workload is not set");
    default: return UnknownValue("Start.workload", value);
  }
}

wire::ReasonCode CodeToWire(Code code) {
  for (const auto& entry : kWireCodes) {
    if (entry.code == code) return entry.wire;
  }
  return wire::REASON_INTERNAL;
}

StatusOr<Code> CodeFromWire(int value) {
  for (const auto& entry : kWireCodes) {
    if (entry.wire == value) return entry.code;
  }
  if (value == wire::REASON_UNSPECIFIED) return Status(Code::kBadInput, "Abort.code is not set");
  return UnknownValue("Abort.code", value);
}

Status AbortReceived(std::string_view peer, const wire::Abort& abort) {
  const StatusOr<Code> code = CodeFromWire(abort.code());
  // A code this build does not know is not guessed at: INTERNAL, with the number.
  const std::string reason =
      code.ok() ? std::string(CodeName(*code)) : fmt::format("INTERNAL ({})", code.status().message());
  return Status(Code::kAborted, fmt::format("{} aborted the run: {} {}", SanitizeForLog(peer, 64), reason,
                                            SanitizeForLog(abort.detail())));
}

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
  message.mutable_abort()->set_code(CodeToWire(reason.code()));
  message.mutable_abort()->set_detail(SanitizeForLog(reason.message(), 500));
  return message;
}

Status CheckSender(const wire::Envelope& message, std::string_view peer_id) {
  if (message.sender() == peer_id) return Status::Ok();
  return Status(Code::kWrongSender,
                fmt::format("message claims sender '{}' on the link of {}", SanitizeForLog(message.sender(), 64),
                            peer_id));
}

Status CheckRunId(const wire::Envelope& message, std::string_view run_id, std::string_view peer_id) {
  if (message.run_id() == run_id) return Status::Ok();
  return Status(Code::kWrongRun, fmt::format("{} sent a message of run '{}', this run is '{}'", peer_id,
                                             SanitizeForLog(message.run_id(), 64), run_id));
}

Status CheckEnvelope(const wire::Envelope& message, std::string_view run_id, std::string_view peer_id,
                     std::initializer_list<BodyCase> allowed) {
  if (Status s = CheckSender(message, peer_id); !s.ok()) return s;
  if (message.body_case() == wire::Envelope::kAbort) return AbortReceived(peer_id, message.abort());
  if (Status s = CheckRunId(message, run_id, peer_id); !s.ok()) return s;
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
