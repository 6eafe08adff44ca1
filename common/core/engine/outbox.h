// Where a protocol engine puts what it sends. The pump (common/net/pump.h) implements it over
// links; tests implement it with a recorder; fault injection decorates it (fault_outbox.h).
#pragma once

#include <string>
#include <vector>

#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Queues `message` for the link to `to` (a roster id). The link stamps the sequence number.
  virtual void Send(const std::string& to, wire::Envelope message) = 0;
  // The same message for each of `to`. By default a copy each; a pump serializes it once.
  virtual void SendToEach(const std::vector<std::string>& to, const wire::Envelope& message) {
    for (const auto& id : to) Send(id, message);
  }
  // The engine is done with the link to `to`: close it once what was queued for it is written.
  virtual void Close(const std::string& to) = 0;
};

}  // namespace mpcstats::core
