// Where `pasaprod serve` writes its log: standard error or a file, as text lines or as one JSON
// object per line, reopened on demand (SIGHUP, after logrotate moved the file).
//
//   auto out = LogOutput::open(LogOutput::Format::json, "/var/log/pasaprod/serve.log");
//   spdlog::set_default_logger((*out)->logger());
//   config.request_logger = (*out)->request_logger();
//   ... on SIGHUP: (*out)->reopen();
//
// JSON lines: {"time":"2026-12-05T10:31:30.123Z","level":"info","msg":"..."}; a served request
// adds "event":"request" and its fields (method, route, path, status, in, out, ms, user, client,
// note) — never a query string, header or secret (http/request_log.h).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "http/request_log.h"

namespace spdlog {
class logger;
}

namespace pasaprod {

class LogSink;

class LogOutput {
 public:
  enum class Format { text, json };

  // `path` "" = standard error. Errors: internal ("log.open_failed") when the file cannot be
  // opened for appending.
  static Result<std::shared_ptr<LogOutput>> open(Format format, const std::string& path);

  // A logger writing here (name "pasaprod").
  std::shared_ptr<spdlog::logger> logger() const { return logger_; }
  // Writes each served request here: a text line (format_request_log) or a JSON object.
  http::RequestLogger request_logger() const;
  // Closes and reopens the file by its path (nothing for standard error). Thread-safe. When
  // the path cannot be opened, keeps writing to the old file and says so there.
  void reopen();

 private:
  std::shared_ptr<LogSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace pasaprod
