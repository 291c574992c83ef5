#include "cli/log_output.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace pasaprod {

namespace {

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string level_name(spdlog::level::level_enum l) {
  auto sv = spdlog::level::to_string_view(l);
  return std::string(sv.data(), sv.size());
}

}  // namespace

// The one place that writes the log: holds the FILE* under base_sink's mutex.
class LogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LogSink(LogOutput::Format format, std::string path, std::FILE* file)
      : format_(format), path_(std::move(path)), file_(file) {}
  ~LogSink() override {
    if (file_ != stderr) std::fclose(file_);
  }

  // Writes one JSON object (with time and level added) as a line.
  void write_json(spdlog::level::level_enum level, nlohmann::json fields) {
    nlohmann::json line = {{"time", iso_utc(std::chrono::system_clock::now())}, {"level", level_name(level)}};
    line.update(fields);
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);
  }

  void reopen() {
    if (path_.empty()) return;
    std::lock_guard lock(mutex_);
    std::FILE* f = std::fopen(path_.c_str(), "a");
    if (f == nullptr) {
      std::string why = "pasaprod: could not reopen the log file " + path_ + "; still writing to the old one\n";
      std::fwrite(why.data(), 1, why.size(), file_);
      std::fflush(file_);
      return;
    }
    std::fclose(file_);
    file_ = f;
  }

  LogOutput::Format format() const { return format_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text;
    if (format_ == LogOutput::Format::json) {
      nlohmann::json line = {{"time", iso_utc(msg.time)},
                             {"level", level_name(msg.level)},
                             {"msg", std::string(msg.payload.data(), msg.payload.size())}};
      text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else {
      spdlog::memory_buf_t buf;
      formatter_->format(msg, buf);
      text.assign(buf.data(), buf.size());
    }
    std::fwrite(text.data(), 1, text.size(), file_);
  }
  void flush_() override { std::fflush(file_); }

 private:
  const LogOutput::Format format_;
  const std::string path_;
  std::FILE* file_;  // GUARDED_BY(mutex_)
};

Result<std::shared_ptr<LogOutput>> LogOutput::open(Format format, const std::string& path) {
  std::FILE* f = stderr;
  if (!path.empty()) {
    f = std::fopen(path.c_str(), "a");
    if (f == nullptr) {
      return make_error(Code::internal, "log.open_failed", "No se pudo abrir el archivo de registro " + path + " para escribir.",
                        "Could not open the log file " + path + " for appending.")
          .with("path", path);
    }
  }
  auto out = std::shared_ptr<LogOutput>(new LogOutput());
  out->sink_ = std::make_shared<LogSink>(format, path, f);
  out->logger_ = std::make_shared<spdlog::logger>("pasaprod", out->sink_);
  out->logger_->flush_on(spdlog::level::trace);  // every line reaches the file at once
  return out;
}

http::RequestLogger LogOutput::request_logger() const {
  if (sink_->format() == Format::text) return http::spdlog_request_logger(logger_);
  return [sink = sink_](const http::RequestLogEntry& e) {
    const bool bad = e.status == 0 || e.status >= 500;
    nlohmann::json f = {{"msg", "request"}, {"event", "request"}, {"method", e.method}, {"route", e.route},
                        {"path", e.path},   {"status", e.status},  {"in", e.bytes_in},   {"out", e.bytes_out},
                        {"ms", e.ms},       {"user", e.user},      {"client", e.client}};
    if (!e.note.empty()) f["note"] = e.note;
    sink->write_json(bad ? spdlog::level::warn : spdlog::level::info, std::move(f));
  };
}

void LogOutput::reopen() { sink_->reopen(); }

}  // namespace pasaprod
