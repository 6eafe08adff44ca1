// The facade both engines share: it holds the current round, runs the checks every message gets
// before any round sees it (sender = link identity, Abort, run id, sequence), moves to the next
// round, and implements Abort. PartyEngine and CoordinatorEngine only choose the first round.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/core/engine/engine.h"
#include "common/core/engine/outbox.h"
#include "common/core/engine/state.h"
#include "common/core/messages.h"

namespace mpcstats::core {

enum class LogLevel { kInfo, kWarn };
using LogSink = std::function<void(LogLevel, const std::string&)>;

// What every engine's context has: identity, the run id once known, the outbox and the links.
struct EngineContext {
  std::string self_id;
  LogSink log;  // the pump's logger; lines a person (and the end-to-end tests) read
  std::string run_id;  // empty until the run is announced
  Outbox* outbox = nullptr;
  std::set<std::string> linked;  // peers with an open link (Abort goes to these)
  std::map<std::string, SequenceChecker> receive_seq;
  std::optional<LinkRequest> link_request;  // asked for, not yet taken by the pump
  std::vector<std::string> linking;         // taken by the pump, not yet ready
  Status outcome = Status(Code::kInternal, "run did not finish");

  void Send(const std::string& to, wire::Envelope message) {
    message.set_run_id(run_id);
    message.set_sender(self_id);
    outbox->Send(to, std::move(message));
  }
  void SendToEach(const std::vector<std::string>& to, wire::Envelope message) {
    message.set_run_id(run_id);
    message.set_sender(self_id);
    outbox->SendToEach(to, message);
  }
  template <class... Args>
  void Info(fmt::format_string<Args...> format, Args&&... args) {
    if (log) log(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
  }
  template <class... Args>
  void Warn(fmt::format_string<Args...> format, Args&&... args) {
    if (log) log(LogLevel::kWarn, fmt::format(format, std::forward<Args>(args)...));
  }
  void CloseLink(const std::string& to) {
    linked.erase(to);
    outbox->Close(to);
  }
};

template <class Context>
class EngineBase : public Engine {
 public:
  using StateT = State<Context>;

  std::string_view state_name() const override { return state_->name(); }
  Context& context() { return context_; }
  const Context& context() const { return context_; }

  Status Handle(const std::string& sender, const wire::Envelope& message) override {
    if (Status s = CheckSender(message, sender); !s.ok()) return RefuseEnvelope(sender, s);
    if (message.body_case() == wire::Envelope::kAbort) {
      const Status abort = AbortReceived(sender, message.abort());
      const StatusOr<Code> reason = CodeFromWire(message.abort().code());
      if (Status s = state_->OnAbortReceived(context_, sender, abort, reason.ok() ? *reason : Code::kInternal); !s.ok()) {
        return s;
      }
      return state_->terminal() ? Status::Ok() : Move(state_->AfterPeerLeft(context_));
    }
    if (state_->terminal()) return Status::Ok();  // late messages after the end change nothing
    if (!context_.run_id.empty()) {
      if (Status s = CheckRunId(message, context_.run_id, sender); !s.ok()) return RefuseEnvelope(sender, s);
    }
    // The link's handshake (Hello or HelloAck) was number 0 on every link.
    auto [seq, fresh] = context_.receive_seq.try_emplace(sender);
    if (fresh) (void)seq->second.Accept(0);
    SequenceChecker before = seq->second;
    if (Status s = seq->second.Accept(message.seq()); !s.ok()) {
      seq->second = before;
      return RefuseEnvelope(sender, s.WithContext(sender));
    }
    auto next = state_->Handle(context_, sender, message);
    if (!next.ok()) {
      seq->second = before;  // refused: nothing changed, not even the sequence
      return next.status();
    }
    Transition(std::move(next).value());
    return Status::Ok();
  }

  Status OnPeerLost(const std::string& peer, const Status& cause) override {
    Status s = state_->terminal() ? Status::Ok() : state_->OnPeerLost(context_, peer, cause);
    // A link that failed the run stays listed: its peer gets our Abort if the link can carry it
    // (a peer that sent garbage is told why).
    if (!s.ok()) return s;
    context_.linked.erase(peer);
    return state_->terminal() ? Status::Ok() : Move(state_->AfterPeerLeft(context_));
  }

  Status OnDeadline() override {
    if (state_->terminal()) return Status::Ok();
    if (Status s = state_->OnDeadline(context_); !s.ok()) return s;
    return Move(state_->AfterDeadline(context_));
  }

  std::optional<LinkRequest> TakeLinkRequest() override {
    auto request = std::exchange(context_.link_request, std::nullopt);
    if (request) context_.linking = request->peers;
    return request;
  }

  Status OnLinksReady() override {
    for (const auto& peer : context_.linking) context_.linked.insert(peer);
    context_.linking.clear();
    if (state_->terminal()) return Status::Ok();
    auto next = state_->OnLinksReady(context_);
    if (!next.ok()) return next.status();
    Transition(std::move(next).value());
    return Status::Ok();
  }

  Status OnLinksIncomplete(const std::set<std::string>& made, const Status& cause) override {
    for (const auto& peer : context_.linking) {
      if (made.count(peer)) context_.linked.insert(peer);
    }
    context_.linking.clear();
    if (state_->terminal()) return Status::Ok();
    auto next = state_->OnLinksIncomplete(context_, cause);
    if (!next.ok()) return next.status();
    Transition(std::move(next).value());
    return Status::Ok();
  }

  Pending pending() const override { return state_->terminal() ? Pending::kNothing : state_->pending(context_); }

  Status EmitNext() override {
    auto next = state_->EmitNext(context_);
    if (!next.ok()) return next.status();
    Transition(std::move(next).value());
    return Status::Ok();
  }

  void Abort(const Status& reason) override {
    if (state_->terminal() && !context_.outcome.ok()) return;
    // Links still being made may exist in part (a pump delivers to those that do).
    std::set<std::string> peers = context_.linked;
    peers.insert(context_.linking.begin(), context_.linking.end());
    for (const auto& peer : peers) context_.outbox->Send(peer, MakeAbort(context_.run_id, context_.self_id, reason));
    context_.outcome = reason;
    Transition(MakeFailedState());
  }

  bool finished() const override { return state_->terminal(); }
  bool settled() const override { return state_->settled(context_); }
  std::chrono::milliseconds Patience(std::chrono::milliseconds timeout) const override {
    return state_->Patience(context_, timeout);
  }
  const Status& outcome() const override { return context_.outcome; }

 protected:
  EngineBase(Context context, std::unique_ptr<StateT> first) : context_(std::move(context)), state_(std::move(first)) {}
  virtual std::unique_ptr<StateT> MakeFailedState() = 0;

 private:
  // A terminal round has nothing to protect: the refusal goes to the pump as before.
  Status RefuseEnvelope(const std::string& sender, const Status& refusal) {
    if (state_->terminal()) return refusal;
    return Move(state_->OnBadEnvelope(context_, sender, refusal));
  }
  Status Move(StatusOr<std::unique_ptr<StateT>> next) {
    if (!next.ok()) return next.status();
    Transition(std::move(next).value());
    return Status::Ok();
  }
  void Transition(std::unique_ptr<StateT> next) {
    if (next) state_ = std::move(next);
  }

  Context context_;
  std::unique_ptr<StateT> state_;
};

}  // namespace mpcstats::core
