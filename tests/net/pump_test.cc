// The pump's own coroutines (link readers and writers, link making) run detached from Run: an
// exception in one of them must reach the engine with its message, not vanish into a deadline.
#include "common/net/pump.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpcstats::net {
namespace {

using core::Code;
using core::Status;

constexpr const char* kPeer = "party2";

// Wants one link to kPeer, sends one message on it, and fails with whatever cause a lost link has.
class OneLinkEngine final : public core::Engine {
 public:
  explicit OneLinkEngine(core::Outbox& outbox) : outbox_(outbox) {}
  std::string_view state_name() const override { return "one-link"; }
  Status Handle(const std::string&, const wire::Envelope&) override { return Status::Ok(); }
  Status OnPeerLost(const std::string& peer, const Status& cause) override { return cause.WithContext(peer); }
  Status OnDeadline() override { return Status(Code::kTimeout, "deadline passed"); }
  std::chrono::milliseconds Patience(std::chrono::milliseconds timeout) const override { return timeout; }
  std::optional<core::LinkRequest> TakeLinkRequest() override {
    if (asked_) return std::nullopt;
    asked_ = true;
    return core::LinkRequest{.run_id = "run", .peers = {kPeer}};
  }
  Status OnLinksReady() override {
    ready_ = true;
    return Status::Ok();
  }
  Status OnLinksIncomplete(const std::set<std::string>&, const Status& cause) override { return cause; }
  core::Pending pending() const override { return ready_ && !sent_ ? core::Pending::kWhenQueued : core::Pending::kNothing; }
  Status EmitNext() override {
    sent_ = true;
    wire::Envelope message;
    message.mutable_done();
    outbox_.Send(kPeer, std::move(message));
    return Status::Ok();
  }
  void Abort(const Status& reason) override { outcome_ = reason; }
  bool finished() const override { return !outcome_.ok(); }
  bool settled() const override { return true; }
  const Status& outcome() const override { return outcome_; }

 private:
  core::Outbox& outbox_;
  bool asked_ = false;
  bool ready_ = false;
  bool sent_ = false;
  Status outcome_;
};

// A link whose Send or Receive throws (as a library bug or std::bad_alloc would).
class ThrowingLink final : public Link {
 public:
  ThrowingLink(bool throw_on_send, asio::any_io_executor executor)
      : throw_on_send_(throw_on_send), idle_(std::move(executor)) {}
  const std::string& peer_id() const override { return id_; }
  LinkStats stats() const override { return {}; }
  awaitable<Status> Send(wire::Envelope, Duration) override {
    if (throw_on_send_) throw std::runtime_error("send exploded");
    co_return Status::Ok();
  }
  awaitable<core::StatusOr<wire::Envelope>> Receive(Duration, Duration) override {
    if (!throw_on_send_) throw std::runtime_error("receive exploded");
    idle_.expires_after(std::chrono::seconds(30));  // silent until closed
    error_code ec;
    co_await idle_.async_wait(asio::redirect_error(use_awaitable, ec));
    co_return Status(Code::kPeerMissing, "closed");
  }
  void Close() override { idle_.cancel(); }

 private:
  bool throw_on_send_;
  std::string id_ = kPeer;
  asio::steady_timer idle_;
};

class OneLinkMaker final : public LinkMaker {
 public:
  OneLinkMaker(std::shared_ptr<Link> link, bool throw_while_making) : link_(std::move(link)), throw_(throw_while_making) {}
  awaitable<Result> Make(core::LinkRequest, std::function<bool()>) override {
    if (throw_) throw std::runtime_error("dialing exploded");
    co_return Result{.links = {link_}, .status = Status::Ok()};
  }

 private:
  std::shared_ptr<Link> link_;
  bool throw_;
};

Status RunPump(bool throw_on_send, bool throw_while_making) {
  asio::io_context io;
  auto link = std::make_shared<ThrowingLink>(throw_on_send, io.get_executor());
  OneLinkMaker maker(link, throw_while_making);
  // A long timeout: a swallowed exception would show as TIMEOUT, and only after it.
  Pump pump(io.get_executor(), maker, {.self_id = "party1", .timeout = std::chrono::seconds(20)});
  OneLinkEngine engine(pump);
  Status result(Code::kOk, "");
  bool done = false;
  asio::co_spawn(io, pump.Run(engine), [&](std::exception_ptr error, Status status) {
    result = error ? core::ExceptionStatus(error) : std::move(status);
    done = true;
    io.stop();
  });
  io.run();
  EXPECT_TRUE(done);
  return result;
}

TEST(PumpTest, ExceptionInALinkReaderLosesTheLinkWithItsMessage) {
  const Status s = RunPump(/*throw_on_send=*/false, /*throw_while_making=*/false);
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("receive exploded"), std::string::npos) << s.ToString();
}

TEST(PumpTest, ExceptionInALinkWriterLosesTheLinkWithItsMessage) {
  const Status s = RunPump(/*throw_on_send=*/true, /*throw_while_making=*/false);
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("send exploded"), std::string::npos) << s.ToString();
}

TEST(PumpTest, ExceptionWhileMakingLinksFailsTheRunWithItsMessage) {
  const Status s = RunPump(/*throw_on_send=*/false, /*throw_while_making=*/true);
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("dialing exploded"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace mpcstats::net
