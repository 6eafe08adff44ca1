// Runs one engine (common/core/engine/engine.h) over links: it makes the links the engine asks
// for, feeds every arrival and every lost link into it, writes what it emits and keeps time.
// It knows nothing of rounds, protocols or workloads. The deadline rule: every wait ends within
// one timeout of the last progress (a message arrived or was written, links came up); making
// links has its own deadline of one timeout.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/engine/engine.h"
#include "common/core/engine/outbox.h"
#include "common/net/link.h"

namespace mpcstats::net {

// Makes the links an engine asks for (TLS: tls_links.h; tests: in memory).
class LinkMaker {
 public:
  struct Result {
    std::vector<std::shared_ptr<Link>> links;  // made so far (all of them if status is OK)
    core::Status status;
  };
  virtual ~LinkMaker() = default;
  // `cancelled` turns true when the run has failed meanwhile: stop retrying.
  virtual awaitable<Result> Make(core::LinkRequest request, std::function<bool()> cancelled) = 0;
};

struct PumpOptions {
  std::string self_id;
  Duration timeout = std::chrono::seconds(30);
  // After a failure: how long Aborts may take to go out and a verdict to come in.
  Duration abort_timeout = std::chrono::seconds(2);
};

class Pump final : public core::Outbox {
 public:
  Pump(asio::any_io_executor executor, LinkMaker& maker, PumpOptions options);
  ~Pump() override;

  void Send(const std::string& to, wire::Envelope message) override;
  // Serialized once, each link writing the same bytes (the coordinator's relayed key list would
  // otherwise be N copies of N entries).
  void SendToEach(const std::vector<std::string>& to, const wire::Envelope& message) override;
  void Close(const std::string& to) override;

  // Until the engine has finished (and, after a failure, settled); then closes every link.
  awaitable<core::Status> Run(core::Engine& engine);

  // Byte counts of every link this pump made, by peer id.
  std::map<std::string, LinkStats> Stats() const;

 private:
  struct Event;
  struct Outgoing;
  struct Slot;
  class Events;

  void Post(Event event);
  std::function<void(std::exception_ptr)> LoseLinkOnException(std::shared_ptr<Slot> slot, bool writer);
  void AddLink(std::shared_ptr<Link> link);
  void StartWriter(const std::string& peer);
  void Queue(const std::string& to, Outgoing message);
  awaitable<void> Write(std::shared_ptr<Slot> slot, Outgoing first);
  awaitable<void> Read(std::shared_ptr<Slot> slot);
  awaitable<void> MakeLinks(core::LinkRequest request, core::Engine* engine);
  bool NothingQueued() const;
  bool AllWritten() const;
  void CloseAll();

  asio::any_io_executor executor_;
  LinkMaker& maker_;
  PumpOptions options_;
  std::unique_ptr<Events> events_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mpcstats::net
