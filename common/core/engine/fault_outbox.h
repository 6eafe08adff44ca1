// Test hook: an Outbox decorator that makes a party misbehave, so tests (in process, and end to
// end through --inject-fault) can watch the others refuse it. The engines and runners know
// nothing of it.
//   kShortShare        every share one value short (seeded: a 15-byte key)
//   kSecondPartialSum  one more PartialSum chunk (offset 0) after the last, before the Metrics
//   kExitAfterPartialSum  the whole partial sum is written, then `crash` runs instead of the
//                      Metrics (the process: std::_Exit, no Abort, no cleanup); nothing more is
//                      sent
//   kStallBeforePartialSum  after the shares nothing more goes out (no PartialSum, no Metrics):
//                      what the others see of a party whose link dies at that point
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/core/engine/outbox.h"
#include "common/core/status.h"

namespace mpcstats::core {

enum class Fault { kNone, kShortShare, kSecondPartialSum, kExitAfterPartialSum, kStallBeforePartialSum };

StatusOr<Fault> ParseFault(std::string_view name);  // "" is kNone

class FaultOutbox final : public Outbox {
 public:
  // `crash` ends the process (kExitAfterPartialSum); `stalled` is told once when the stall begins.
  FaultOutbox(Outbox& inner, Fault fault, std::function<void()> crash = {}, std::function<void()> stalled = {})
      : inner_(inner), fault_(fault), crash_(std::move(crash)), stalled_(std::move(stalled)) {}

  void Send(const std::string& to, wire::Envelope message) override;
  void Close(const std::string& to) override { inner_.Close(to); }
  bool crashed() const { return crashed_; }

 private:
  Outbox& inner_;
  Fault fault_;
  std::function<void()> crash_;
  std::function<void()> stalled_;
  bool crashed_ = false;
  bool stalling_ = false;
};

}  // namespace mpcstats::core
