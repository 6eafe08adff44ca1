// Building and checking protocol messages. Every received Envelope passes CheckEnvelope before
// the protocol looks at its body: run id, sender and type are checked against the link.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

inline constexpr uint32_t kProtocolVersion = 1;

using BodyCase = wire::Envelope::BodyCase;

std::string_view BodyName(BodyCase body);

wire::Envelope MakeEnvelope(std::string_view run_id, std::string_view sender);
wire::Envelope MakeHello(std::string_view run_id, std::string_view sender);
wire::Envelope MakeAbort(std::string_view run_id, std::string_view sender, const Status& reason);

// Checks a received message on a link whose authenticated peer is `peer_id`:
//  - an Abort body becomes kAborted carrying the peer's reason code and (sanitized) detail;
//  - run id must equal `run_id` (kWrongRun), sender must equal `peer_id` (kWrongSender);
//  - the body must be one of `allowed` (kUnexpectedMessage).
Status CheckEnvelope(const wire::Envelope& message, std::string_view run_id, std::string_view peer_id,
                     std::initializer_list<BodyCase> allowed);

// Per-link receive sequence: every message must carry the next number (replays and gaps refused).
class SequenceChecker {
 public:
  Status Accept(uint64_t seq);

 private:
  uint64_t next_ = 0;
};

// Makes text from the network safe for one log line: printable ASCII only, at most `max` chars.
std::string SanitizeForLog(std::string_view text, size_t max = 200);

}  // namespace mpcstats::core
