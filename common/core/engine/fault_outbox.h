// Test hook: an Outbox decorator that makes a party misbehave, so tests (in process, and end to
// end through --inject-fault) can watch the others refuse it. The engines and runners know
// nothing of it.
//   kShortShare        every share one value short (seeded: a 15-byte key)
//   kSecondPartialSum  one more PartialSum chunk (offset 0) after the last, before the Metrics
//   kExitAfterPartialSum  the whole partial sum is written, then `crash` runs instead of the
//                      Metrics (the process: std::_Exit, no Abort, no cleanup); nothing more is
//                      sent
//   kStallBeforePartialSum  after the shares nothing more goes out (no PartialSum, no Metrics;
//                      secagg: no MaskedInput after ShareKeys): what the others see of a party
//                      whose link dies at that point
// Secagg (the party dies between rounds; what it sent before has arrived, so the coordinator
// sees it drop at the next round):
//   kExitAfterAdvertiseKeys  `crash` runs instead of sending the ShareKeysResponse
//   kExitAfterShareKeys      `crash` runs instead of sending the first MaskedInput chunk
//   kExitAfterMaskedInput    the whole masked input is written, then `crash` runs instead of
//                            the Metrics (the party is included; its self-mask is rebuilt)
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/core/engine/outbox.h"
#include "common/core/status.h"

namespace mpcstats::core {

enum class Fault {
  kNone,
  kShortShare,
  kSecondPartialSum,
  kExitAfterPartialSum,
  kStallBeforePartialSum,
  kExitAfterAdvertiseKeys,
  kExitAfterShareKeys,
  kExitAfterMaskedInput,
};

StatusOr<Fault> ParseFault(std::string_view name);  // "" is kNone

class FaultOutbox final : public Outbox {
 public:
  // `crash` ends the process (the kExitAfter* faults); `stalled` is told once when the stall begins.
  FaultOutbox(Outbox& inner, Fault fault, std::function<void()> crash = {}, std::function<void()> stalled = {})
      : inner_(inner), fault_(fault), crash_(std::move(crash)), stalled_(std::move(stalled)) {}

  void Send(const std::string& to, wire::Envelope message) override;
  void Close(const std::string& to) override { inner_.Close(to); }
  bool crashed() const { return crashed_; }

 private:
  void Crash();

  Outbox& inner_;
  Fault fault_;
  std::function<void()> crash_;
  std::function<void()> stalled_;
  bool crashed_ = false;
  bool stalling_ = false;
};

}  // namespace mpcstats::core
