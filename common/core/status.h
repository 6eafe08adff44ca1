// Status: a reason code from a fixed list plus one line for a person. Errors travel as values,
// not exceptions, so every failure reaches the top of a process with its cause attached.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mpcstats::core {

// Reason codes. Tests assert these names; Abort messages carry them on the wire as
// wire::ReasonCode (the mapping is in common/core/messages.cc).
enum class Code {
  kOk,
  kUsage,              // bad flag or argument
  kBadInput,           // unreadable or malformed local file (roster, CSV, certificate)
  kPeerMissing,        // a party or the coordinator did not connect, or its link closed early
  kTimeout,            // a wait ran past its deadline
  kCertUntrusted,      // TLS handshake failed: certificate not from the run's CA, expired, ...
  kTlsFailed,          // TLS handshake failed for another reason (plain TCP, wrong protocol)
  kIdentityMismatch,   // certificate CN is not the expected roster id, or Hello claims another one
  kFrameTooLarge,      // length prefix above the frame limit
  kBadFrame,           // truncated frame or unparsable protobuf
  kWrongRun,           // run id differs from this run's
  kWrongSender,        // sender field differs from the link's authenticated identity
  kUnexpectedMessage,  // message type not allowed in this phase
  kDuplicateMessage,   // second copy of a message (replay)
  kInvalidShare,       // share or partial sum of the wrong length
  kCheckFailed,        // the self-check vector is not all ones (dropped or double-counted party)
  kAborted,            // the peer sent Abort
  kPolicyRefused,      // a party's disclosure policy does not allow the query
  kInsufficientPrivacyBudget,  // a private query's rho exceeds what remains of a party's budget
  kIo,                 // local file could not be written
  kNotEnoughParties,   // secagg: a round ended with fewer than the threshold T of parties
  kSignatureInvalid,   // secagg: a party's advertised keys are not signed by its certificate key
  kUnmaskingRefused,   // secagg: an Unmasking request a party must not answer (would reveal too much)
  kInternal,
};

std::string_view CodeName(Code code);

// [[nodiscard]]: a Status nobody looks at is an error nobody reports.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", the form every log line and error output uses.
  std::string ToString() const;
  // Prefixes context ("party2: read frame: ...") without changing the code.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // An OK status carries no value, so it is refused: the StatusOr holds kInternal instead (in every
  // build type, never an abort), and the caller's bug shows up as an error with a cause.
  StatusOr(Status status)  // NOLINT: implicit by design
      : value_(status.ok() ? Status(Code::kInternal, "StatusOr constructed from an OK status without a value")
                           : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> value_;
};

// kInternal carrying the exception's message (for coroutine completion handlers).
Status ExceptionStatus(const std::exception_ptr& error);

// Exit codes of both programs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;  // the run failed after it started (peer, network, protocol)
inline constexpr int kExitBadInput = 2;   // user-caused error found before anything was sent

}  // namespace mpcstats::core
