// Building and checking protocol messages. Every received Envelope passes CheckEnvelope before
// the protocol looks at its body: run id, sender and type are checked against the link.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/core/party_protocol.h"
#include "common/core/status.h"
#include "common/core/workload.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

// Hello carries it; a peer speaking another version is refused at Hello (acceptor.cc).
// 2: Start.protocol, Start.workload and Abort.code are enums (were strings in 1).
inline constexpr uint32_t kProtocolVersion = 2;

using BodyCase = wire::Envelope::BodyCase;

std::string_view BodyName(BodyCase body);

wire::Envelope MakeEnvelope(std::string_view run_id, std::string_view sender);
wire::Envelope MakeHello(std::string_view run_id, std::string_view sender);
wire::Envelope MakeAbort(std::string_view run_id, std::string_view sender, const Status& reason);

// The wire's enums and the core's kinds, mapped here and nowhere else. The From* functions take
// what came off the network, which may be any number (proto3 enums are open): a value this build
// does not know (or an UNSPECIFIED one) is refused with kBadInput naming the field and the number.
wire::Protocol ProtocolToWire(ProtocolKind kind);
StatusOr<ProtocolKind> ProtocolFromWire(int value);
wire::Workload WorkloadToWire(WorkloadKind kind);
StatusOr<WorkloadKind> WorkloadFromWire(int value);
wire::ReasonCode CodeToWire(Code code);  // kOk has no wire value: REASON_INTERNAL (a bug)
StatusOr<Code> CodeFromWire(int value);

// The Abort `peer` sent, as the kAborted status its receiver returns: the peer's reason code and
// its detail, sanitized (an unknown code is named by its number).
Status AbortReceived(std::string_view peer, const wire::Abort& abort);

// The two checks of CheckEnvelope that the engines make in their own order (engine_base.h):
// sender equals the link's authenticated `peer_id` (kWrongSender); run id equals `run_id`
// (kWrongRun). Both quote the peer's text through SanitizeForLog.
Status CheckSender(const wire::Envelope& message, std::string_view peer_id);
Status CheckRunId(const wire::Envelope& message, std::string_view run_id, std::string_view peer_id);

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

// The one sanitizer for text that came from the network (ids, run ids, Abort details, query
// text, certificate names) before it goes into a log line or a Status: printable ASCII only
// (anything else becomes '?'), at most `max` chars, then "..." if cut.
std::string SanitizeForLog(std::string_view text, size_t max = 200);

}  // namespace mpcstats::core
