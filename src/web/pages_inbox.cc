// "Mis pendientes": what I must do now (R), answer for (A), am asked about (C), was told (I).
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

std::string what_name(const Page& page, const std::string& action) {
  if (action.rfind("record:", 0) == 0) return page.fmt("inbox.add_record", {{"record", page.proc().record_name(action.substr(7), page.lang)}});
  if (action.rfind("consult:", 0) == 0) {
    const std::string on = action.substr(8);
    return page.fmt("inbox.consulted_on", {{"what", page.proc().record_type(on) ? page.proc().record_name(on, page.lang)
                                                                                  : page.proc().action_name(on, page.lang)}});
  }
  if (page.proc().record_type(action)) return page.proc().record_name(action, page.lang);
  return page.proc().action_name(action, page.lang);
}

json items_json(const Page& page, const std::vector<InboxItem>& items) {
  json out = json::array();
  for (const auto& i : items) {
    json j = {{"number", i.release.number},
              {"url", "/releases/" + url_part(i.release.number)},
              {"title", i.release.title},
              {"system", i.release.system},
              {"version", i.release.version},
              {"kind_name", page.proc().kind_name(i.release.kind, page.lang)},
              {"state_name", page.proc().state_name(i.release.state, page.lang)},
              {"what", what_name(page, i.action)},
              {"role", page.proc().role_name(i.role, page.lang)},
              {"allowed", i.allowed}};
    if (i.reason) j["reason"] = i.reason->message(page.lang);
    out.push_back(j);
  }
  return out;
}

}  // namespace

void add_inbox_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/", "Home: the inbox, or the sign-in page", PageAccess::anyone,
           [](Page& page) { return page.redirect(page.who ? "/inbox" : "/login"); });
  add_page(routes, web, Method::get, "/inbox", "Mis pendientes (inbox)", PageAccess::signed_in, [](Page& page) {
    auto inbox = page.office().inbox(page.user().username);
    if (!inbox) return page.error_page(inbox.error());
    json notes = json::array();
    for (const auto& n : inbox->notifications) {
      notes.push_back({{"number", n.release}, {"url", "/releases/" + url_part(n.release)}, {"what", what_name(page, n.action)},
                       {"actor", n.actor}, {"when", page.when(n.at)}, {"unread", !n.read}});
    }
    json data = {{"title", "inbox"},
                 {"nav_inbox", true},
                 {"todo", items_json(page, inbox->todo)},
                 {"accountable", items_json(page, inbox->accountable)},
                 {"consulted", items_json(page, inbox->consulted)},
                 {"notifications", notes},
                 {"unread", inbox->unread > 0},
                 {"unread_count", page.fmt("inbox.unread", {{"n", page.cat->integer(page.lang, inbox->unread)}})}};
    return page.render("inbox", data);
  });
  add_page(routes, web, Method::post, "/inbox/read", "Mark my notifications read (form)", PageAccess::signed_in, [](Page& page) {
    auto inbox = page.office().inbox(page.user().username);
    if (!inbox) return page.error_page(inbox.error());
    std::vector<std::int64_t> ids;
    for (const auto& n : inbox->notifications) {
      if (!n.read) ids.push_back(n.id);
    }
    if (auto st = page.office().mark_read(page.user().username, ids); !st) return page.error_page(st.error());
    return page.redirect("/inbox?ok=marked_read");
  });
}

}  // namespace pasaprod::web
