// The releases list (filters, text search, paging) and the new release form.
#include <algorithm>

#include "auth/credentials.h"
#include "core/version.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

constexpr int kPageSize = 20;

json options_json(const std::vector<std::pair<std::string, std::string>>& items, const std::string& selected) {
  json out = json::array();
  for (const auto& [code, name] : items) out.push_back({{"value", code}, {"label", name}, {"selected", code == selected}});
  return out;
}

// Midnight (local time of the page) of an ISO date, or 0 when empty or malformed.
Timestamp local_day(const Page& page, const std::string& date, int plus_days) {
  if (date.empty()) return 0;
  auto t = parse_iso(date.substr(0, 10));
  if (!t) return 0;
  return page.zone->from_local(*t + plus_days * 86400000LL);
}

Response list_page(Page& page) {
  ReleaseFilter f;
  f.state = page.query("state");
  f.kind = page.query("kind");
  f.system = page.query("system");
  f.text = page.query("q");
  const std::string from = page.query("from"), to = page.query("to");
  f.created_from = local_day(page, from, 0);
  f.created_to = local_day(page, to, 1);
  int pg = 1;
  try {
    pg = std::max(1, std::stoi(page.query("page").empty() ? "1" : page.query("page")));
  } catch (...) {
  }
  f.offset = (pg - 1) * kPageSize;
  f.limit = kPageSize;
  auto result = page.office().releases(f);
  if (!result) return page.error_page(result.error());
  const Procedure& p = page.proc();

  json rows = json::array();
  for (const auto& r : result->items) {
    rows.push_back({{"number", r.number}, {"url", "/releases/" + url_part(r.number)}, {"title", r.title}, {"system", r.system},
                    {"kind_name", p.kind_name(r.kind, page.lang)}, {"version", r.version}, {"state", r.state},
                    {"state_name", p.state_name(r.state, page.lang)}, {"requester", r.requester}, {"created", page.when(r.created_at)}});
  }
  std::vector<std::pair<std::string, std::string>> states, kinds, systems;
  for (const auto& s : p.states) states.push_back({s.code, s.label.get(page.lang)});
  for (const auto& k : p.kinds) kinds.push_back({k.code, k.label.get(page.lang)});
  if (auto ss = page.office().systems()) {
    for (const auto& s : *ss) systems.push_back({s.code, s.code + " — " + s.name});
  }
  // Past the count limit the number of pages is unknown: "more than N", and a next page while
  // this one is full.
  const bool capped = result->total_capped;
  const std::int64_t pages = std::max<std::int64_t>(1, (result->total + kPageSize - 1) / kPageSize);
  const bool more = pg < pages || (capped && static_cast<std::int64_t>(result->items.size()) == kPageSize);
  std::string qs;
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"state", f.state}, {"kind", f.kind}, {"system", f.system}, {"q", f.text}, {"from", from}, {"to", to}}) {
    if (!v.empty()) qs += "&" + k + "=" + url_part(v);
  }
  json data = {{"title", "releases"},
               {"nav_releases", true},
               {"rows", rows},
               {"empty", rows.empty()},
               {"filter", {{"q", f.text}, {"from", from}, {"to", to}}},
               {"states", options_json(states, f.state)},
               {"kinds", options_json(kinds, f.kind)},
               {"systems", options_json(systems, f.system)},
               {"count", page.fmt(capped ? "list.count_more" : "list.count", {{"n", page.cat->integer(page.lang, result->total)}})},
               {"page_of", page.fmt(capped ? "list.page_more" : "list.page", {{"page", std::to_string(pg)}, {"pages", std::to_string(pages)}})},
               {"prev_url", pg > 1 ? "/releases?page=" + std::to_string(pg - 1) + qs : ""},
               {"next_url", more ? "/releases?page=" + std::to_string(pg + 1) + qs : ""}};
  return page.render("releases", data);
}

// The new release form; `values` holds what the user typed, `error` the refusal.
Response new_page(Page& page, json values, const std::optional<Error>& error) {
  const Procedure& p = page.proc();
  const std::string sys = values.value("system", "");
  const std::string kind = values.value("kind", "");
  json systems = json::array(), expected = json::object(), table = json::array();
  auto all = page.office().systems();
  if (!all) return page.error_page(all.error());
  for (const auto& s : *all) {
    if (s.status == "retired") continue;
    std::vector<VersionUse> uses;
    (void)page.office().store().read([&](ReadTx& tx) -> Status {
      uses = tx.versions_of(s.code);
      return ok_status();
    });
    auto current = production_version(p, s, uses);
    json row = {{"code", s.code}, {"name", s.name}, {"current", current ? current->str() : page.t("new.none_in_production")}};
    json versions = json::array();
    for (const auto& k : p.kinds) {
      auto v = expected_version(p, s, uses, k.code, false);
      expected[s.code][k.code] = v ? v->str() : "";
      versions.push_back(v ? v->str() : "—");
      // A kind taking the next minor version may be declared major (the form's "major" box):
      // its version then is under "KIND:major".
      if (k.version_rule == "minor") {
        auto vm = expected_version(p, s, uses, k.code, true);
        expected[s.code][k.code + ":major"] = vm ? vm->str() : "";
      }
    }
    row["versions"] = versions;
    table.push_back(row);
    systems.push_back({{"value", s.code}, {"label", s.code + " — " + s.name}, {"selected", s.code == sys}});
  }
  json kinds = json::array();
  for (const auto& k : p.kinds) {
    kinds.push_back({{"value", k.code}, {"label", k.label.get(page.lang)}, {"checked", k.code == kind},
                     {"policy", page.t("policy." + k.version_rule)}});
  }
  json kind_heads = json::array();
  for (const auto& k : p.kinds) kind_heads.push_back(k.label.get(page.lang));
  json data = {{"title", "new_release"}, {"nav_new", true},      {"systems", systems}, {"kinds", kinds},
               {"kind_heads", kind_heads}, {"table", table},     {"expected_json", expected.dump()},
               {"values", values},         {"errors", json::object()},    {"once", auth::random_secret(16)}};
  if (error) {
    std::string field = error->detail("field");
    if (field.empty() && error->id.rfind("version.", 0) == 0) field = "version";
    if (field.empty() && error->id.rfind("kind.", 0) == 0) field = "kind";
    if (field.empty() && error->id.rfind("system.", 0) == 0) field = "system";
    if (field == "title" || field == "summary" || field == "version" || field == "kind" || field == "system") {
      data["errors"][field] = error->message(page.lang);
    } else {
      data["error"] = page.error_view(*error);
    }
    const std::string exp = error->detail("expected_version");
    // Said once: the office's message may name the expected version already.
    if (!exp.empty() && error->message(page.lang).find(" " + exp + ".") == std::string::npos) {
      data["expected_hint"] = page.fmt("new.expected_hint", {{"version", exp}});
    }
  }
  return page.render("release_new", data);
}

}  // namespace

void add_release_list_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/releases", "Releases: filters (state, kind, system, period), text search, paging",
           PageAccess::signed_in, list_page);
  add_page(routes, web, Method::get, "/releases/new", "New release form, with the version policy and the expected version",
           PageAccess::signed_in, [](Page& page) {
             json values = page.flash_values({{"system", page.query("system")}, {"kind", page.query("kind")}});
             return new_page(page, values, page.flash_error());
           });
  add_page(routes, web, Method::post, "/releases/new", "Open a release (form; once: the form's token, so it opens one release)",
           PageAccess::signed_in, [](Page& page) {
    json values = {{"system", page.form("system")}, {"kind", page.form("kind")},     {"version", page.form("version")},
                   {"title", page.form("title")},   {"summary", page.form("summary")}, {"major", page.form("major") == "1"},
                   {"no_database", page.form("changes_database") == "0"}};
    if (values["system"] == "") {
      Error e = make_error(Code::invalid_argument, "system.required", page.cat->text(Lang::es, "new.system_required"),
                           page.cat->text(Lang::en, "new.system_required"));
      return page.refuse_to("/releases/new", e.with("field", "system"), values);
    }
    // The same form sent again (a double click, a second tab) leads to the release it opened.
    const std::string once = page.form("once");
    if (!once.empty()) {
      if (auto done = page.web.once().claim(page.visitor(), once, page.office().now())) {
        if (!done->empty()) return page.redirect(*done);
        Error e = make_error(Code::conflict, "release.under_way", page.cat->text(Lang::es, "new.under_way"),
                             page.cat->text(Lang::en, "new.under_way"));
        return page.refuse_to("/releases/new", e, values);
      }
    }
    NewReleaseInput in{page.form("kind"), page.form("version"), page.form("major") == "1",
                       page.form("changes_database") != "0", page.form("title"), page.form("summary")};
    auto r = page.office().open_release(page.caller(), page.form("system"), in);
    if (!r) {
      if (!once.empty()) page.web.once().abandon(page.visitor(), once);
      return page.refuse_to("/releases/new", r.error(), values);
    }
    const std::string location = "/releases/" + url_part(r->number) + "?ok=opened";
    if (!once.empty()) page.web.once().finish(page.visitor(), once, location);
    return page.redirect(location);
  });
}

}  // namespace pasaprod::web
