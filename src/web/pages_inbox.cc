// "Mis pendientes": per request, the one next step that is mine (R), my steps waiting on others,
// what I answer for (A), what I am asked about (C), and the notices I was sent (I), grouped by
// request and paged. The page carries an ETag of its content so that app.js can refresh it
// without reloading (If-None-Match → 304 when nothing changed).
#include <map>

#include "util/sha256.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

// The place on the request page where the step is done.
std::string anchor_of(const std::string& step) {
  const auto colon = step.find(':');
  if (colon == std::string::npos) return "#act-" + step;
  const std::string verb = step.substr(0, colon), what = step.substr(colon + 1);
  if (verb == "record") return "#record-" + what;
  if (verb == "upload" || verb == "review") return "#slot-" + what;
  return "";
}

std::string roles_text(const Page& page, const std::vector<std::string>& roles) {
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : ", ") + page.proc().role_name(r, page.lang);
  return out;
}

json items_json(const Page& page, const std::vector<InboxItem>& items) {
  json out = json::array();
  for (const auto& i : items) {
    const std::string url = "/releases/" + url_part(i.release.number);
    json j = {{"number", i.release.number},
              {"url", url},
              {"step_url", url + anchor_of(i.action)},
              {"title", i.release.title},
              {"system", i.release.system},
              {"version", i.release.version},
              {"kind_name", page.proc().kind_name(i.release.kind, page.lang)},
              {"state_name", page.proc().state_name(i.release.state, page.lang)},
              {"what", step_label(page.proc(), i.action, page.lang)},
              {"role", page.proc().role_name(i.role, page.lang)},
              {"since", page.when(i.since)},
              {"allowed", i.allowed}};
    std::string waiting = roles_text(page, i.accountable);
    if (i.release.requester != page.user().username) {
      waiting += (waiting.empty() ? "" : ", ") + page.fmt("inbox.requester", {{"who", i.release.requester}});
    }
    if (!waiting.empty()) j["waiting"] = page.fmt("inbox.waiting_on_you", {{"who", waiting}, {"since", page.when(i.since)}});
    if (i.reason) j["reason"] = i.reason->message(page.lang);
    out.push_back(j);
  }
  return out;
}

// Notices grouped by request, in the order of each request's newest notice.
json notices_json(const Page& page, const std::vector<Notification>& notes) {
  json groups = json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& n : notes) {
    auto [it, added] = index.emplace(n.release, groups.size());
    if (added) {
      groups.push_back({{"number", n.release}, {"url", "/releases/" + url_part(n.release)}, {"title", n.release_title}, {"items", json::array()}});
    }
    groups[it->second]["items"].push_back(
        {{"what", step_label(page.proc(), n.action, page.lang)}, {"actor", n.actor}, {"when", page.when(n.at)}, {"unread", !n.read}});
  }
  return groups;
}

int page_number(const Page& page) {
  const std::string p = page.query("avisos");
  if (p.empty() || p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoi(p);
}

}  // namespace

void add_inbox_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/", "Home: the inbox, or the sign-in page", PageAccess::anyone,
           [](Page& page) { return page.redirect(page.who ? "/inbox" : "/login"); });
  add_page(routes, web, Method::get, "/inbox", "Mis pendientes (inbox); ?avisos=N pages the notices; ETag/If-None-Match",
           PageAccess::signed_in, [](Page& page) {
             const int notices_page = page_number(page);
             auto inbox = page.office().inbox(page.user().username, notices_page);
             if (!inbox) return page.error_page(inbox.error());
             json more = json::array();
             for (const auto& m : inbox->more) {
               const std::string n = page.cat->integer(page.lang, m.total);
               more.push_back({{"url", "/releases?state=" + url_part(m.state) + (m.system.empty() ? "" : "&system=" + url_part(m.system))},
                               {"text", page.fmt("inbox.more", {{"state", page.proc().state_name(m.state, page.lang)},
                                                                {"system", m.system.empty() ? "" : " (" + m.system + ")"},
                                                                {"k", std::to_string(page.office().inbox_per_state())},
                                                                {"n", m.total_capped ? page.fmt("inbox.more_than", {{"n", n}}) : n}})}});
             }
             json data = {{"title", "inbox"},
                          {"more", more},
                          {"nav_inbox", true},
                          {"todo", items_json(page, inbox->todo)},
                          {"waiting_items", items_json(page, inbox->waiting)},
                          {"has_waiting", !inbox->waiting.empty()},
                          {"accountable", items_json(page, inbox->accountable)},
                          {"consulted", items_json(page, inbox->consulted)},
                          {"notices", notices_json(page, inbox->notifications)},
                          {"unread", inbox->unread > 0},
                          {"unread_count", page.cat->integer(page.lang, inbox->unread)},
                          {"unread_label", page.fmt("inbox.unread", {{"n", page.cat->integer(page.lang, inbox->unread)}})}};
             if (notices_page > 0) data["newer_url"] = "/inbox?avisos=" + std::to_string(notices_page - 1) + "#h-inf";
             if (inbox->more_notifications) data["older_url"] = "/inbox?avisos=" + std::to_string(notices_page + 1) + "#h-inf";
             Response res = page.render("inbox", data);
             const std::string etag = "\"" + sha256_hex(res.body()).substr(0, 32) + "\"";
             if (page.req.header("If-None-Match") == std::string_view(etag)) {
               Response unchanged = Response::empty(304);
               unchanged.set_header("ETag", etag);
               unchanged.set_header("Cache-Control", "no-store");
               return unchanged;
             }
             res.set_header("ETag", etag);
             return res;
           });
  add_page(routes, web, Method::post, "/inbox/read", "Mark all my notifications read (form)", PageAccess::signed_in, [](Page& page) {
    if (auto st = page.office().mark_read(page.user().username, {}); !st) return page.redirect_flash("/inbox", {{"alert", st.error().message(page.lang)}});
    return page.redirect("/inbox?ok=marked_read");
  });
}

}  // namespace pasaprod::web
