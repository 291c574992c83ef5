// POST /releases/{number}/files: deliverables uploaded with the plain form of the release page
// (multipart/form-data, works without JavaScript; app.js sends the same files with PUT and a
// progress bar instead).
//
// The form sends csrf and slot before its file parts. The body is parsed as it streams in: the
// session comes from the cookie when the headers arrive; csrf and the procedure (may this user
// add this file to this slot now?) are checked when a file part begins, before any of its bytes
// reach the library; each file streams into a library writer (hashed, written to a temporary
// file) and all of them are recorded together, in one transaction, once the closing boundary
// has arrived (Office::finish_uploads: every file or none). Any error (bad csrf, refused, too
// large, truncated or malformed body, or a refusal when recording) drops every writer — no
// file, no record — reads and discards the rest of the body, and answers 303 to the release
// page, which shows the reason next to the slot (a flash). Success: 303 to the release page,
// which shows the digest.
#include <vector>

#include <spdlog/spdlog.h>

#include "http/body_sink.h"
#include "util/sha256.h"
#include "web/multipart.h"
#include "web/pages.h"

namespace pasaprod::web {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxFiles = 20;        // file parts in one form (each holds an open writer)
constexpr std::size_t kMaxFieldBytes = 1024;  // a text field (csrf, slot)

std::string release_url(const std::string& number) { return "/releases/" + url_part(number); }

// An error whose messages come from the catalog entry upload.errors.<key>.
Error catalog_error(const Page& page, Code code, const std::string& key, const std::vector<std::pair<std::string, std::string>>& args = {}) {
  return make_error(code, "upload." + key, page.cat->format(Lang::es, "upload.errors." + key, args),
                    page.cat->format(Lang::en, "upload.errors." + key, args));
}

// The errors of the multipart layer and of the limits, in the catalog's words; others as they are.
Error for_people(const Page& page, const Error& e, std::uint64_t limit) {
  if (e.code == Code::too_large) {
    return catalog_error(page, Code::too_large, "too_large", {{"limit", page.cat->size(page.lang, static_cast<std::int64_t>(limit))}});
  }
  if (e.id == "multipart.truncated" || e.id == "http.body_incomplete") return catalog_error(page, Code::invalid_argument, "truncated");
  if (e.id.rfind("multipart.", 0) == 0) return catalog_error(page, Code::invalid_argument, "malformed");
  return e;
}

// The last path component: some browsers sent whole paths ("C:\fakepath\a.zip").
std::string base_name(const std::string& name) {
  const auto at = name.find_last_of("/\\");
  return at == std::string::npos ? name : name.substr(at + 1);
}

http::Response refused_page(Page& page, const std::string& number, const std::string& slot, const Error& e) {
  return refused_form(page, number, "file:" + slot, e);
}

class FormUploadSink final : public http::BodySink, private MultipartHandler {
 public:
  // REQUIRES: page.who (a signed-in user); `web` is what page refers to.
  FormUploadSink(WebPtr web, Page page, std::string boundary, std::uint64_t limit)
      : web_(std::move(web)), page_(std::move(page)), number_(page_.req.param("number")), parser_(std::move(boundary)), limit_(limit) {}

  // A sink that reads and discards the whole body, then answers `refusal`.
  FormUploadSink(WebPtr web, Page page, http::Response refusal)
      : web_(std::move(web)), page_(std::move(page)), parser_("-"), limit_(0), ready_(std::move(refusal)) {}

  Status write(const char* data, std::size_t size) override {
    if (ready_ || error_) return ok_status();  // discarding the rest
    if (Status s = parser_.feed(data, size, *this); !s) fail(s.error());
    return ok_status();
  }

  http::Response finish() override {
    if (ready_) return std::move(*ready_);
    if (!error_) {
      if (Status s = parser_.finish(); !s) fail(s.error());
    }
    if (!error_ && done_.empty()) fail(catalog_error(page_, Code::invalid_argument, "no_file"));
    if (error_ && error_->id == "upload.csrf") return page_.error_page(*error_);  // forged: no flash, as for any form
    if (error_) return refused_page(page_, number_, slot_, for_people(page_, *error_, limit_));
    if (already_uploaded()) {
      const std::string last = slot_ + "/" + done_.back().name;
      drop();
      return page_.redirect(release_url(number_) + "?uploaded=" + url_part(last) + "#slot-" + url_part(slot_));
    }
    std::vector<std::unique_ptr<Upload>> uploads;
    for (auto& part : done_) uploads.push_back(std::move(part.upload));
    done_.clear();
    auto files = page_.office().finish_uploads(std::move(uploads));  // every file or none
    if (!files) return refused_page(page_, number_, slot_, files.error());
    const std::string last = files->back().slot + "/" + files->back().name;
    return page_.redirect(release_url(number_) + "?uploaded=" + url_part(last) + "#slot-" + url_part(slot_));
  }

  void abort(const Error& why) override {
    if (!ready_ && !error_) spdlog::info("web: upload to {} aborted: {}", number_, why.en);
    drop();
  }

 private:
  void drop() {
    current_.reset();  // dropping a writer discards its temporary file
    done_.clear();
  }
  void fail(Error e) {
    drop();
    error_ = std::move(e);
  }

  // True when the form was loaded at another row_version and each of its files is in the slot
  // already, with the same name and content.
  bool already_uploaded() {
    if (!row_version_) return false;
    auto v = page_.office().view(number_, "");
    if (!v || v->release.row_version == *row_version_) return false;
    for (const auto& part : done_) {
      bool there = false;
      for (const auto* f : v->release.files_in(slot_)) there = there || (f->name == part.name && f->sha256 == part.sha256);
      if (!there) return false;
    }
    return true;
  }

  Status on_part_begin(const PartHeaders& h) override {
    field_.reset();
    if (!h.filename) {
      field_ = std::make_pair(h.name, std::string());
      return ok_status();
    }
    if (!csrf_ok_) return catalog_error(page_, Code::permission_denied, "csrf");
    if (slot_.empty()) return catalog_error(page_, Code::invalid_argument, "no_slot");
    if (h.filename->empty()) return ok_status();  // an empty file input: its bytes are ignored
    if (done_.size() >= kMaxFiles) return catalog_error(page_, Code::invalid_argument, "too_many", {{"n", std::to_string(kMaxFiles)}});
    current_name_ = base_name(*h.filename);
    current_digest_ = std::make_unique<Sha256>();
    auto up = page_.office().begin_upload(page_.caller(), number_, slot_, current_name_, std::nullopt, static_cast<std::int64_t>(limit_));
    if (!up) return up.error();
    current_ = std::move(*up);
    return ok_status();
  }

  Status on_part_data(const char* data, std::size_t size) override {
    if (current_) {
      current_digest_->update(data, size);
      return current_->write(data, size);
    }
    if (field_) {
      if (field_->second.size() + size > kMaxFieldBytes) return catalog_error(page_, Code::invalid_argument, "malformed");
      field_->second.append(data, size);
    }
    return ok_status();  // an empty file input's bytes (none, normally)
  }

  Status on_part_end() override {
    if (current_) {
      done_.push_back({current_name_, current_digest_->hex_digest(), std::move(current_)});
    } else if (field_) {
      if (field_->first == "csrf") csrf_ok_ = csrf_matches(field_->second, page_.who->csrf_token);
      if (field_->first == "slot") slot_ = field_->second;
      if (field_->first == "row_version") {
        try {
          row_version_ = std::stoll(field_->second);
        } catch (...) {
          row_version_.reset();
        }
      }
      field_.reset();
    }
    return ok_status();
  }

  WebPtr web_;
  Page page_;
  std::string number_;
  MultipartParser parser_;
  const std::uint64_t limit_;
  std::optional<http::Response> ready_;  // answer decided before the body (no session, not multipart)
  std::optional<Error> error_;           // set once; the rest of the body is discarded
  bool csrf_ok_ = false;
  std::string slot_;
  std::optional<std::pair<std::string, std::string>> field_;  // the text field being read: name, value
  std::optional<std::int64_t> row_version_;  // the request's, when the form was loaded
  std::string current_name_;
  std::unique_ptr<Sha256> current_digest_;  // of the file part being read
  std::unique_ptr<Upload> current_;         // the file part being read
  struct Part {
    std::string name, sha256;
    std::unique_ptr<Upload> upload;
  };
  std::vector<Part> done_;  // complete file parts, not yet recorded
};

}  // namespace

void add_upload_pages(http::RouteTable& routes, const WebPtr& web) {
  routes.add({.method = http::Method::post,
              .pattern = "/releases/{number}/files",
              .auth = http::Auth::none,
              .summary = "Upload deliverables with the release page's form (multipart/form-data: csrf, slot, then file parts)",
              .description = "Web form (HTML); signs in through the session cookie. Files stream into the library and are recorded "
                             "only when the whole body has arrived; any refusal keeps nothing and answers 303 to the release page, "
                             "which shows the reason. Success: 303 to the release page.",
              .body = http::BodyKind::stream,
              .responses = {{303, "Stored, or refused (role, over the upload limit): to the release page"},
                            {403, "Wrong CSRF token", nullptr, "text/html"}},
              .tags = {"web"},
              .stream_handler = [web](http::Request& req) -> Result<std::unique_ptr<http::BodySink>> {
                const std::uint64_t limit = web->api_options().max_upload_bytes;
                Page page(*web, req);
                std::unique_ptr<http::BodySink> sink;
                auto boundary = multipart_boundary(req.header("Content-Type").value_or(""));
                if (!page.who) {
                  sink = std::make_unique<FormUploadSink>(web, page, http::Response::redirect("/login"));
                } else if (!boundary) {
                  auto refusal = refused_page(page, req.param("number"), "", catalog_error(page, Code::invalid_argument, "malformed"));
                  sink = std::make_unique<FormUploadSink>(web, page, std::move(refusal));
                } else {
                  sink = std::make_unique<FormUploadSink>(web, page, *boundary, limit);
                }
                return sink;
              },
              .stream_refusal = [web](http::Request& req, const Error& why) {
                Page page(*web, req);
                if (!page.who) return http::Response::redirect("/login");
                return refused_page(page, req.param("number"), "", for_people(page, why, web->api_options().max_upload_bytes));
              }});
}

}  // namespace pasaprod::web
