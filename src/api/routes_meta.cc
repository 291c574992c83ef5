// /healthz, /api/openapi.json, /api/v1/procedure, /api/v1/audit/verify.
#include "api/routes.h"
#include "http/openapi.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Auth;
using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

json labels(const Label& l) { return {{"es", l.es}, {"en", l.en}}; }

json procedure_json(const Procedure& p) {
  json roles = json::array(), states = json::array(), slots = json::array(), kinds = json::array(), actions = json::array(),
       records = json::array();
  for (const auto& r : p.roles) roles.push_back({{"code", r.code}, {"label", labels(r.label)}, {"per_system", r.per_system}});
  for (const auto& s : p.states) states.push_back({{"code", s.code}, {"label", labels(s.label)}, {"final", s.final}});
  for (const auto& s : p.slots) slots.push_back({{"code", s.code}, {"label", labels(s.label)}, {"generated", s.generated}});
  for (const auto& k : p.kinds) {
    kinds.push_back({{"code", k.code}, {"label", labels(k.label)}, {"version_rule", k.version_rule}, {"opened_by", k.opened_by},
                     {"uploaders", k.uploaders}, {"slots", k.slots}, {"path", k.path}, {"deployment_steps", k.deployment_steps}});
  }
  for (const auto& a : p.actions) {
    json guards = json::array();
    for (const auto& g : a.guards) guards.push_back({{"guard", g.name}, {"arg", g.arg}, {"kinds", g.kinds}});
    actions.push_back({{"code", a.code}, {"label", labels(a.label)}, {"kinds", a.kinds}, {"from", a.from}, {"to", a.to}, {"R", a.R},
                       {"A", a.A}, {"C", a.C}, {"I", a.I}, {"guards", guards}, {"signoff", a.signoff}, {"irreversible", a.irreversible}});
  }
  for (const auto& r : p.record_types) {
    records.push_back({{"code", r.code}, {"label", labels(r.label)}, {"by", r.by}, {"keys", r.keys}, {"states", r.states},
                       {"kinds", r.kinds}, {"signoff", r.signoff}, {"is", r.is}, {"choices", r.choices}, {"passes", r.passes},
                       {"formats", r.formats}});
  }
  return {{"edition", p.edition}, {"title", labels(p.title)}, {"approved_on", p.approved_on}, {"roles", roles}, {"states", states},
          {"slots", slots}, {"kinds", kinds}, {"actions", actions}, {"record_types", records}};
}

// The edition file of a check or load body: `yaml`, named by `name` (default "edition.yaml").
std::pair<std::string, std::string> edition_file(const json& body) {
  const std::string name = jstr(body, "name");
  return {jstr(body, "yaml"), name.empty() ? std::string("edition.yaml") : name.substr(0, 200)};
}

}  // namespace

void add_meta_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/healthz",
              .auth = Auth::none,
              .summary = "Health check",
              .description = "200 when the database answers.",
              .tags = {"meta"},
              .handler = [&ctx](Request& req) {
                auto s = ctx.office.systems();
                if (!s) return problem(req, s.error());
                return Response::json({{"status", "ok"}});
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/procedure",
              .summary = "The procedure in force",
              .description = "The current edition as data: roles, states, deliverable slots per kind, actions with their RACI and "
                             "guards, record types (with their meaning `is`, `choices`, `passes` and `formats`).",
              .query = {{"edition", "An edition code (GET /api/v1/procedure/editions); default: the edition in force"}},
              .tags = {"meta"},
              .handler = [&ctx](Request& req) {
                const std::string code = req.query("edition").value_or("");
                if (code.empty()) return Response::json(procedure_json(ctx.office.current_procedure()));
                if (const Procedure* p = ctx.office.procedures().edition(code)) return Response::json(procedure_json(*p));
                return problem(req, make_error(Code::not_found, "procedure.unknown_edition",
                                               "La edición «" + code + "» no está cargada (vea GET /api/v1/procedure/editions).",
                                               "Edition \"" + code + "\" is not loaded (see GET /api/v1/procedure/editions)."));
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/procedure/editions",
              .summary = "Editions of the procedure",
              .description = "Every edition the office knows, by the date it comes into force: the built-in one and those "
                             "loaded, with `in_force` on the one new requests are opened under now. Each request keeps the "
                             "edition it was opened under (its `edition`).",
              .tags = {"meta"},
              .handler = [&ctx](Request& req) { return items_response(req, ctx.office.editions(), edition_json); }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/procedure/editions/check",
              .auth = Auth::admin,
              .summary = "Check an edition file",
              .description = "Body `{yaml, name?}`: validates the file as loading it would (every code it names, every guard, "
                             "every state reachable, an R role per action, a new edition code, the roles accounts hold) and "
                             "lists its differences from the edition in force. Changes nothing.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","required":["yaml"],"properties":{"yaml":{"type":"string"},"name":{"type":"string"}}})json"),
              .responses = {{200, "Valid, with its differences"}, {400, "The file is refused: the problem says where and why"}},
              .tags = {"meta"},
              .handler = [&ctx](Request& req) {
                auto [yaml, name] = edition_file(req.json());
                auto c = ctx.office.check_edition(yaml, name);
                return c ? Response::json(edition_check_json(*c, req.lang())) : problem(req, c.error());
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/procedure/editions",
              .auth = Auth::admin,
              .summary = "Load an edition",
              .description = "Body `{yaml, effective, name?}`: the edition file comes into force for the requests opened from "
                             "the start of `effective` (YYYY-MM-DD in the office's time zone; today: from now); open requests "
                             "keep theirs. Checked as /check does; audited (procedure.load, with the file's SHA-256).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","required":["yaml","effective"],"properties":{"yaml":{"type":"string"},"effective":{"type":"string"},"name":{"type":"string"}}})json"),
              .responses = {{201, "Loaded"}, {400, "Refused: the file or the date"}, {409, "An edition of that code or instant exists"}},
              .tags = {"meta"},
              .handler = [&ctx](Request& req) {
                auto [yaml, name] = edition_file(req.json());
                auto e = ctx.office.load_edition(caller(req), yaml, name, jstr(req.json(), "effective"));
                return e ? Response::json(edition_json(*e), 201) : problem(req, e.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/audit/verify",
              .summary = "Verify the audit trail",
              .description = "Recomputes the hash chain of every event and checks it against the anchor kept outside the database.",
              .tags = {"audit"},
              .handler = [&ctx](Request& req) {
                if (!ctx.audit_verify) {
                  return problem(req, make_error(Code::internal, "audit.unavailable", "Verificación no disponible.", "Verification unavailable."));
                }
                json report = ctx.audit_verify(req.lang());
                return Response::json(report, report.value("ok", false) ? 200 : 500);
              }});
  http::OpenApiInfo info;
  info.title = "pasaprod API";
  info.description = "Pases a producción (OFIN-ASI, edición 02). Errors are application/problem+json (RFC 9457) with a stable "
                     "`code`, `id`, a message in the caller's language (Accept-Language: es default, en) and `details`.";
  info.session_cookie = ctx.options.session_cookie;
  http::add_openapi_route(routes, info);
}

}  // namespace pasaprod::api
