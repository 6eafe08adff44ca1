#include "coordinator/coordinator_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "common/core/coordinator_protocol.h"
#include "common/core/messages.h"
#include "common/core/phase_timer.h"
#include "common/core/query_result.h"
#include "common/core/secure_random.h"
#include "common/net/acceptor.h"
#include "common/net/concurrent.h"
#include "common/net/gate.h"
#include "common/sys/peak_rss.h"

namespace mpcstats::coordinator {

using core::Code;
using core::Status;
using wire::Envelope;
using net::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

std::string NewRunId() {
  std::array<uint8_t, 16> bytes{};
  core::FillFromCsprng(bytes);
  std::string hex;
  for (uint8_t b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

// Before any party's partial sum: the share phase, which sends us nothing. The parties bound it
// among themselves (each of their waits ends within one timeout of the last progress) and report a
// failure to us, so this is only the backstop for every party falling silent at once.
std::chrono::milliseconds ShareBackstop(std::chrono::milliseconds timeout) {
  return 2 * timeout + std::chrono::milliseconds(2000);
}

class CoordinatorSession {
 public:
  CoordinatorSession(const CoordinatorRunConfig& config, report::RunReport* report)
      : config_(config),
        protocol_(config.roster, config.parameters),
        run_id_(NewRunId()),
        report_(report) {}

  awaitable<Status> Run() {
    Status status = co_await RunSteps();
    if (!status.ok()) co_await AbortAll(status);
    for (auto& [id, channel] : parties_) channel->Close();
    co_return status;
  }

 private:
  awaitable<Status> RunSteps() {
    if (Status s = co_await AdmitParties(); !s.ok()) co_return s;
    timer_.EndPhase(core::kPhaseConnect);
    if (config_.roster.num_parties() == 2) {
      spdlog::warn("only 2 parties: from the published totals each party can compute the other's exact inputs");
    }
    if (Status s = co_await Broadcast([this] {
          Envelope start = core::MakeEnvelope(run_id_, core::kCoordinatorId);
          *start.mutable_start() = protocol_.MakeStart();
          return start;
        });
        !s.ok()) {
      co_return s;
    }
    spdlog::info("run {} started: waiting for {} partial sums", run_id_, parties_.size());
    timer_.Restart();

    // Every party sends its partial sum and then its metrics; the verdict waits for all of them.
    // Only when every partial sum and every party's metrics are in and the totals verify does Done
    // go out: a party that dies, or sends a second partial sum, after its partial sum fails the run
    // for everyone (AbortAll) and nothing is published.
    auto executor = co_await net::asio::this_coro::executor;
    first_partial_sum_ = std::make_unique<net::Gate>(executor);
    every_partial_sum_ = std::make_unique<net::Gate>(executor);
    std::vector<awaitable<Status>> receives;
    for (auto& [id, channel] : parties_) receives.push_back(ReceiveFromParty(channel));
    receives.push_back(WatchStragglers());
    if (Status s = co_await net::RunConcurrently(std::move(receives)); !s.ok()) co_return s;
    if (!revealed_) co_return Status(Code::kInternal, "every party reported but the totals were not revealed");
    spdlog::info("metrics received from every party; announcing the result");

    if (Status s = co_await Broadcast([this] {
          Envelope done = core::MakeEnvelope(run_id_, core::kCoordinatorId);
          done.mutable_done();
          return done;
        });
        !s.ok()) {
      co_return s;
    }

    report_->run_id = run_id_;
    report_->protocol = std::string(core::ProtocolName(config_.parameters.protocol));
    report_->workload = std::string(core::WorkloadName(config_.parameters.workload));
    report_->roster = &config_.roster;
    report_->processes[std::string(core::kCoordinatorId)] = Measure();
    co_return Status::Ok();
  }

  awaitable<Status> AdmitParties() {
    net::AcceptOptions options;
    options.self_id = std::string(core::kCoordinatorId);
    options.listen_address = config_.listen_address;
    options.port = config_.roster.coordinator.port;
    options.handshake_timeout = config_.timeout;
    for (const auto& party : config_.roster.parties) options.expected_ids.insert(party.id);
    auto executor = co_await net::asio::this_coro::executor;
    net::Acceptor acceptor(executor, config_.tls, options);
    if (Status s = acceptor.Listen(); !s.ok()) co_return s;
    spdlog::info("listening on {}:{} for {} parties", config_.listen_address, options.port, options.expected_ids.size());
    auto admitted = co_await acceptor.AcceptAll(Clock::now() + config_.timeout);
    parties_ = acceptor.admitted();
    if (!admitted.ok()) co_return admitted.status();
    co_return Status::Ok();
  }

  template <class MakeMessage>
  awaitable<Status> Broadcast(MakeMessage make) {
    std::vector<awaitable<Status>> sends;
    for (auto& [id, channel] : parties_) sends.push_back(channel->Send(make(), config_.timeout));
    co_return co_await net::RunConcurrently(std::move(sends));
  }

  awaitable<Status> ReceivePartialSum(std::shared_ptr<net::Channel> channel) {
    // The first chunk may take the parties' whole share phase (WatchStragglers cuts this wait to one
    // timeout after the first party's first chunk); later chunks follow at once.
    auto wait = ShareBackstop(config_.timeout);
    while (!protocol_.PartyComplete(channel->peer_id())) {
      auto message = co_await channel->Receive(wait);
      if (!message.ok()) co_return message.status();
      if (Status s = core::CheckEnvelope(*message, run_id_, channel->peer_id(), {Envelope::kPartialSum}); !s.ok()) {
        co_return s;
      }
      if (Status s = protocol_.OnPartialSum(channel->peer_id(), message->partial_sum()); !s.ok()) co_return s;
      if (started_.insert(channel->peer_id()).second) {
        first_partial_sum_->Open();
        if (started_.size() == parties_.size()) every_partial_sum_->Open();
      }
      wait = config_.timeout;
    }
    spdlog::info("partial sum received from {}", channel->peer_id());
    co_return Status::Ok();
  }

  // Every party ends its share phase within moments of the others (each finishes when the last
  // peer's shares reach it), so once one party's partial sum has begun, a party whose own has not
  // begun within one timeout is stalled or unreachable: a silent link, without this, would hold
  // the run for the whole ShareBackstop. The failure names the parties.
  awaitable<Status> WatchStragglers() {
    co_await first_partial_sum_->Wait(Clock::now() + ShareBackstop(config_.timeout));
    if (!first_partial_sum_->is_open()) co_return Status::Ok();  // the receives time out themselves
    if (co_await every_partial_sum_->Wait(Clock::now() + config_.timeout)) co_return Status::Ok();
    std::string missing;
    for (const auto& [id, channel] : parties_) {
      if (!started_.count(id)) missing += (missing.empty() ? "" : ", ") + id;
    }
    co_return Status(Code::kTimeout,
                     fmt::format("{}: no partial sum within {} ms of the first party's (stalled or unreachable)",
                                 missing, config_.timeout.count()));
  }

  // One party's whole report: its partial sum, then its metrics. The last partial sum to complete
  // reveals and checks the totals at once (the aggregation phase ends there), so a bad check
  // vector fails the run without waiting for metrics.
  awaitable<Status> ReceiveFromParty(std::shared_ptr<net::Channel> channel) {
    if (Status s = co_await ReceivePartialSum(channel); !s.ok()) co_return s;
    if (!revealed_ && protocol_.Complete()) {
      if (Status s = RevealTotals(); !s.ok()) co_return s;
    }
    co_return co_await ReceiveMetrics(channel);
  }

  Status RevealTotals() {
    if (Status s = protocol_.VerifyTotals(); !s.ok()) return s;
    if (config_.parameters.workload == core::WorkloadKind::kVisits) {
      auto result = protocol_.VisitsResult();
      if (!result.ok()) return result.status();
      report_->result = std::move(result).value();
    } else if (config_.parameters.workload == core::WorkloadKind::kQuery) {
      auto result = core::DecodeQueryResult(protocol_.Payload(), *config_.query_plan, config_.roster.MinGroupSize());
      if (!result.ok()) return result.status();
      report_->query_plan = config_.query_plan;
      report_->query_result = std::move(result).value();
    } else {
      report_->vector_sums = protocol_.TakePayload();  // the protocol is spent after this
    }
    revealed_ = true;
    timer_.EndPhase(core::kPhaseAggregation);
    spdlog::info("all partial sums received; totals revealed and self-check passed");
    return Status::Ok();
  }

  // Right after a party's partial sum: a PartialSum here is a second one (a cheat or a replay).
  awaitable<Status> ReceiveMetrics(std::shared_ptr<net::Channel> channel) {
    auto message = co_await channel->Receive(config_.timeout);
    if (!message.ok()) co_return message.status();
    if (message->body_case() == Envelope::kPartialSum) {
      co_return Status(Code::kDuplicateMessage, fmt::format("{} sent a second partial sum", channel->peer_id()));
    }
    if (Status s = core::CheckEnvelope(*message, run_id_, channel->peer_id(), {Envelope::kMetrics}); !s.ok()) {
      co_return s;
    }
    report_->processes[channel->peer_id()] = report::FromWire(message->metrics());
    co_return Status::Ok();
  }

  report::ProcessMetrics Measure() const {
    report::ProcessMetrics m;
    for (const auto& [id, channel] : parties_) {
      const auto s = channel->stats();
      m.wire_bytes_sent += s.wire_sent;
      m.wire_bytes_received += s.wire_received;
      m.payload_bytes_sent += s.payload_sent;
      m.payload_bytes_received += s.payload_received;
      m.link_wire_bytes_sent[id] = s.wire_sent;
      m.link_wire_bytes_received[id] = s.wire_received;
    }
    m.phase_seconds = timer_.Seconds();
    m.peak_rss_bytes = sys::PeakRssBytes();
    return m;
  }

  awaitable<void> AbortAll(const Status& reason) {
    spdlog::error("aborting run {}: {}", run_id_, reason.ToString());
    const auto abort_timeout = std::min(config_.timeout, std::chrono::milliseconds(2000));
    std::vector<awaitable<Status>> sends;
    for (auto& [id, channel] : parties_) {
      sends.push_back(channel->Send(core::MakeAbort(run_id_, core::kCoordinatorId, reason), abort_timeout));
    }
    co_await net::RunConcurrently(std::move(sends));
  }

  const CoordinatorRunConfig& config_;
  core::CoordinatorProtocol protocol_;
  std::string run_id_;
  report::RunReport* report_;
  core::PhaseTimer timer_;
  net::ChannelMap parties_;
  bool revealed_ = false;  // totals verified and moved into report_
  std::set<std::string> started_;                 // parties whose first partial-sum chunk arrived
  std::unique_ptr<net::Gate> first_partial_sum_;  // opened by the first party's first chunk
  std::unique_ptr<net::Gate> every_partial_sum_;  // opened when every party's first chunk arrived
};

}  // namespace

Status RunCoordinator(const CoordinatorRunConfig& config, report::RunReport* report) {
  net::asio::io_context io;
  CoordinatorSession session(config, report);
  Status result(Code::kInternal, "run did not finish");
  net::asio::co_spawn(io, session.Run(), [&](std::exception_ptr error, Status status) {
    result = error ? Status(Code::kInternal, "unexpected exception") : std::move(status);
    io.stop();
  });
  io.run();
  return result;
}

}  // namespace mpcstats::coordinator
