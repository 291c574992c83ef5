// Forms posted on a release: actions (with a confirmation step for irreversible ones),
// records, reviews, file removal. Every POST answers 303 (post/redirect/get): on success to the
// release page; on a refusal to the release page at the form's anchor, with the reason next to
// the form and what the user typed carried as a flash (nothing is changed); for an
// irreversible action, to its confirmation page (GET /releases/{number}/confirm, also fed by a
// flash). A reload or Back never posts again.
#include <functional>
#include <map>

#include "web/forms.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

std::string release_url(const std::string& number) { return "/releases/" + url_part(number); }

// The anchor of the form named `form` ("action:X", "record:T", "review:S", "file:S") on the
// release page.
std::string anchor_of(const std::string& form) {
  const auto colon = form.find(':');
  const std::string kind = form.substr(0, colon), name = form.substr(colon + 1);
  if (name.empty()) return kind == "file" ? "deliverables" : "actions";
  if (kind == "action") return "act-" + name;
  if (kind == "record") return "record-" + name;
  return "slot-" + name;
}

}  // namespace

Response refused_form(Page& page, const std::string& number, const std::string& form, const Error& e, const json& typed) {
  json failed = {{"form", form}, {"error", page.error_view(e)}};
  json smaller = {{"failed", failed}};
  failed.update(typed);
  return page.redirect_flash(release_url(number) + "#" + anchor_of(form), {{"failed", failed}}, smaller);
}

namespace {

std::optional<std::int64_t> row_version(const Page& page) {
  try {
    const std::string v = page.form("row_version");
    if (!v.empty()) return std::stoll(v);
  } catch (...) {
  }
  return std::nullopt;
}

// "Aprobar" → "aprobar", for use inside a sentence (names start with an ASCII letter).
std::string lower_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

// A form sent twice (double click, second tab): the second finds the request changed. When the
// change is exactly what this form asked for, done by this user, it is answered as a success
// instead of a conflict, and nothing is written twice.
bool already_done(Page& page, const std::string& number, const std::function<bool(const Release&)>& same) {
  auto v = page.office().view(number, "");
  return v && same(v->release);
}

// Fields as the form sent them against fields as recorded (which may add computed ones).
bool same_fields(const std::map<std::string, std::string>& recorded, const std::map<std::string, std::string>& sent) {
  for (const auto& [k, val] : sent) {
    auto it = recorded.find(k);
    if (it == recorded.end() || it->second != val) return false;
  }
  return true;
}

Response act(Page& page) {
  const std::string number = page.req.param("number");
  const std::string action = page.form("action");
  const std::string note = page.form("note");
  if (page.input_error) return refused_form(page, number, "action:" + action, *page.input_error, {{"note", note}});
  // Irreversible actions ask first (the office answers "action.unconfirmed" and takes nothing);
  // those that will be refused (no note where one is needed) go straight to the refusal.
  auto r = page.office().act(page.caller(), number, {action, note, {}}, row_version(page), page.form("confirm") == "1");
  if (!r && r.error().id == "action.unconfirmed") {
    return page.redirect_flash(release_url(number) + "/confirm",
                               {{"confirm", {{"action", action}, {"note", note}, {"row_version", page.form("row_version")}}}});
  }
  if (!r && r.error().code == Code::not_found) return page.error_page(r.error());
  if (!r && r.error().id == "release.changed" && already_done(page, number, [&](const Release& rel) {
        return !rel.transitions.empty() && rel.transitions.back().action == action && rel.transitions.back().by == page.user().username;
      })) {
    return page.redirect(release_url(number) + "?ok=acted");
  }
  if (!r) return refused_form(page, number, "action:" + action, r.error(), {{"note", note}});
  return page.redirect(release_url(number) + "?ok=acted");
}

Response record(Page& page) {
  const std::string number = page.req.param("number");
  const std::string type = page.req.param("type");
  const RecordTypeDef* def = page.proc().record_type(type);
  if (!def) {
    return page.error_page(make_error(Code::not_found, "record.unknown", "Tipo de registro desconocido.", "Unknown record type."));
  }
  std::map<std::string, std::string> typed;
  auto fields = record_fields(page, *def, typed);
  if (page.input_error) return refused_form(page, number, "record:" + type, *page.input_error, {{"values", typed}});
  auto r = page.office().record(page.caller(), number, type, fields, row_version(page));
  if (!r && r.error().id == "release.changed" && already_done(page, number, [&](const Release& rel) {
        const Record* last = rel.latest_record(type);
        return last && last->by == page.user().username && same_fields(last->fields, fields);
      })) {
    return page.redirect(release_url(number) + "?ok=recorded");
  }
  if (!r) return refused_form(page, number, "record:" + type, r.error(), {{"values", typed}});
  return page.redirect(release_url(number) + "?ok=recorded");
}

Response review(Page& page) {
  const std::string number = page.req.param("number");
  const std::string slot = page.form("slot");
  const std::string note = page.form("note");
  const std::string verdict = page.form("verdict");
  if (page.input_error) return refused_form(page, number, "review:" + slot, *page.input_error, {{"note", note}});
  auto r = page.office().review(page.caller(), number, slot, verdict, note, row_version(page));
  if (!r && r.error().id == "release.changed" && already_done(page, number, [&](const Release& rel) {
        for (auto it = rel.reviews.rbegin(); it != rel.reviews.rend(); ++it) {
          if (it->slot == slot) return it->by == page.user().username && it->verdict == verdict && it->note == note;
        }
        return false;
      })) {
    return page.redirect(release_url(number) + "?ok=reviewed#slot-" + slot);
  }
  if (!r) return refused_form(page, number, "review:" + slot, r.error(), {{"note", note}});
  return page.redirect(release_url(number) + "?ok=reviewed#slot-" + slot);
}

Response remove_file(Page& page) {
  const std::string number = page.req.param("number");
  const std::string slot = page.form("slot");
  if (page.input_error) return refused_form(page, number, "file:" + slot, *page.input_error);
  auto st = page.office().remove_deliverable(page.caller(), number, slot, page.form("name"));
  if (!st) return refused_form(page, number, "file:" + slot, st.error());
  return page.redirect(release_url(number) + "?ok=removed#slot-" + slot);
}

// The confirmation of an irreversible action, from the flash its first POST left; without
// one (a reload, Back) the release page.
Response confirm_page(Page& page) {
  const std::string number = page.req.param("number");
  const json& flash = page.flash();
  if (!flash.is_object() || !flash.contains("confirm")) return page.redirect(release_url(number));
  const json& c = flash["confirm"];
  const std::string action = c.value("action", "");
  auto v = page.office().view(number, page.user().username);
  if (!v) return page.error_page(v.error());
  const ActionOption* option = nullptr;
  for (const auto& o : v->options) {
    if (o.action == action) option = &o;
  }
  if (!option) return page.redirect(release_url(number));
  const std::string name = v->proc->action_name(action, page.lang);
  json data = {{"title", "confirm"},
               {"nav_releases", true},
               {"number", number},
               {"release_url", release_url(number)},
               {"action", action},
               {"note", c.value("note", "")},
               {"row_version", c.value("row_version", "")},
               {"yes", page.fmt("confirm.yes_action", {{"action", lower_first(name)}})},
               {"no", page.fmt("confirm.no_action", {{"action", lower_first(name)}})},
               {"question", page.fmt("confirm.question", {{"action", name}, {"number", number},
                                                          {"state", v->proc->state_name(option->to, page.lang)}})}};
  return page.render("confirm", data);
}

}  // namespace

void add_release_post_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::post, "/releases/{number}/act",
           "Take an action (form: action, note, row_version; confirm=1 for irreversible ones, else 303 to their confirmation)",
           PageAccess::signed_in, act, act);
  add_page(routes, web, Method::get, "/releases/{number}/confirm", "Confirmation of an irreversible action (after its first POST)",
           PageAccess::signed_in, confirm_page);
  add_page(routes, web, Method::post, "/releases/{number}/records/{type}", "Add a record of SPEC §4.4 (form: f_KEY fields, row_version)",
           PageAccess::signed_in, record, record);
  add_page(routes, web, Method::post, "/releases/{number}/review", "Review a deliverable (form: slot, verdict, note, row_version)",
           PageAccess::signed_in, review, review);
  add_page(routes, web, Method::post, "/releases/{number}/files/remove", "Remove a deliverable file (form: slot, name)",
           PageAccess::signed_in, remove_file, remove_file);
}

}  // namespace pasaprod::web
