// One structured line per served request. Never carries secrets: the path is logged without its
// query string, and no header (Authorization, Cookie, ...) is ever logged.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace pasaprod::http {

struct RequestLogEntry {
  std::string method;          // "GET"
  std::string path;            // raw path, without query
  std::string route{};         // the matched route's pattern ("/api/v1/releases/{number}"), "" if none
  int status = 0;              // 0: no response was sent (client gone, upload aborted)
  std::uint64_t bytes_in = 0;  // body bytes received
  std::uint64_t bytes_out = 0; // body bytes sent
  double ms = 0;               // from complete headers to response sent
  std::string user;            // Request::user(), "" = anonymous
  std::string client;          // remote address
  std::string note;            // why it ended abnormally ("client closed", "handler threw"), or ""
};

// Receives every entry; called on server threads, concurrently: must be thread-safe.
using RequestLogger = std::function<void(const RequestLogEntry&)>;

// "GET /api/v1/x 200 in=0 out=123 ms=1.2 user=ana client=127.0.0.1" (+ " note=...").
std::string format_request_log(const RequestLogEntry& entry);

// A RequestLogger writing format_request_log() lines at info level (warn for 5xx and aborted
// requests) to `logger`, or to spdlog's default logger when null.
RequestLogger spdlog_request_logger(std::shared_ptr<spdlog::logger> logger = nullptr);

}  // namespace pasaprod::http
