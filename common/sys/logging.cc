#include "common/sys/logging.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace mpcstats::sys {

core::Status SetUpLogging(const std::string& process_id, const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return core::Status(core::Code::kUsage, fmt::format("--log-level: unknown level '{}'", level));
  }
  auto logger = spdlog::stderr_logger_mt(process_id);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  return core::Status::Ok();
}

}  // namespace mpcstats::sys
