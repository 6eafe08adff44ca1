#include "party/party_runner.h"

#include <spdlog/spdlog.h>

#include "common/core/party/party_engine.h"
#include "common/core/phase_timer.h"
#include "common/core/secure_random.h"
#include "common/net/pump.h"
#include "common/sys/peak_rss.h"
#include "common/net/tls_links.h"
#include "common/report/atomic_file.h"

namespace mpcstats::party {

using core::Status;

struct PartyRunner::Impl {
  explicit Impl(PartyRunConfig c)
      : config(std::move(c)),
        links(io.get_executor(), {.self_id = config.self_id,
                                  .roster = &config.roster,
                                  .tls = config.tls,
                                  .timeout = config.timeout,
                                  .listen_address = config.listen_address}),
        pump(io.get_executor(), links,
             {.self_id = config.self_id,
              .timeout = config.timeout,
              .abort_timeout = std::min<net::Duration>(config.timeout, std::chrono::seconds(2))}),
        outbox(pump, config.fault, config.crash, config.stalled),
        engine(config.roster, config.self_id, std::move(config.input), outbox, rng, core::SystemSteadyClock(),
               [this] { return Measure(); }, std::move(config.identity)) {
    engine.context().log = [id = config.self_id](core::LogLevel level, const std::string& line) {
      if (level == core::LogLevel::kWarn) spdlog::warn("{}", line);
      else spdlog::info("{}", line);
    };
  }

  // Sizes and times only, never data.
  wire::Metrics Measure() const {
    wire::Metrics m;
    for (const auto& [id, s] : pump.Stats()) {
      m.set_wire_bytes_sent(m.wire_bytes_sent() + s.wire_sent);
      m.set_wire_bytes_received(m.wire_bytes_received() + s.wire_received);
      m.set_payload_bytes_sent(m.payload_bytes_sent() + s.payload_sent);
      m.set_payload_bytes_received(m.payload_bytes_received() + s.payload_received);
      (*m.mutable_link_wire_bytes_sent())[id] = s.wire_sent;
      (*m.mutable_link_wire_bytes_received())[id] = s.wire_received;
    }
    m.set_peak_rss_bytes(sys::PeakRssBytes());
    return m;
  }

  PartyRunConfig config;
  net::asio::io_context io;
  net::TlsLinkMaker links;
  net::Pump pump;
  core::FaultOutbox outbox;
  core::SecureRandom rng;
  core::PartyEngine engine;
};

PartyRunner::PartyRunner(PartyRunConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
PartyRunner::~PartyRunner() = default;

Status PartyRunner::Prepare() { return impl_->links.Listen(); }

Status PartyRunner::Run() {
  Status result(core::Code::kInternal, "run did not finish");
  net::asio::co_spawn(impl_->io, impl_->pump.Run(impl_->engine), [&](std::exception_ptr error, Status status) {
    result = error ? core::ExceptionStatus(error) : std::move(status);
    impl_->io.stop();  // leftover handshakes of refused connections must not keep us alive
  });
  impl_->io.run();
  if (!result.ok()) return result;
  if (const auto& published = impl_->engine.published()) {
    const std::string json_path = impl_->config.out_dir + "/result.json";
    if (Status s = report::WriteFileAtomically(json_path, published->result_json()); !s.ok()) return s;
    if (!published->result_csv().empty()) {
      const std::string csv_path = impl_->config.out_dir + "/result.csv";
      if (Status s = report::WriteFileAtomically(csv_path, published->result_csv()); !s.ok()) return s;
    }
    spdlog::info("{}: result written to {}", impl_->config.self_id, json_path);
  }
  return result;
}

}  // namespace mpcstats::party
