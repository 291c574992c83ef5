// /api/v1/releases/{number}/deliverables/{slot}/{filename}: streamed upload, download, removal.
#include <algorithm>

#include "api/routes.h"
#include "http/body_sink.h"
#include "service/json_view.h"
#include "util/sha256.h"

namespace pasaprod::api {

using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;

namespace {

// Streams the request body into an office Upload (the library hashes as it writes).
class UploadSink final : public http::BodySink {
 public:
  UploadSink(std::unique_ptr<Upload> upload, Lang lang) : upload_(std::move(upload)), lang_(lang) {}
  Status write(const char* data, std::size_t size) override { return upload_->write(data, size); }
  Response finish() override {
    auto f = upload_->finish();
    upload_.reset();
    if (!f) return Response::problem(f.error(), lang_);
    return Response::json(file_json(*f), 201).set_header("ETag", "\"" + f->sha256 + "\"");
  }
  void abort(const Error&) override { upload_.reset(); }  // dropping the writer discards the partial file

 private:
  std::unique_ptr<Upload> upload_;
  Lang lang_;
};

std::string content_type_for(const std::string& name) {
  const auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "pdf") return "application/pdf";
  if (ext == "zip") return "application/zip";
  if (ext == "sql" || ext == "txt" || ext == "sh" || ext == "md") return "text/plain; charset=utf-8";
  if (ext == "json") return "application/json";
  return "application/octet-stream";
}

}  // namespace

namespace {

// A blob that is not a local file, as a streamed body.
class BlobBody final : public http::BodySource {
 public:
  explicit BlobBody(std::unique_ptr<BlobReader> reader) : reader_(std::move(reader)) {}
  std::uint64_t size() const override { return static_cast<std::uint64_t>(reader_->size()); }
  Result<std::size_t> read(char* buffer, std::size_t capacity) override { return reader_->read(buffer, capacity); }
  bool seekable() const override { return reader_->seekable(); }
  Status seek(std::uint64_t offset) override { return reader_->seek(static_cast<std::int64_t>(offset)); }

 private:
  std::unique_ptr<BlobReader> reader_;
};

}  // namespace

Result<http::Response> blob_response(const BlobStore& blobs, const std::string& sha256, std::string content_type) {
  auto reader = blobs.open_read(sha256);
  if (!reader) return reader.error();
  const std::int64_t size = (*reader)->size();
  if (const int fd = (*reader)->release_fd(); fd >= 0) {
    return Response::file(http::FileSource(fd, static_cast<std::uint64_t>(size)), std::move(content_type), sha256);
  }
  return Response::stream(std::make_shared<BlobBody>(std::move(*reader)), std::move(content_type), sha256);
}

std::string disposition(const std::string& name) {
  std::string ascii, encoded;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

void add_file_routes(http::RouteTable& routes, ApiContext& ctx) {
  const std::string pattern = "/api/v1/releases/{number}/deliverables/{slot}/{filename}";
  routes.add({.method = Method::put,
              .pattern = pattern,
              .summary = "Upload a deliverable file",
              .description = "The raw file is the body (not multipart), streamed to the library with constant memory while its "
                             "SHA-256 is computed. Optional header `X-Content-SHA256`: when the received bytes hash otherwise, "
                             "the upload is refused (422) and nothing is kept. Replaces a file of the same name. Only while the "
                             "request is editable (draft, in QA, returned).",
              .body = BodyKind::stream,
              .responses = {{201, "Stored: slot, name, size, sha256"}, {413, "Over the upload limit"}, {422, "Digest mismatch or refused"}},
              .tags = {"deliverables"},
              .stream_handler = [&ctx](Request& req) -> Result<std::unique_ptr<http::BodySink>> {
                std::optional<std::string> expected;
                if (auto h = req.header("X-Content-SHA256")) {
                  std::string v(*h);
                  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
                  if (!is_sha256_hex(v)) {
                    return bad_field("X-Content-SHA256", "X-Content-SHA256 debe ser un SHA-256 en hexadecimal (64 caracteres).",
                                     "X-Content-SHA256 must be a hex SHA-256 (64 characters).");
                  }
                  expected = v;
                }
                auto up = ctx.office.begin_upload(caller(req), req.param("number"), req.param("slot"), req.param("filename"), expected,
                                                  static_cast<std::int64_t>(ctx.options.max_upload_bytes));
                if (!up) return up.error();
                return std::unique_ptr<http::BodySink>(new UploadSink(std::move(*up), req.lang()));
              }});
  routes.add({.method = Method::get,
              .pattern = pattern,
              .summary = "Download a deliverable file",
              .description = "Streams the stored bytes: Content-Length, ETag = SHA-256, single Range requests (206/416), HEAD.",
              .responses = {{200, "The file"}, {206, "Part of the file"}, {404, "No such file"}},
              .tags = {"deliverables"},
              .handler = [&ctx](Request& req) {
                auto v = ctx.office.view(req.param("number"), "");
                if (!v) return problem(req, v.error());
                for (const auto& f : v->release.files) {
                  if (f.slot != req.param("slot") || f.name != req.param("filename")) continue;
                  auto download = blob_response(ctx.office.library(), f.sha256, content_type_for(f.name));
                  if (!download) return problem(req, download.error());
                  return download->set_header("Content-Disposition", disposition(f.name))
                      .set_header("X-Content-SHA256", f.sha256);
                }
                return problem(req, make_error(Code::not_found, "file.not_found", "No hay un archivo «" + req.param("filename") + "» en ese entregable.",
                                               "There is no file \"" + req.param("filename") + "\" in that deliverable."));
              }});
  routes.add({.method = Method::del,
              .pattern = pattern,
              .summary = "Remove a deliverable file",
              .description = "Only while the request is editable.",
              .responses = {{204, "Removed"}},
              .tags = {"deliverables"},
              .handler = [&ctx](Request& req) {
                auto st = ctx.office.remove_deliverable(caller(req), req.param("number"), req.param("slot"), req.param("filename"));
                return st ? Response::empty() : problem(req, st.error());
              }});
}

}  // namespace pasaprod::api
