#include "common/net/pump.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/core/messages.h"

namespace mpcstats::net {

using core::Code;
using core::Status;
using Clock = std::chrono::steady_clock;

namespace {
// A link's reader waits this long for the next message; the pump's deadline is what ends waits.
constexpr Duration kIdleForever = std::chrono::hours(24 * 365);
// The pump's deadline comes this much after a link's own frame timeout could, so a link stalled
// mid-frame is named by that link ("party2: reading a frame body ...") rather than by the round.
constexpr Duration kDeadlineGrace = std::chrono::milliseconds(500);
}  // namespace

struct Pump::Event {
  enum class Kind { kArrival, kLost, kWritten, kLinksMade };
  Kind kind;
  std::string peer;
  wire::Envelope message;
  Status status;
  LinkMaker::Result made;
};

// One message waiting for a link: its own envelope, or bytes shared with other links.
struct Pump::Outgoing {
  wire::Envelope own;
  std::shared_ptr<const core::SharedEnvelope> shared;
  wire::Envelope::BodyCase body_case() const { return shared ? shared->body_case : own.body_case(); }
};

struct Pump::Slot {
  std::shared_ptr<Link> link;
  std::deque<Outgoing> queue;  // waiting; the message being written is not in here
  bool writing = false;
  bool close_when_written = false;
  bool closed = false;
};

// Arrivals and completions, in order, waited for with a deadline (Asio 1.18 has no channels).
class Pump::Events {
 public:
  explicit Events(const asio::any_io_executor& executor) : timer_(executor) {}
  void Push(Event event) {
    queue_.push_back(std::move(event));
    timer_.cancel();
  }
  // nullopt when the deadline passed first.
  awaitable<std::optional<Event>> Pop(Clock::time_point deadline) {
    while (queue_.empty()) {
      if (Clock::now() >= deadline) co_return std::nullopt;
      timer_.expires_at(deadline);
      error_code ec;
      co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    Event event = std::move(queue_.front());
    queue_.pop_front();
    co_return event;
  }

 private:
  std::deque<Event> queue_;
  asio::steady_timer timer_;
};

Pump::Pump(asio::any_io_executor executor, LinkMaker& maker, PumpOptions options)
    : executor_(std::move(executor)),
      maker_(maker),
      options_(std::move(options)),
      events_(std::make_unique<Events>(executor_)) {}

Pump::~Pump() {
  *alive_ = false;
  CloseAll();
}

void Pump::Post(Event event) { events_->Push(std::move(event)); }

// asio::detached would drop an exception thrown by a link's reader or writer, and the run would
// only see a deadline pass. Instead the link is lost with the exception's message.
std::function<void(std::exception_ptr)> Pump::LoseLinkOnException(std::shared_ptr<Slot> slot, bool writer) {
  return [this, alive = alive_, slot = std::move(slot), writer](std::exception_ptr error) {
    if (!error || !*alive) return;
    if (writer) {
      slot->writing = false;
      slot->queue.clear();
    }
    const std::string& peer = slot->link->peer_id();
    if (!slot->closed) {
      Post({.kind = Event::Kind::kLost, .peer = peer, .status = core::ExceptionStatus(error).WithContext(peer)});
    }
  };
}

void Pump::Send(const std::string& to, wire::Envelope message) { Queue(to, Outgoing{.own = std::move(message)}); }

void Pump::SendToEach(const std::vector<std::string>& to, const wire::Envelope& message) {
  const auto shared = std::make_shared<const core::SharedEnvelope>(message);
  for (const auto& id : to) Queue(id, Outgoing{.shared = shared});
}

void Pump::Queue(const std::string& to, Outgoing message) {
  auto it = slots_.find(to);
  if (it == slots_.end() || it->second->closed) {
    spdlog::debug("{}: no link to {} for {}", options_.self_id, to, core::BodyName(message.body_case()));
    return;
  }
  it->second->queue.push_back(std::move(message));
  StartWriter(to);
}

void Pump::Close(const std::string& to) {
  auto it = slots_.find(to);
  if (it == slots_.end()) return;
  Slot& slot = *it->second;
  slot.close_when_written = true;
  if (!slot.writing && slot.queue.empty() && !slot.closed) {
    slot.closed = true;
    slot.link->Close();
  }
}

void Pump::StartWriter(const std::string& peer) {
  auto slot = slots_.at(peer);
  if (slot->writing || slot->queue.empty() || slot->closed) return;
  slot->writing = true;
  Outgoing first = std::move(slot->queue.front());
  slot->queue.pop_front();
  asio::co_spawn(executor_, Write(slot, std::move(first)), LoseLinkOnException(slot, /*writer=*/true));
}

awaitable<void> Pump::Write(std::shared_ptr<Slot> slot, Outgoing first) {
  auto alive = alive_;
  Outgoing message = std::move(first);
  for (;;) {
    Status status;
    if (message.shared) {
      status = co_await slot->link->SendShared(std::move(message.shared), options_.timeout);
    } else {
      status = co_await slot->link->Send(std::move(message.own), options_.timeout);
    }
    if (!*alive) co_return;
    if (!status.ok()) {
      slot->writing = false;
      slot->queue.clear();
      if (!slot->closed) Post({.kind = Event::Kind::kLost, .peer = slot->link->peer_id(), .status = status});
      co_return;
    }
    Post({.kind = Event::Kind::kWritten, .peer = slot->link->peer_id()});
    if (slot->queue.empty() || slot->closed) break;
    message = std::move(slot->queue.front());
    slot->queue.pop_front();
  }
  slot->writing = false;
  if (slot->close_when_written && !slot->closed) {
    slot->closed = true;
    slot->link->Close();
  }
}

awaitable<void> Pump::Read(std::shared_ptr<Slot> slot) {
  auto alive = alive_;
  for (;;) {
    auto message = co_await slot->link->Receive(kIdleForever, options_.timeout);
    if (!*alive) co_return;
    if (!message.ok()) {
      if (!slot->closed) Post({.kind = Event::Kind::kLost, .peer = slot->link->peer_id(), .status = message.status()});
      co_return;
    }
    Post({.kind = Event::Kind::kArrival, .peer = slot->link->peer_id(), .message = std::move(message).value()});
  }
}

void Pump::AddLink(std::shared_ptr<Link> link) {
  auto slot = std::make_shared<Slot>();
  slot->link = std::move(link);
  slots_[slot->link->peer_id()] = slot;
  asio::co_spawn(executor_, Read(slot), LoseLinkOnException(slot, /*writer=*/false));
}

awaitable<void> Pump::MakeLinks(core::LinkRequest request, core::Engine* engine) {
  auto alive = alive_;
  // Named, not a temporary inside co_await: g++ 12 destroys such temporaries twice.
  std::function<bool()> cancelled = [engine, alive] { return !*alive || engine->finished(); };
  auto made = co_await maker_.Make(std::move(request), std::move(cancelled));
  if (!*alive) co_return;
  Post({.kind = Event::Kind::kLinksMade, .made = std::move(made)});
}

bool Pump::NothingQueued() const {
  for (const auto& [peer, slot] : slots_) {
    if (!slot->queue.empty()) return false;
  }
  return true;
}

bool Pump::AllWritten() const {
  for (const auto& [peer, slot] : slots_) {
    if (!slot->queue.empty() || slot->writing) return false;
  }
  return true;
}

void Pump::CloseAll() {
  for (auto& [peer, slot] : slots_) {
    slot->closed = true;
    slot->link->Close();
  }
}

std::map<std::string, LinkStats> Pump::Stats() const {
  std::map<std::string, LinkStats> stats;
  for (const auto& [peer, slot] : slots_) stats[peer] = slot->link->stats();
  return stats;
}

awaitable<Status> Pump::Run(core::Engine& engine) {
  auto fail = [&](const Status& reason) {
    if (engine.finished()) return;
    spdlog::error("{}: aborting run ({}): {}", options_.self_id, engine.state_name(), reason.ToString());
    engine.Abort(reason);
  };
  bool linking = false;
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout);
  auto patience = [&] { return engine.Patience(timeout) + kDeadlineGrace; };
  auto deadline = Clock::now() + patience();
  std::optional<Clock::time_point> settle_by;  // after the end: drain, and wait for a verdict

  for (;;) {
    if (auto request = engine.TakeLinkRequest()) {
      linking = true;
      asio::co_spawn(executor_, MakeLinks(std::move(*request), &engine),
                     [this, alive = alive_](std::exception_ptr error) {
                       if (!error || !*alive) return;
                       LinkMaker::Result made;
                       made.status = core::ExceptionStatus(error).WithContext("making links");
                       Post({.kind = Event::Kind::kLinksMade, .made = std::move(made)});
                     });
    }
    // What the engine has to send on its own, as far as the outbox lets it.
    while (!engine.finished()) {
      const core::Pending pending = engine.pending();
      const bool go = (pending == core::Pending::kWhenQueued && NothingQueued()) ||
                      (pending == core::Pending::kWhenDrained && AllWritten());
      if (!go) break;
      if (Status s = engine.EmitNext(); !s.ok()) fail(s);
    }
    if (engine.finished()) {
      if (!settle_by) {
        settle_by = Clock::now() + (engine.outcome().ok() ? options_.timeout : options_.abort_timeout);
      }
      if (AllWritten() && (engine.outcome().ok() || engine.settled())) break;
    }

    const auto wait_until = settle_by ? *settle_by : linking ? Clock::time_point::max() : deadline;
    std::optional<Event> event = co_await events_->Pop(wait_until);
    if (!event) {
      if (settle_by) break;
      // A round that closes on its deadline (secagg) moves on: that counts as progress.
      if (Status s = engine.OnDeadline(); !s.ok()) fail(s);
      deadline = Clock::now() + patience();
      continue;
    }
    Status status;
    switch (event->kind) {
      case Event::Kind::kArrival:
        status = engine.Handle(event->peer, event->message);
        break;
      case Event::Kind::kLost:
        status = engine.OnPeerLost(event->peer, event->status);
        break;
      case Event::Kind::kWritten:
        break;
      case Event::Kind::kLinksMade:
        linking = false;
        {
          std::set<std::string> made;
          for (auto& link : event->made.links) {
            made.insert(link->peer_id());
            AddLink(std::move(link));
          }
          // Peers that never came are for the engine to judge; any other failure ends the run.
          const Status& made_status = event->made.status;
          status = made_status.ok() ? engine.OnLinksReady()
                   : made_status.code() == Code::kPeerMissing ? engine.OnLinksIncomplete(made, made_status)
                                                                     : made_status;
        }
        break;
    }
    if (!status.ok()) fail(status);
    deadline = Clock::now() + patience();  // progress (measured in the state it led to)
  }
  CloseAll();
  co_return engine.outcome();
}

}  // namespace mpcstats::net
