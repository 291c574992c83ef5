// /healthz, /api/openapi.json, /api/v1/procedure, /api/v1/audit/verify.
#include "api/routes.h"
#include "http/openapi.h"

namespace pasaprod::api {

using http::Auth;
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
              .tags = {"meta"},
              .handler = [&ctx](Request&) { return Response::json(procedure_json(ctx.office.current_procedure())); }});
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
