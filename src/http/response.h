// An HTTP response as handlers build it, without Beast.
//
//   return Response::json({{"number", n}}, 201).set_header("Location", url);
//   return Response::problem(result.error(), req.lang());        // RFC 9457 problem+json
//   return Response::redirect("/login").set_cookie({.name = "s", .value = "", .max_age = 0s});
//   auto f = FileSource::open(path);
//   if (!f) return Response::problem(f.error(), req.lang());
//   return Response::file(std::move(*f), "application/pdf", sha256_hex);
//
// File responses are streamed from the descriptor with constant memory; the server answers
// HEAD, If-None-Match (304) and a single byte Range (206/416) for them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "http/body_source.h"

namespace pasaprod::http {

// HTTP status for an error code: invalid_argument 400, unauthenticated 401,
// permission_denied 403, not_found 404, already_exists/conflict 409, too_large 413,
// failed_precondition 422, data_loss/internal (and ok, misused) 500.
int http_status(Code code);

// Reason phrase ("Not Found"); "" for unknown statuses.
const char* reason_phrase(int status);

// The RFC 9457 body: {type, title, status, detail, code, id?, details{...}} with title and
// detail in `lang`. `status` 0 means http_status(error.code). A detail key given several times
// becomes an array of its values (e.g. every missing deliverable).
nlohmann::json problem_json(const Error& error, Lang lang, int status = 0);

struct Cookie {
  std::string name{};
  std::string value{};                       // sent verbatim: encode it if needed
  std::string path = "/";
  std::optional<std::chrono::seconds> max_age{};  // nullopt = session cookie; 0 = delete
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";             // "Strict", "Lax", "None" or "" (omit)
};

// The Set-Cookie header value for `cookie`.
std::string format_set_cookie(const Cookie& cookie);

// An open file to stream in a response. Move-only; owns (and closes) the descriptor.
class FileSource {
 public:
  // Opens `path` read-only. not_found when it does not exist, internal on other failures.
  static Result<FileSource> open(const std::string& path);
  // Takes ownership of `fd`, a readable regular file of `size` bytes (pread is used).
  FileSource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&& other) noexcept;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  ~FileSource();

  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

class Response {
 public:
  // `body` serialized, Content-Type application/json.
  static Response json(const nlohmann::json& body, int status = 200);
  // problem+json for `error` in `lang` (Content-Language set). `status` 0 = http_status(code).
  static Response problem(const Error& error, Lang lang, int status = 0);
  // text/plain; charset=utf-8.
  static Response text(std::string body, int status = 200);
  // text/html; charset=utf-8.
  static Response html(std::string body, int status = 200);
  // Redirect (303 See Other by default: after a POST, GET the location).
  static Response redirect(std::string location, int status = 303);
  // No body (204 by default).
  static Response empty(int status = 204);
  // The file's content. `etag` is the strong validator (e.g. the SHA-256 hex); quotes are
  // added when missing; "" = none (then no 304 and If-Range never matches).
  static Response file(FileSource source, std::string content_type, std::string etag);
  // A generated body pulled from `source` with constant memory (see body_source.h): 200 with
  // Content-Length = source->size(); If-None-Match matching `etag` (quoted when needed; "" =
  // none) gives 304. No Range.
  static Response stream(std::shared_ptr<BodySource> source, std::string content_type, std::string etag);

  // Replaces every header named `name` (case-insensitive) with one.
  Response& set_header(std::string name, std::string value);
  // Adds a header, keeping others of the same name.
  Response& add_header(std::string name, std::string value);
  // Adds a Set-Cookie header.
  Response& set_cookie(const Cookie& cookie) { return add_header("Set-Cookie", format_set_cookie(cookie)); }
  Response& set_status(int status) { status_ = status; return *this; }

  int status() const { return status_; }
  const std::string& body() const { return body_; }
  std::string& mutable_body() { return body_; }
  // Extra headers, Content-Type included.
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // Value of the first header named `name` (case-insensitive), nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;

  bool is_file() const { return file_ != nullptr; }
  FileSource* file() { return file_.get(); }
  const std::string& etag() const { return etag_; }  // quoted, file and stream responses only
  bool is_stream() const { return stream_ != nullptr; }
  BodySource* stream_source() { return stream_.get(); }

 private:
  int status_ = 200;
  std::string body_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::shared_ptr<FileSource> file_;  // shared so that Response stays copyable
  std::shared_ptr<BodySource> stream_;
  std::string etag_;
};

}  // namespace pasaprod::http
