// /api/v1/releases (+ reviews, records, actions, events) and /inbox.
#include "api/routes.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Auth;
using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

// The release as one viewer sees it, with its row version as the ETag (If-Match on a change).
Response view_response(const Request& req, const ReleaseView& v, int status = 200) {
  return Response::json(release_json(v, req.lang()), status).set_header("ETag", "\"" + std::to_string(v.release.row_version) + "\"");
}

Response release_response(ApiContext& ctx, const Request& req, const std::string& number, int status = 200) {
  auto v = ctx.office.view(number, principal(req)->user.username);
  if (!v) return problem(req, v.error());
  return view_response(req, *v, status);
}

int int_query(const Request& req, const char* name, int fallback, int lo, int hi) {
  auto q = req.query(name);
  if (!q) return fallback;
  try {
    return std::clamp(std::stoi(*q), lo, hi);
  } catch (...) {
    return fallback;
  }
}

std::map<std::string, std::string> string_fields(const json& fields) {
  std::map<std::string, std::string> out;
  if (!fields.is_object()) return out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it->is_string()) {
      out[it.key()] = it->get<std::string>();
    } else if (it->is_array()) {  // e.g. steps: ["install_guide", ...]
      std::string joined;
      for (const auto& v : *it) {
        if (v.is_string()) joined += (joined.empty() ? "" : ",") + v.get<std::string>();
      }
      out[it.key()] = joined;
    } else if (!it->is_null()) {
      out[it.key()] = it->dump();
    }
  }
  return out;
}

json inbox_item_json(const InboxItem& item, const Procedure& proc, Lang lang) {
  json j = {{"release", summary_json(item.release, proc, lang)}, {"action", item.action}, {"label", step_label(proc, item.action, lang)},
            {"role", item.role}, {"allowed", item.allowed}, {"serves", item.serves}, {"since", format_iso(item.since)},
            {"accountable", item.accountable}};
  if (item.reason) j["reason"] = error_json(*item.reason, lang);
  return j;
}

}  // namespace

void add_release_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/api/v1/releases",
              .summary = "List release requests",
              .description = "Newest first, with paging. Answer: `{items, total, total_capped, offset, limit}`. Filtered "
                             "by no more than `state`, `kind` and `system`, `total` is exact; otherwise matches are counted "
                             "up to 10,000 (1,000 with `text`): past that, `total` is that limit and `total_capped` true.",
              .query = {{"state", "Exact state"}, {"kind", "Exact kind (a kind code of the procedure, GET /api/v1/procedure)"}, {"system", "System code"},
                        {"text", "Text in number, title or summary"}, {"from", "Created on or after (ISO date)"},
                        {"to", "Created before (ISO date)"}, {"offset", "Rows to skip (default 0)"}, {"limit", "Rows, 1–200 (default 50)"}},
              .tags = {"releases"},
              .handler = [&ctx](Request& req) {
                ReleaseFilter f;
                f.state = req.query("state").value_or("");
                f.kind = req.query("kind").value_or("");
                f.system = req.query("system").value_or("");
                f.text = req.query("text").value_or("");
                f.requester = req.query("requester").value_or("");
                for (auto [name, field] : {std::pair{"from", &f.created_from}, {"to", &f.created_to}}) {
                  if (auto v = req.query(name); v && !v->empty()) {
                    auto t = parse_iso(*v);
                    if (!t) return problem(req, Error(t.error()).with("field", name));
                    *field = *t;
                  }
                }
                f.offset = int_query(req, "offset", 0, 0, 1 << 30);
                f.limit = int_query(req, "limit", 50, 1, 200);
                auto page = ctx.office.releases(f);
                if (!page) return problem(req, page.error());
                json items = json::array();
                for (const auto& r : page->items) items.push_back(summary_json(r, ctx.office.current_procedure(), req.lang()));
                return Response::json({{"items", items}, {"total", page->total}, {"total_capped", page->total_capped},
                                       {"offset", f.offset}, {"limit", f.limit}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/releases",
              .summary = "Open a release request",
              .description = "Body `{system, kind, version, title, summary, major?}`. The version must follow the version policy; "
                             "a refusal names the expected version (`details.expected_version`).",
              .body = BodyKind::json,
              .request_schema = {{"type", "object"},
                                 {"properties",
                                  {{"system", {{"type", "string"}}},
                                   {"kind", {{"type", "string"}}},  // the kinds are the procedure's: checked by Office
                                   {"version", {{"type", "string"}}},
                                   {"title", {{"type", "string"}}},
                                   {"summary", {{"type", "string"}}},
                                   {"major", {{"type", "boolean"}}},
                                   {"changes_database", {{"type", "boolean"}}}}}},
              .responses = {{201, "Opened: the release"}, {403, "Role required to open this kind"}, {422, "Version policy"}},
              .tags = {"releases"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                const bool major = b.is_object() && b.value("major", false);
                const bool database = !b.is_object() || b.value("changes_database", true);
                auto r = ctx.office.open_release_view(caller(req), jstr(b, "system"),
                                                 NewReleaseInput{jstr(b, "kind"), jstr(b, "version"), major, database, jstr(b, "title"),
                                                                 jstr(b, "summary")});
                if (!r) return problem(req, r.error());
                return view_response(req, *r, 201).set_header("Location", "/api/v1/releases/" + r->release.number);
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/releases/{number}",
              .summary = "A release request",
              .description = "Everything on the request — deliverables with reviews, records, sign-offs (fresh or stale against "
                             "the current manifest), transitions, observations — and `available_actions`: the actions the caller "
                             "may take now, and for the others why not. ETag = row_version (send it back as If-Match).",
              .tags = {"releases"},
              .handler = [&ctx](Request& req) { return release_response(ctx, req, req.param("number")); }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/releases/{number}/reviews",
              .summary = "Review a deliverable at reception",
              .description = "Body `{slot, verdict: accepted|observed, note}`; observing needs a note.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"slot":{"type":"string"},"verdict":{"type":"string"},"note":{"type":"string"}}})json"),
              .responses = {{200, "The release"}, {422, "Refused by the procedure"}},
              .tags = {"releases"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                auto v = ctx.office.review_view(caller(req), req.param("number"), jstr(b, "slot"), jstr(b, "verdict"), jstr(b, "note"),
                                                if_match(req));
                return v ? view_response(req, *v) : problem(req, v.error());
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/releases/{number}/records",
              .summary = "Add a record",
              .description = "Body `{type, fields: {key: value}}` with the record types and keys of SPEC §4.4 (window, "
                             "dba_conformity, infra_readiness, security_conformity, vote, backup, deployment, verification, "
                             "rollback, inventory, ip_registration, baseline, cosign).",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"type":{"type":"string"},"fields":{"type":"object","additionalProperties":{"type":["string","number","boolean","array","null"],"items":{"type":"string"}}}}})json"),
              .responses = {{201, "The record"}, {422, "Refused by the procedure"}},
              .tags = {"releases"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                auto r = ctx.office.record(caller(req), req.param("number"), jstr(b, "type"),
                                           string_fields(b.is_object() ? b.value("fields", json::object()) : json::object()), if_match(req));
                if (!r) return problem(req, r.error());
                return Response::json(record_json(*r), 201);
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/releases/{number}/actions/{action}",
              .summary = "Take an action of the procedure",
              .description = "Body `{note}` (required for return, observe, reject and cancel). Answers the release. 403 names the "
                             "role the procedure requires; 409 when the request is no longer in a state for it (someone acted "
                             "first); 422 when a guard refuses, naming what is missing.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"note":{"type":"string"},"fields":{"type":"object","additionalProperties":{"type":["string","number","boolean","array","null"],"items":{"type":"string"}}}}})json"),
              .responses = {{200, "The release after the action"}, {403, "Role or segregation"}, {409, "State conflict or lost race"},
                            {422, "Refused by a guard"}},
              .tags = {"releases"},
              .handler = [&ctx](Request& req) {
                const json& b = req.json();
                auto v = ctx.office.act_view(caller(req), req.param("number"),
                                             ActionInput{req.param("action"), jstr(b, "note"),
                                                         string_fields(b.is_object() ? b.value("fields", json::object()) : json::object())},
                                             if_match(req));
                return v ? view_response(req, *v) : problem(req, v.error());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/releases/{number}/events",
              .summary = "The request's audit trail",
              .description = "Its events, oldest first, each with the chain hash.",
              .tags = {"audit"},
              .handler = [&ctx](Request& req) {
                auto v = ctx.office.view(req.param("number"), "");
                if (!v) return problem(req, v.error());
                auto events = ctx.office.events(req.param("number"), 0, 10000);
                if (!events) return problem(req, events.error());
                json items = json::array();
                for (const auto& e : *events) items.push_back(event_json(e));
                return Response::json({{"items", items}});
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/inbox",
              .summary = "My pending work",
              .description = "`todo`: per request, the one step that moves it forward and is due from the caller now (an action, "
                             "or `record:TYPE`, `upload:SLOT`, `review:SLOT`; oldest first, `since` = when the request entered its "
                             "state), `waiting`: the caller's next step that waits on others (`reason`), `accountable`: requests they answer for (A), "
                             "`consulted`: requests they are asked about (C), `notifications`: what they were informed of (I), "
                             "with read/unread. Of each list it reads (a state's requests: all, a system's or the caller's own) "
                             "it considers the 50 opened first; `more` names the lists with more (`state`, `system`, `requester`, "
                             "`total` counted up to 1,000, `total_capped`), to be read through /api/v1/releases.",
              .tags = {"inbox"},
              .handler = [&ctx](Request& req) {
                auto inbox = ctx.office.inbox(principal(req)->user.username);
                if (!inbox) return problem(req, inbox.error());
                const Procedure& proc = ctx.office.current_procedure();
                json todo = json::array(), waiting = json::array(), accountable = json::array(), consulted = json::array(),
                     notes = json::array();
                for (const auto& i : inbox->todo) todo.push_back(inbox_item_json(i, proc, req.lang()));
                for (const auto& i : inbox->waiting) waiting.push_back(inbox_item_json(i, proc, req.lang()));
                for (const auto& i : inbox->accountable) accountable.push_back(inbox_item_json(i, proc, req.lang()));
                for (const auto& i : inbox->consulted) consulted.push_back(inbox_item_json(i, proc, req.lang()));
                for (const auto& n : inbox->notifications) {
                  notes.push_back({{"id", n.id}, {"release", n.release}, {"action", n.action}, {"label", step_label(proc, n.action, req.lang())},
                                   {"actor", n.actor}, {"at", format_iso(n.at)}, {"read", n.read}, {"event_seq", n.event_seq}});
                }
                json more = json::array();
                for (const auto& m : inbox->more) {
                  more.push_back({{"state", m.state}, {"system", m.system}, {"requester", m.requester}, {"total", m.total},
                                  {"total_capped", m.total_capped}});
                }
                return Response::json({{"todo", todo}, {"waiting", waiting}, {"accountable", accountable}, {"consulted", consulted}, {"notifications", notes},
                                       {"unread", inbox->unread}, {"more", more}});
              }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/inbox/read",
              .summary = "Mark notifications read",
              .description = "Body `{ids: [..]}`; no ids = all.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"ids":{"type":"array","items":{"type":"integer"}}}})json"),
              .responses = {{204, "Marked"}},
              .tags = {"inbox"},
              .handler = [&ctx](Request& req) {
                std::vector<std::int64_t> ids;
                const json& b = req.json();
                if (b.is_object() && b.contains("ids") && b["ids"].is_array()) {
                  for (const auto& id : b["ids"]) {
                    if (id.is_number_integer()) ids.push_back(id.get<std::int64_t>());
                  }
                }
                auto st = ctx.office.mark_read(principal(req)->user.username, ids);
                return st ? Response::empty() : problem(req, st.error());
              }});
}

}  // namespace pasaprod::api
