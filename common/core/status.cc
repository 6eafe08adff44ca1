#include "common/core/status.h"

#include <array>

namespace mpcstats::core {
namespace {

struct CodeEntry {
  Code code;
  std::string_view name;
};

constexpr std::array kCodeNames = {
    CodeEntry{Code::kOk, "OK"},
    CodeEntry{Code::kUsage, "USAGE"},
    CodeEntry{Code::kBadInput, "BAD_INPUT"},
    CodeEntry{Code::kPeerMissing, "PEER_MISSING"},
    CodeEntry{Code::kTimeout, "TIMEOUT"},
    CodeEntry{Code::kCertUntrusted, "CERT_UNTRUSTED"},
    CodeEntry{Code::kTlsFailed, "TLS_FAILED"},
    CodeEntry{Code::kIdentityMismatch, "IDENTITY_MISMATCH"},
    CodeEntry{Code::kFrameTooLarge, "FRAME_TOO_LARGE"},
    CodeEntry{Code::kBadFrame, "BAD_FRAME"},
    CodeEntry{Code::kWrongRun, "WRONG_RUN"},
    CodeEntry{Code::kWrongSender, "WRONG_SENDER"},
    CodeEntry{Code::kUnexpectedMessage, "UNEXPECTED_MESSAGE"},
    CodeEntry{Code::kDuplicateMessage, "DUPLICATE_MESSAGE"},
    CodeEntry{Code::kInvalidShare, "INVALID_SHARE"},
    CodeEntry{Code::kCheckFailed, "CHECK_FAILED"},
    CodeEntry{Code::kAborted, "ABORTED"},
    CodeEntry{Code::kPolicyRefused, "POLICY_REFUSED"},
    CodeEntry{Code::kInsufficientPrivacyBudget, "INSUFFICIENT_PRIVACY_BUDGET"},
    CodeEntry{Code::kIo, "IO_ERROR"},
    CodeEntry{Code::kNotEnoughParties, "NOT_ENOUGH_PARTIES"},
    CodeEntry{Code::kSignatureInvalid, "SIGNATURE_INVALID"},
    CodeEntry{Code::kUnmaskingRefused, "UNMASKING_REFUSED"},
    CodeEntry{Code::kInternal, "INTERNAL"},
};

}  // namespace

std::string_view CodeName(Code code) {
  for (const auto& entry : kCodeNames) {
    if (entry.code == code) return entry.name;
  }
  return "INTERNAL";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

Status ExceptionStatus(const std::exception_ptr& error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return Status(Code::kInternal, "unexpected exception of unknown type");
  }
  return Status(Code::kInternal, "unexpected exception");
}

}  // namespace mpcstats::core
