// Generated documents (SPEC §5) and the library baselines (SPEC §6):
//   /api/v1/releases/{number}/documents[/{document}]
//   /api/v1/systems/{code}/baselines[/{version}[/archive]]
//   /api/v1/settings/documents
#include "api/routes.h"
#include "http/body_source.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

// The archive of a baseline as an HTTP body, produced while it is sent.
class ArchiveBody final : public http::BodySource {
 public:
  explicit ArchiveBody(std::unique_ptr<TarStream> tar) : tar_(std::move(tar)) {}
  std::uint64_t size() const override { return tar_->size(); }
  Result<std::size_t> read(char* buffer, std::size_t capacity) override { return tar_->read(buffer, capacity); }

 private:
  std::unique_ptr<TarStream> tar_;
};

}  // namespace

void add_document_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/api/v1/releases/{number}/documents",
              .summary = "Generated documents of a release",
              .description = "The PDFs pasaprod generated for the release (informe de pase a producción at `prepare_report`, "
                             "acta del comité de emergencia at `committee_approve`, acta de conformidad at `accept`), oldest "
                             "first: kind, step, name, sha256, size, verification_code, issued_at, url.",
              .tags = {"documents"},
              .handler = [&ctx](Request& req) {
                auto docs = ctx.office.documents(req.param("number"));
                if (!docs) return problem(req, docs.error());
                json items = json::array();
                for (const auto& d : *docs) items.push_back(document_json(d));
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/releases/{number}/documents/{document}",
              .summary = "Download a generated document",
              .description = "`document` is the id or the file name (the newest of that name). Streams the PDF from the "
                             "library: ETag = SHA-256, single Range requests (206/416), HEAD. Header "
                             "`X-Verification-Code` carries the code printed on it.",
              .responses = {{200, "The PDF"}, {206, "Part of it"}, {404, "No such document"}},
              .tags = {"documents"},
              .handler = [&ctx](Request& req) {
                auto d = ctx.office.document(req.param("number"), req.param("document"));
                if (!d) return problem(req, d.error());
                auto download = blob_response(ctx.office.library(), d->sha256, "application/pdf");
                if (!download) return problem(req, download.error());
                return download->set_header("Content-Disposition", disposition(d->name))
                    .set_header("X-Content-SHA256", d->sha256)
                    .set_header("X-Verification-Code", d->verification_code);
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/systems/{code}/baselines",
              .summary = "Library baselines of a system",
              .description = "Per version, the frozen baseline of the release that reached `verified` with a `baseline` record "
                             "(SPEC §6), newest version first, without the file list.",
              .tags = {"library"},
              .handler = [&ctx](Request& req) {
                auto list = ctx.office.baselines(req.param("code"));
                if (!list) return problem(req, list.error());
                json items = json::array();
                for (const auto& b : *list) items.push_back(baseline_json(b, false));
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/systems/{code}/baselines/{version}",
              .summary = "One baseline with its files",
              .description = "Every file (deliverables/<slot>/<name>, documents/<name>) with its SHA-256 and size, the release, "
                             "and the approval manifest digest frozen by the `baseline` record.",
              .responses = {{200, "The baseline"}, {404, "No baseline of that version"}},
              .tags = {"library"},
              .handler = [&ctx](Request& req) {
                auto b = ctx.office.baseline(req.param("code"), req.param("version"));
                return b ? Response::json(baseline_json(*b, true)) : problem(req, b.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/systems/{code}/baselines/{version}/archive",
              .summary = "Download a baseline as one tar archive",
              .description = "A POSIX tar (open it with `tar -xf`) streamed with constant memory: `<SYSTEM>-<version>/MANIFEST` "
                             "(release number, version, approval manifest SHA-256, every file's SHA-256 and size), "
                             "`SHA256SUMS` (for `sha256sum -c`), `deliverables/<slot>/<name>` and `documents/<name>`. "
                             "Each file's digest is rechecked while it is sent; on a mismatch the connection is cut. "
                             "Check a download with `pasaprod library verify-archive FILE`.",
              .responses = {{200, "The archive (application/x-tar)"}, {404, "No baseline of that version"}},
              .tags = {"library"},
              .handler = [&ctx](Request& req) {
                auto a = ctx.office.baseline_archive(req.param("code"), req.param("version"));
                if (!a) return problem(req, a.error());
                return Response::stream(std::make_shared<ArchiveBody>(std::move(a->stream)), "application/x-tar", a->etag)
                    .set_header("Content-Disposition", disposition(a->file_name));
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/settings/documents",
              .summary = "Settings of generated documents",
              .description = "`institution` (printed on every document), `lang` (es|en) and `time_zone` (the office's "
                             "IANA time zone, default America/Lima: every time a person reads is in it).",
              .tags = {"configuration"},
              .handler = [&ctx](Request&) {
                std::optional<std::string> inst, lang;
                (void)ctx.office.store().read([&](ReadTx& tx) -> Status {
                  inst = tx.setting(kInstitutionSetting);
                  lang = tx.setting(kDocumentLangSetting);
                  return ok_status();
                });
                return Response::json({{"institution", inst && !inst->empty() ? *inst : kDefaultInstitution},
                                       {"lang", lang.value_or("es")},
                                       {"time_zone", ctx.office.time_zone()->name()}});
              }});
  routes.add({.method = Method::put,
              .pattern = "/api/v1/settings/documents",
              .summary = "Change the settings of generated documents",
              .description = "Admin or IT chief. Body `{institution?, lang?, time_zone?}`; documents issued afterwards "
                             "use them. An unknown time zone is refused (404 tz.unknown).",
              .body = http::BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"institution":{"type":"string"},"lang":{"type":"string"}}})json"),
              .responses = {{204, "Set"}},
              .tags = {"configuration"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                if (!b.is_object()) return problem(req, bad_field("institution", "Se espera un objeto JSON.", "A JSON object is expected."));
                for (const auto& [field, key] : {std::pair{"institution", kInstitutionSetting}, std::pair{"lang", kDocumentLangSetting},
                                           std::pair{"time_zone", kTimeZoneSetting}}) {
                  if (!b.contains(field)) continue;
                  auto st = ctx.office.set_setting(caller(req), key, jstr(b, field));
                  if (!st) return problem(req, st.error());
                }
                return Response::empty();
              }});
}

}  // namespace pasaprod::api
