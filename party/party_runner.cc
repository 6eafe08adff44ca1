#include "party/party_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "common/core/messages.h"
#include "common/core/party_protocol.h"
#include "common/core/phase_timer.h"
#include "common/core/secure_random.h"
#include "common/net/acceptor.h"
#include "common/net/concurrent.h"
#include "common/net/connector.h"
#include "common/net/gate.h"
#include "common/report/run_report.h"
#include "common/sys/peak_rss.h"

namespace mpcstats::party {

using core::Code;
using core::Status;
using wire::Envelope;
using net::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

// Exit code of the "exit-after-partial-sum" test hook (not one of the programs' own codes).
constexpr int kInjectedCrashExitCode = 3;

// How long to wait for the coordinator beyond our own timeout: it may be waiting the full
// timeout for a slow party, and its verdict (which names that party) should reach us first.
std::chrono::milliseconds CoordinatorWait(std::chrono::milliseconds timeout) {
  return timeout + std::min(timeout, std::chrono::milliseconds(5000));
}

// How long to wait for the verdict after our metrics went out. The coordinator gives a straggler
// one timeout from the first party's partial sum (ours came no earlier), so its verdict naming
// the straggler arrives within one timeout; the margin lets it reach us before we give up.
std::chrono::milliseconds VerdictWait(std::chrono::milliseconds timeout) {
  return timeout + std::min(timeout, std::chrono::milliseconds(2000));
}

class PartySession {
 public:
  explicit PartySession(PartyRunConfig config)
      : config_(std::move(config)),
        self_index_(config_.roster.IndexOf(config_.self_id)),
        protocol_(config_.roster, config_.self_id, std::move(config_.input)) {}

  awaitable<Status> Run() {
    Status status = co_await RunSteps();
    if (!status.ok()) {
      co_await AbortAll(status);
      // The coordinator answers every abort with the run's first failure, which names the
      // culprit (our own error may only be a consequence of it): wait briefly for that verdict.
      if (coordinator_verdict_ && !coordinator_verdict_->is_open() && !coordinator_silent_) {
        co_await coordinator_verdict_->Wait(Clock::now() + std::min(config_.timeout, std::chrono::milliseconds(2000)));
      }
      if (coordinator_abort_.code() == Code::kAborted) status = coordinator_abort_;
    }
    CloseAll();
    co_return status;
  }

 private:
  awaitable<Status> RunSteps() {
    if (Status s = co_await JoinCoordinator(); !s.ok()) co_return s;
    if (Status s = co_await ConnectPeers(); !s.ok()) co_return s;
    timer_.EndPhase(core::kPhaseConnect);
    if (Status s = co_await ExchangeShares(); !s.ok()) co_return s;
    timer_.EndPhase(core::kPhaseShares);
    // Peer links are done: close them now so their byte counts are final.
    for (auto& [id, channel] : peers_) channel->Close();
    co_return co_await ReportToCoordinator();
  }

  awaitable<Status> JoinCoordinator() {
    const auto& endpoint = config_.roster.coordinator;
    spdlog::info("{}: connecting to the coordinator at {}:{}", config_.self_id, endpoint.host, endpoint.port);
    net::ConnectOptions options{.self_id = config_.self_id,
                                .peer_id = std::string(core::kCoordinatorId),
                                .endpoint = endpoint,
                                .run_id = "",
                                .deadline = Clock::now() + config_.timeout,
                                .handshake_timeout = config_.timeout};
    // Named, not a temporary inside co_await: g++ 12 mishandles aggregate temporaries there.
    auto channel = co_await net::ConnectToPeer(*config_.tls, std::move(options));
    if (!channel.ok()) co_return channel.status();
    coordinator_ = *channel;
    spdlog::info("{}: connected to the coordinator; waiting for the other parties", config_.self_id);
    timer_.EndPhase("wait_coordinator");

    auto start = co_await coordinator_->Receive(CoordinatorWait(config_.timeout));
    if (!start.ok()) co_return start.status();
    run_id_ = start->run_id();
    if (Status s = core::CheckEnvelope(*start, run_id_, core::kCoordinatorId, {Envelope::kStart}); !s.ok()) co_return s;
    if (Status s = protocol_.OnStart(start->start()); !s.ok()) co_return s;
    spdlog::info("{}: run {} started with {} parties", config_.self_id, run_id_, config_.roster.num_parties());
    timer_.EndPhase("wait_start");
    auto executor = co_await net::asio::this_coro::executor;
    coordinator_verdict_ = std::make_unique<net::Gate>(executor);
    net::asio::co_spawn(executor, WatchCoordinator(), net::asio::detached);
    co_return Status::Ok();
  }

  // From Start on, the next message from the coordinator is Done or Abort. Reading it in the
  // background lets an Abort (another party died) stop our peer phase at once.
  // Its own deadline is only a backstop: every step of the session ends within one timeout of its
  // last progress, the verdict wait included (ReportToCoordinator), and the session's end ends it.
  awaitable<void> WatchCoordinator() {
    auto channel = coordinator_;
    auto verdict = co_await channel->Receive(std::chrono::hours(24));
    Status status = verdict.ok() ? core::CheckEnvelope(*verdict, run_id_, core::kCoordinatorId, {Envelope::kDone})
                                 : verdict.status();
    if (!status.ok()) {
      coordinator_abort_ = status;
      CloseAll();  // pending peer operations fail now instead of at their timeouts
    }
    coordinator_verdict_->Open();
  }

  // Parties later in the roster connect to earlier ones: one link per pair, no race over who dials.
  awaitable<Status> ConnectPeers() {
    net::AcceptOptions accept_options;
    accept_options.self_id = config_.self_id;
    accept_options.run_id = run_id_;
    accept_options.listen_address = config_.listen_address;
    accept_options.handshake_timeout = config_.timeout;
    const auto& parties = config_.roster.parties;
    for (size_t i = self_index_ + 1; i < parties.size(); ++i) accept_options.expected_ids.insert(parties[i].id);
    accept_options.port = parties[self_index_].endpoint.port;
    auto executor = co_await net::asio::this_coro::executor;
    acceptor_ = std::make_unique<net::Acceptor>(executor, config_.tls, accept_options);
    if (!accept_options.expected_ids.empty()) {
      if (Status s = acceptor_->Listen(); !s.ok()) co_return s;
    }
    const auto deadline = Clock::now() + config_.timeout;

    std::vector<awaitable<Status>> tasks;
    tasks.push_back(AcceptPeers(deadline));
    for (size_t i = 0; i < static_cast<size_t>(self_index_); ++i) tasks.push_back(DialPeer(parties[i], deadline));
    co_return co_await net::RunConcurrently(std::move(tasks));
  }

  awaitable<Status> AcceptPeers(Clock::time_point deadline) {
    auto accepted = co_await acceptor_->AcceptAll(deadline);
    for (const auto& [id, channel] : acceptor_->admitted()) peers_[id] = channel;
    if (!accepted.ok()) co_return accepted.status();
    co_return Status::Ok();
  }

  awaitable<Status> DialPeer(const core::PartyEntry& peer, Clock::time_point deadline) {
    net::ConnectOptions options{.self_id = config_.self_id,
                                .peer_id = peer.id,
                                .endpoint = peer.endpoint,
                                .run_id = run_id_,
                                .deadline = deadline,
                                .handshake_timeout = config_.timeout,
                                .cancelled = [this] { return !coordinator_abort_.ok(); }};
    auto channel = co_await net::ConnectToPeer(*config_.tls, std::move(options));
    if (!channel.ok()) co_return channel.status();
    spdlog::info("{}: connected to {}", config_.self_id, peer.id);
    peers_[peer.id] = *channel;
    co_return Status::Ok();
  }

  awaitable<Status> ExchangeShares() {
    std::vector<awaitable<Status>> tasks;
    if (protocol_.protocol() == core::ProtocolKind::kSeeded) {
      auto seeds = protocol_.MakeSeeds();
      if (!seeds.ok()) co_return seeds.status();
      spdlog::info("{}: sending one seed to each of {} peers (protocol seeded)", config_.self_id, peers_.size());
      for (auto& [peer_id, seed] : *seeds) {
        if (config_.inject_fault == "short-share") seed.mutable_key()->pop_back();
        Envelope message = core::MakeEnvelope(run_id_, config_.self_id);
        *message.mutable_seed_share() = std::move(seed);
        tasks.push_back(peers_.at(peer_id)->Send(std::move(message), config_.timeout));
        tasks.push_back(ReceiveShares(peers_.at(peer_id), 1));
      }
    } else {
      spdlog::info("{}: sending {} share chunk(s) to each of {} peers (protocol full)", config_.self_id,
                   protocol_.num_chunks(), peers_.size());
      tasks.push_back(SendShareChunks());
      for (auto& [peer_id, channel] : peers_) tasks.push_back(ReceiveShares(channel, protocol_.num_chunks()));
    }
    co_return co_await net::RunConcurrently(std::move(tasks));
  }

  // One chunk at a time to every peer at once: memory stays at N-1 chunks however long the vector.
  awaitable<Status> SendShareChunks() {
    for (size_t index = 0; index < protocol_.num_chunks(); ++index) {
      auto chunks = protocol_.MakeShareChunk(index, rng_);
      if (!chunks.ok()) co_return chunks.status();
      std::vector<awaitable<Status>> sends;
      for (auto& [peer_id, chunk] : *chunks) {
        if (config_.inject_fault == "short-share") chunk.mutable_values()->RemoveLast();
        Envelope message = core::MakeEnvelope(run_id_, config_.self_id);
        *message.mutable_shares() = std::move(chunk);
        sends.push_back(peers_.at(peer_id)->Send(std::move(message), config_.timeout));
      }
      if (Status s = co_await net::RunConcurrently(std::move(sends)); !s.ok()) co_return s;
    }
    co_return Status::Ok();
  }

  awaitable<Status> ReceiveShares(std::shared_ptr<net::Channel> channel, size_t messages) {
    const bool seeded = protocol_.protocol() == core::ProtocolKind::kSeeded;
    for (size_t i = 0; i < messages; ++i) {
      auto message = co_await channel->Receive(config_.timeout);
      if (!message.ok()) co_return message.status();
      const auto expected = seeded ? Envelope::kSeedShare : Envelope::kShares;
      if (Status s = core::CheckEnvelope(*message, run_id_, channel->peer_id(), {expected}); !s.ok()) co_return s;
      Status s = seeded ? protocol_.OnSeed(channel->peer_id(), message->seed_share())
                        : protocol_.OnShareChunk(channel->peer_id(), message->shares());
      if (!s.ok()) co_return s;
    }
    co_return Status::Ok();
  }

  // Streams the partial sum chunk by chunk; the next chunk is computed (seeded: PRG expansion)
  // while the previous one is on its way.
  awaitable<Status> SendPartialSum() {
    auto executor = co_await net::asio::this_coro::executor;
    std::shared_ptr<net::Gate> in_flight;
    auto in_flight_status = std::make_shared<Status>();
    Clock::duration summing{};
    for (size_t index = 0; index < protocol_.num_chunks(); ++index) {
      const auto started = Clock::now();
      auto chunk = protocol_.MakePartialSumChunk(index);
      summing += Clock::now() - started;
      if (!chunk.ok()) co_return chunk.status();
      Envelope message = core::MakeEnvelope(run_id_, config_.self_id);
      *message.mutable_partial_sum() = std::move(chunk).value();
      if (in_flight) {
        co_await in_flight->Wait(Clock::time_point::max());  // bounded by the send's own timeout
        if (!in_flight_status->ok()) co_return *in_flight_status;
      }
      in_flight = std::make_shared<net::Gate>(executor);
      net::asio::co_spawn(executor, coordinator_->Send(std::move(message), config_.timeout),
                          [gate = in_flight, in_flight_status](std::exception_ptr, Status status) {
                            *in_flight_status = std::move(status);
                            gate->Open();
                          });
    }
    if (in_flight) co_await in_flight->Wait(Clock::time_point::max());
    timer_.Record(core::kPhaseSumming, std::chrono::duration<double>(summing).count());
    if (in_flight_status->ok() && config_.inject_fault == "exit-after-partial-sum") {
      // A crash right after the last chunk left: no Abort, no Metrics, no cleanup.
      spdlog::warn("{}: --inject-fault exit-after-partial-sum: exiting now (simulated crash)", config_.self_id);
      spdlog::default_logger()->flush();
      std::_Exit(kInjectedCrashExitCode);
    }
    if (in_flight_status->ok() && config_.inject_fault == "second-partial-sum") {
      Envelope again = core::MakeEnvelope(run_id_, config_.self_id);
      again.mutable_partial_sum()->set_offset(0);
      again.mutable_partial_sum()->add_values(0);
      co_return co_await coordinator_->Send(std::move(again), config_.timeout);
    }
    co_return *in_flight_status;
  }

  // The partial sum, then at once this party's metrics, then the coordinator's verdict. Done comes
  // only after every party's partial sum and metrics are in and the totals verify, so a party that
  // dies or cheats after its partial sum fails the run for everyone (Abort) instead of slipping by.
  awaitable<Status> ReportToCoordinator() {
    if (config_.inject_fault == "stall-before-partial-sum") {
      // Shares done, then silence: what the coordinator sees of a party whose link dies here.
      spdlog::warn("{}: --inject-fault stall-before-partial-sum: sending nothing more", config_.self_id);
      spdlog::default_logger()->flush();
      if (Status s = co_await AwaitVerdict("our shares"); !s.ok()) co_return s;
      co_return Status(Code::kInternal, "Done without our partial sum");
    }
    if (Status s = co_await SendPartialSum(); !s.ok()) co_return s;
    spdlog::info("{}: partial sum sent to the coordinator", config_.self_id);
    timer_.EndPhase(core::kPhaseAggregation);

    Envelope metrics = core::MakeEnvelope(run_id_, config_.self_id);
    *metrics.mutable_metrics() = report::ToWire(Measure());
    if (Status s = co_await coordinator_->Send(std::move(metrics), config_.timeout); !s.ok()) co_return s;

    if (Status s = co_await AwaitVerdict("our metrics"); !s.ok()) co_return s;
    spdlog::info("{}: run {} complete", config_.self_id, run_id_);
    co_return Status::Ok();
  }

  // The coordinator's Done or Abort, within VerdictWait of our last message (`after` names it).
  awaitable<Status> AwaitVerdict(std::string_view after) {
    const auto wait = VerdictWait(config_.timeout);
    if (!co_await coordinator_verdict_->Wait(Clock::now() + wait)) {
      coordinator_silent_ = true;  // no point waiting for its verdict again in Run()
      co_return Status(Code::kTimeout, fmt::format("{}: no verdict (Done or Abort) within {} ms of {}",
                                                   core::kCoordinatorId, wait.count(), after));
    }
    co_return coordinator_abort_;
  }

  report::ProcessMetrics Measure() const {
    report::ProcessMetrics m;
    auto add = [&m](const std::string& id, const net::LinkStats& s) {
      m.wire_bytes_sent += s.wire_sent;
      m.wire_bytes_received += s.wire_received;
      m.payload_bytes_sent += s.payload_sent;
      m.payload_bytes_received += s.payload_received;
      m.link_wire_bytes_sent[id] = s.wire_sent;
      m.link_wire_bytes_received[id] = s.wire_received;
    };
    for (const auto& [id, channel] : peers_) add(id, channel->stats());
    if (coordinator_) add(std::string(core::kCoordinatorId), coordinator_->stats());
    m.phase_seconds = timer_.Seconds();
    m.peak_rss_bytes = sys::PeakRssBytes();
    return m;
  }

  // Best effort: tell everyone still connected why we stop, so they stop too and say why.
  awaitable<void> AbortAll(const Status& reason) {
    const auto abort_timeout = std::min(config_.timeout, std::chrono::milliseconds(2000));
    std::vector<awaitable<Status>> sends;
    if (coordinator_) sends.push_back(coordinator_->Send(core::MakeAbort(run_id_, config_.self_id, reason), abort_timeout));
    for (auto& [id, channel] : peers_) {
      sends.push_back(channel->Send(core::MakeAbort(run_id_, config_.self_id, reason), abort_timeout));
    }
    co_await net::RunConcurrently(std::move(sends));
  }

  void CloseAll() {
    if (acceptor_) acceptor_->Close();
    for (auto& [id, channel] : peers_) channel->Close();
  }

  PartyRunConfig config_;
  int self_index_;
  core::PartyProtocol protocol_;
  core::SecureRandom rng_;
  core::PhaseTimer timer_;
  std::string run_id_;
  std::shared_ptr<net::Channel> coordinator_;
  std::unique_ptr<net::Gate> coordinator_verdict_;  // opened when Done or Abort arrived
  Status coordinator_abort_;
  bool coordinator_silent_ = false;  // the verdict wait ran out
  std::unique_ptr<net::Acceptor> acceptor_;
  net::ChannelMap peers_;
};

}  // namespace

Status RunParty(PartyRunConfig config) {
  net::asio::io_context io;
  PartySession session(std::move(config));
  Status result(Code::kInternal, "run did not finish");
  net::asio::co_spawn(io, session.Run(), [&](std::exception_ptr error, Status status) {
    result = error ? Status(Code::kInternal, "unexpected exception") : std::move(status);
    io.stop();  // leftover handshakes of refused connections must not keep us alive
  });
  io.run();
  return result;
}

}  // namespace mpcstats::party
