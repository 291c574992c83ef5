#include "http/request_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pasaprod::http {

std::string format_request_log(const RequestLogEntry& e) {
  std::string line = fmt::format("{} {} {} in={} out={} ms={:.1f} user={} client={}", e.method,
                                 e.path, e.status == 0 ? std::string("-") : std::to_string(e.status),
                                 e.bytes_in, e.bytes_out, e.ms, e.user.empty() ? "-" : e.user,
                                 e.client);
  if (!e.note.empty()) line += fmt::format(" note=\"{}\"", e.note);
  return line;
}

RequestLogger spdlog_request_logger(std::shared_ptr<spdlog::logger> logger) {
  return [logger = std::move(logger)](const RequestLogEntry& e) {
    spdlog::logger* l = logger ? logger.get() : spdlog::default_logger_raw();
    bool bad = e.status == 0 || e.status >= 500;
    l->log(bad ? spdlog::level::warn : spdlog::level::info, format_request_log(e));
  };
}

}  // namespace pasaprod::http
