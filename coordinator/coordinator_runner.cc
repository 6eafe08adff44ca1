#include "coordinator/coordinator_runner.h"

#include <spdlog/spdlog.h>

#include "common/core/coordinator/coordinator_engine.h"
#include "common/core/phase_timer.h"
#include "common/core/secure_random.h"
#include "common/net/pump.h"
#include "common/sys/peak_rss.h"
#include "common/net/tls_links.h"

namespace mpcstats::coordinator {

using core::Status;

struct CoordinatorRunner::Impl {
  explicit Impl(const CoordinatorRunConfig& c)
      : config(c),
        links(io.get_executor(), {.self_id = std::string(core::kCoordinatorId),
                                  .roster = &config.roster,
                                  .tls = config.tls,
                                  .timeout = config.timeout,
                                  .listen_address = config.listen_address}),
        pump(io.get_executor(), links,
             {.self_id = std::string(core::kCoordinatorId),
              .timeout = config.timeout,
              .abort_timeout = std::min<net::Duration>(config.timeout, std::chrono::seconds(2))}),
        engine(config.roster, config.parameters, config.query_plan, pump, rng) {
    engine.context().log = [](core::LogLevel level, const std::string& line) {
      if (level == core::LogLevel::kWarn) spdlog::warn("{}", line);
      else spdlog::info("{}", line);
    };
    // secagg: what every included party gets (run.json without the per-process metrics).
    engine.context().render = [this](const core::RunResult& result) {
      return report::RenderPublishedResult(result, config.roster);
    };
  }

  report::ProcessMetrics Measure() const {
    report::ProcessMetrics m;
    for (const auto& [id, s] : pump.Stats()) {
      m.wire_bytes_sent += s.wire_sent;
      m.wire_bytes_received += s.wire_received;
      m.payload_bytes_sent += s.payload_sent;
      m.payload_bytes_received += s.payload_received;
      m.link_wire_bytes_sent[id] = s.wire_sent;
      m.link_wire_bytes_received[id] = s.wire_received;
    }
    m.phase_seconds = engine.PhaseSeconds();
    m.peak_rss_bytes = sys::PeakRssBytes();
    return m;
  }

  const CoordinatorRunConfig& config;
  net::asio::io_context io;
  net::TlsLinkMaker links;
  net::Pump pump;
  core::SecureRandom rng;
  core::CoordinatorEngine engine;
};

CoordinatorRunner::CoordinatorRunner(const CoordinatorRunConfig& config) : impl_(std::make_unique<Impl>(config)) {}
CoordinatorRunner::~CoordinatorRunner() = default;

Status CoordinatorRunner::Prepare() { return impl_->links.Listen(); }

Status CoordinatorRunner::Run(report::RunReport* report) {
  Status result(core::Code::kInternal, "run did not finish");
  net::asio::co_spawn(impl_->io, impl_->pump.Run(impl_->engine), [&](std::exception_ptr error, Status status) {
    result = error ? core::ExceptionStatus(error) : std::move(status);
    impl_->io.stop();
  });
  impl_->io.run();
  if (!result.ok()) return result;
  report::FillRunReport(std::move(impl_->engine.result()), impl_->config.roster, report);
  report->processes[std::string(core::kCoordinatorId)] = impl_->Measure();
  return result;
}

}  // namespace mpcstats::coordinator
