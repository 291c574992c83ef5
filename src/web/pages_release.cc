// The release detail page: header, stepper, deliverables (upload, review), records as forms,
// sign-offs and committee votes, observations, actions (with reasons when refused), timeline.
#include <algorithm>
#include <set>

#include "core/engine.h"
#include "core/manifest.h"
#include "web/forms.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// The failed form named `form` in `extra` ({"failed": {"form", "error", "values", "note"}}), or null.
const json* failed(const json& extra, const std::string& form) {
  auto it = extra.find("failed");
  if (it == extra.end() || !it->is_object() || it->value("form", "") != form) return nullptr;
  return &*it;
}

json stepper(const Page& page, const Release& r, const KindDef& kind) {
  std::set<std::string> visited = {page.proc().initial_state};
  for (const auto& t : r.transitions) visited.insert(t.to);
  json steps = json::array();
  bool on_path = contains(kind.path, r.state);
  int n = 0;
  for (const auto& st : kind.path) {
    const bool current = st == r.state;
    const bool done = !current && visited.count(st) && (!on_path || std::find(kind.path.begin(), kind.path.end(), r.state) >
                                                                         std::find(kind.path.begin(), kind.path.end(), st));
    steps.push_back({{"name", page.proc().state_name(st, page.lang)}, {"current", current}, {"done", done}, {"n", std::to_string(++n)},
                     {"status", current ? page.t("release.step_current") : done ? page.t("release.step_done") : page.t("release.step_todo")}});
  }
  return steps;
}

json deliverables(const Page& page, const ReleaseView& v, const json& extra) {
  const Release& r = v.release;
  const Procedure& p = *v.proc;
  const KindDef& kind = *p.kind(r.kind);
  const bool editable = contains(p.editable_in, r.state);
  const bool uploader = holds_any(p, page.user(), r, kind.uploaders);
  const bool reviewer = contains(p.review_states, r.state) && holds_any(p, page.user(), r, p.review_by);
  json out = json::array();
  for (const auto& slot : kind.slots) {
    const SlotDef* def = p.slot(slot);
    json files = json::array();
    std::vector<DeliverableFile> in_slot;
    for (const auto* f : r.files_in(slot)) in_slot.push_back(*f);
    for (const auto& f : in_slot) {
      files.push_back({{"name", f.name},
                       {"size", page.cat->size(page.lang, f.size)},
                       {"sha256", f.sha256},
                       {"by", f.uploaded_by},
                       {"when", page.when(f.uploaded_at)},
                       {"url", "/api/v1/releases/" + url_part(r.number) + "/deliverables/" + url_part(slot) + "/" + url_part(f.name)}});
    }
    json d = {{"slot", slot},
              {"name", def->label.get(page.lang)},
              {"generated", def->generated},
              {"files", files},
              {"empty", files.empty()},
              {"can_upload", editable && uploader && !def->generated},
              {"can_review", reviewer && !files.empty()},
              {"upload_url", "/api/v1/releases/" + url_part(r.number) + "/deliverables/" + url_part(slot) + "/"}};
    const std::string digest = slot_digest(r, slot);
    for (auto it = r.reviews.rbegin(); it != r.reviews.rend(); ++it) {
      if (it->slot != slot) continue;
      // A review counts only for the slot content it saw.
      d["review"] = {{"verdict", page.t("review." + it->verdict)}, {"accepted", it->verdict == "accepted"},
                     {"observed", it->verdict == "observed"}, {"note", it->note}, {"by", it->by}, {"when", page.when(it->at)},
                     {"stale", it->slot_digest != digest}};
      break;
    }
    if (const json* f = failed(extra, "review:" + slot)) {
      d["review_error"] = (*f)["error"];
      d["review_note"] = f->value("note", "");
    }
    if (const json* f = failed(extra, "file:" + slot)) d["file_error"] = (*f)["error"];
    out.push_back(d);
  }
  return out;
}

json records(const Page& page, const ReleaseView& v) {
  json out = json::array();
  for (const auto& rec : v.release.records) {
    const RecordTypeDef* def = v.proc->record_type(rec.type);
    json fields = json::array();
    for (const auto& [k, val] : rec.fields) {
      fields.push_back({{"label", page.t("field." + k)}, {"value", field_display(page, def, k, val)}});
    }
    const bool stale = def && def->signoff && rec.manifest_sha256 != v.manifest_sha256;
    out.push_back({{"name", v.proc->record_name(rec.type, page.lang)}, {"by", rec.by}, {"when", page.when(rec.at)}, {"fields", fields},
                   {"stale", stale}});
  }
  return out;
}

json record_forms(const Page& page, const ReleaseView& v, const json& extra) {
  const Release& r = v.release;
  const Procedure& p = *v.proc;
  json out = json::array();
  for (const auto& def : p.record_types) {
    if (!def.kinds.empty() && !contains(def.kinds, r.kind)) continue;
    if (!contains(def.states, r.state)) continue;
    if (!holds_any(p, page.user(), r, record_roles(p, def, r))) continue;
    std::map<std::string, std::string> values;
    const json* f = failed(extra, "record:" + def.code);
    if (f && f->contains("values")) values = (*f)["values"].get<std::map<std::string, std::string>>();
    if (!f && def.is == "window") {
      const Timestamp now = page.office().now() / 60000 * 60000;  // the deploy may start now
      values[def.keys[0]] = iso_to_local(page, now);
      values[def.keys[1]] = iso_to_local(page, now + 4 * 3600 * 1000);
    }
    json form = record_form(page, def, *p.kind(r.kind), values);
    // What this person recorded before: a new one replaces it; the history keeps both.
    for (auto it = r.records.rbegin(); it != r.records.rend(); ++it) {
      if (it->type != def.code || it->by != page.user().username) continue;
      std::string shown;
      for (const auto& [k, val] : it->fields) {
        if (val.empty() || k == "manifest_sha256" || k == "files") continue;
        shown += (shown.empty() ? "" : "; ") + page.t("field." + k) + ": " + field_display(page, &def, k, val);
      }
      form["previous"] = page.fmt("release.record_again", {{"when", page.when(it->at)}, {"fields", shown}});
      break;
    }
    form["action_url"] = "/releases/" + url_part(r.number) + "/records/" + url_part(def.code);
    if (f) form["error"] = (*f)["error"];
    out.push_back(form);
  }
  return out;
}

// The deployment window, when an action open now is guarded by it: when the deploy opens, in the
// office's time, and warnings for a window already past or inside a freeze.
json window_notice(const Page& page, const ReleaseView& v) {
  if (!v.window) return nullptr;
  bool matters = false;
  for (const auto& o : v.options) {
    const ActionDef* def = v.proc->action(o.action, v.release.kind, v.release.state);
    for (const auto& g : def ? def->guards : std::vector<GuardRef>{}) matters = matters || g.name == "within_window";
  }
  if (!matters) return nullptr;
  const WindowStatus& w = *v.window;
  const std::vector<std::pair<std::string, std::string>> args = {{"from", page.when(w.from)}, {"to", page.when(w.to)}, {"zone", page.zone->name()}};
  json out = {{"text", page.fmt(w.open ? "release.window_open" : w.past ? "release.window_past" : "release.window_future", args)},
              {"warning", w.past}};
  if (w.freeze) {
    out["freeze"] = page.fmt("release.window_freeze", {{"reason", w.freeze->reason},
                                                       {"from", page.when(w.freeze->from)},
                                                       {"to", page.when(w.freeze->to)},
                                                       {"zone", page.zone->name()}});
  }
  return out;
}

// The conflicts of the request's window (core/calendar.h): other windows of its system that
// overlap it, and freezes it falls in (unless window_notice already says so), as warnings.
json window_conflicts(const Page& page, const ReleaseView& v, const json& notice) {
  json out = json::array();
  if (!v.window || v.proc->is_final(v.release.state)) return out;
  auto conflicts = page.office().window_conflicts(v);
  if (!conflicts) return out;  // the page stands without them
  for (const auto& c : *conflicts) {
    if (c.freeze && notice.is_object() && notice.contains("freeze")) continue;
    const std::vector<std::pair<std::string, std::string>> args = {{"other", c.other}, {"reason", c.freeze ? c.freeze->reason : ""},
                                                                   {"from", page.when(c.from)}, {"to", page.when(c.to)},
                                                                   {"zone", page.zone->name()}};
    out.push_back({{"text", page.fmt(c.freeze ? "release.window_freeze_conflict" : "release.window_overlap", args)},
                   {"url", c.freeze ? "/calendar?month=" + month_of(c.from, *page.zone).text() : "/releases/" + url_part(c.other)}});
  }
  return out;
}

json signoffs(const Page& page, const ReleaseView& v) {
  const Release& r = v.release;
  json out = json::array();
  for (const auto& t : r.transitions) {
    const ActionDef* def = v.proc->any_action(t.action, r.kind);
    if (!def || !def->signoff) continue;
    out.push_back({{"label", v.proc->action_name(t.action, page.lang)}, {"by", t.by}, {"when", page.when(t.at)},
                   {"stale", t.manifest_sha256 != v.manifest_sha256}});
  }
  for (const auto& rec : r.records) {
    const RecordTypeDef* def = v.proc->record_type(rec.type);
    if (!def || !def->signoff || def->is == "vote") continue;
    out.push_back({{"label", def->label.get(page.lang)}, {"by", rec.by}, {"when", page.when(rec.at)},
                   {"stale", rec.manifest_sha256 != v.manifest_sha256}});
  }
  return out;
}

// The committee's votes (the record type that `is: vote`): fresh ones, latest per member.
json votes(const Page& page, const ReleaseView& v, const RecordTypeDef& vote) {
  std::map<std::string, const Record*> latest;
  for (const auto& rec : v.release.records) {
    if (rec.type == vote.code && rec.manifest_sha256 == v.manifest_sha256) latest[rec.by] = &rec;
  }
  int approve = 0, reject = 0;
  json list = json::array();
  const std::string key = vote.pass_key();
  for (const auto& [by, rec] : latest) {
    const std::string d = rec->fields.count(key) ? rec->fields.at(key) : "";
    const bool yes = vote.passed(rec->fields);
    (yes ? approve : reject) += d.empty() ? 0 : 1;
    list.push_back({{"by", by}, {"decision", field_display(page, &vote, key, d)}, {"approve", yes},
                    {"note", rec->fields.count("note") ? rec->fields.at("note") : ""}, {"when", page.when(rec->at)}});
  }
  const int needed = committee_votes_needed(page.office());
  return {{"list", list},
          {"summary", page.fmt("release.votes_summary", {{"approve", std::to_string(approve)}, {"reject", std::to_string(reject)},
                                                         {"needed", std::to_string(needed)}})}};
}

// The vote record type when requests of `kind` go through the committee, else nullptr.
const RecordTypeDef* committee_votes_on(const Procedure& p, const std::string& kind) {
  const RecordTypeDef* vote = p.record_meaning("vote");
  return vote && (vote->kinds.empty() || contains(vote->kinds, kind)) ? vote : nullptr;
}

// Who moves the request forward now: each forward action open from here and the people who
// take it. "" when the viewer is one of them or nothing moves the request.
std::string next_actors(const Page& page, const ReleaseView& v) {
  const Release& r = v.release;
  auto users = page.office().users();
  std::string out;
  for (const ActionOption& o : v.options) {
    const ActionDef* def = v.proc->action(o.action, r.kind, r.state);
    if (!def || o.allowed || !moves_forward(*v.proc, r, o.to)) continue;
    if (!o.reason || o.reason->code != Code::permission_denied) continue;  // the viewer's own, blocked
    std::string people;
    int shown = 0;
    for (const auto& u : users ? *users : std::vector<User>{}) {
      if (!u.active || !holds_any(*v.proc, u, r, def->R) || ++shown > 4) continue;
      people += (people.empty() ? "" : ", ") + (u.name.empty() ? u.username : u.name);
    }
    out += (out.empty() ? "" : " ") +
           page.fmt("release.next_actor", {{"action", v.proc->action_name(o.action, page.lang)},
                                           {"who", (people.empty() ? "" : people + " — ") + roles_phrase(*v.proc, def->R, r.system, page.lang)}});
  }
  return out;
}

json actions(const Page& page, const ReleaseView& v, const json& extra) {
  json out = json::array();
  for (const ActionOption& o : v.options) {
    // Actions of other roles are not offered; next_actors() says who takes them.
    if (o.reason && o.reason->code == Code::permission_denied && !failed(extra, "action:" + o.action)) continue;
    json a = {{"action", o.action},
              {"label", v.proc->action_name(o.action, page.lang)},
              {"to_name", page.fmt("release.action_to", {{"state", v.proc->state_name(o.to, page.lang)}})},
              {"allowed", o.allowed},
              {"needs_note", o.needs_note && o.allowed},
              {"irreversible", o.irreversible},
              {"id", "act-" + o.action}};
    if (o.reason) a["reason"] = o.reason->message(page.lang);
    if (const json* f = failed(extra, "action:" + o.action)) {
      a["error"] = (*f)["error"];
      a["note"] = f->value("note", "");
      a["needs_note"] = o.needs_note || !a["note"].get<std::string>().empty();
    }
    out.push_back(a);
  }
  // Allowed first, so what the user can do now comes first.
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["allowed"].get<bool>() && !b["allowed"].get<bool>(); });
  return out;
}

std::string event_detail(const Page& page, const ReleaseView& v, const AuditEvent& e) {
  json after = e.after.empty() ? json() : json::parse(e.after, nullptr, false);
  if (!after.is_object()) return "";
  if (after.contains("action") && after["action"].is_string()) {
    std::string s = v.proc->action_name(after["action"].get<std::string>(), page.lang);
    if (after.contains("state") && after["state"].is_string()) s += " → " + v.proc->state_name(after["state"].get<std::string>(), page.lang);
    return s;
  }
  if (after.contains("type") && after["type"].is_string()) return v.proc->record_name(after["type"].get<std::string>(), page.lang);
  if (after.contains("verdict") && after["verdict"].is_string()) {
    return v.proc->slot_name(after.value("slot", ""), page.lang) + ": " + page.t("review." + after["verdict"].get<std::string>());
  }
  if (after.contains("slot") && after.contains("name") && after["name"].is_string()) {
    return v.proc->slot_name(after.value("slot", ""), page.lang) + ": " + after["name"].get<std::string>();
  }
  if (after.contains("version") && after["version"].is_string()) return after["version"].get<std::string>();
  return "";
}

json documents(const Page& page, const ReleaseView& v) {
  json out = json::array();
  for (const auto& d : v.documents) {
    const std::string kind_key = "documents.kind_" + d.kind;
    out.push_back({{"id", std::to_string(d.id)},
                   {"name", d.name},
                   {"kind_name", page.cat->has(page.lang, kind_key) ? page.t(kind_key) : d.kind},
                   {"step", v.proc->action_name(d.step, page.lang)},
                   {"issued_at", page.when(d.issued_at)},
                   {"issued_by", d.issued_by},
                   {"code", d.verification_code},
                   {"superseded", d.superseded_by != 0},
                   {"sha256", d.sha256},
                   {"size", page.cat->size(page.lang, d.size)},
                   {"url", "/api/v1/releases/" + url_part(v.release.number) + "/documents/" + std::to_string(d.id)}});
  }
  return out;
}

json timeline(const Page& page, const ReleaseView& v) {
  json out = json::array();
  auto events = page.office().events(v.release.number, 0, 1000);
  if (!events) return out;
  for (const auto& e : *events) {
    const std::string key = "event." + e.action;
    out.push_back({{"when", page.when(e.at)}, {"actor", e.actor}, {"what", page.cat->has(page.lang, key) ? page.t(key) : e.action},
                   {"detail", event_detail(page, v, e)}});
  }
  std::reverse(out.begin(), out.end());  // newest first
  return out;
}

// The release detail page with `extra` merged into its data (a refused form's error and
// values: the flash of refused_form).
Response release_page(Page& page, const std::string& number, const json& extra) {
  auto v = page.office().view(number, page.user().username);
  if (!v) return page.error_page(v.error());
  const Release& r = v->release;
  const Procedure& p = *v->proc;
  const KindDef& kind = *p.kind(r.kind);
  std::string system_name;
  if (auto ss = page.office().systems()) {
    for (const auto& s : *ss) {
      if (s.code == r.system) system_name = s.name;
    }
  }
  json obs = json::array();
  for (const auto& o : r.observations) {
    obs.push_back({{"text", o.text}, {"by", o.by}, {"when", page.when(o.at)}, {"from", p.state_name(o.from_state, page.lang)},
                   {"action", p.action_name(o.action, page.lang)}});
  }
  json data = {{"heading", r.number + " — " + r.title},
               {"nav_releases", true},
               {"release",
                {{"number", r.number},
                 {"title", r.title},
                 {"summary", r.summary},
                 {"system", r.system},
                 {"system_url", "/systems/" + url_part(r.system)},
                 {"system_name", system_name},
                 {"kind", r.kind},
                 {"kind_name", kind.label.get(page.lang)},
                 {"version", r.version},
                 {"state", r.state},
                 {"state_name", p.state_name(r.state, page.lang)},
                 {"requester", r.requester},
                 {"edition", r.edition},
                 {"created", page.when(r.created_at)},
                 {"updated", page.when(r.updated_at)},
                 {"row_version", std::to_string(r.row_version)},
                 {"manifest", v->manifest_sha256},
                 {"url", "/releases/" + url_part(r.number)}}},
               {"steps", stepper(page, r, kind)},
               {"off_path", contains(kind.path, r.state) ? "" : p.state_name(r.state, page.lang)},
               {"deliverables", deliverables(page, *v, extra)},
               {"editable", contains(p.editable_in, r.state)},
               {"records", records(page, *v)},
               {"record_forms", record_forms(page, *v, extra)},
               {"signoffs", signoffs(page, *v)},
               {"observations", obs},
               {"actions", actions(page, *v, extra)},
               {"window", window_notice(page, *v)},
               {"next_actors", next_actors(page, *v)},
               {"timeline", timeline(page, *v)},
               {"documents", documents(page, *v)},
               {"has_votes", committee_votes_on(p, r.kind) != nullptr}};
  data["window_conflicts"] = window_conflicts(page, *v, data["window"]);
  data["has_documents"] = !data["documents"].empty();
  data["has_record_forms"] = !data["record_forms"].empty();
  // The deliverables fold once every one is accepted for its current content.
  int accepted = 0;
  for (const auto& d : data["deliverables"]) {
    if (d.contains("review") && d["review"].value("accepted", false) && !d["review"].value("stale", true)) ++accepted;
  }
  const int slots = static_cast<int>(data["deliverables"].size());
  data["all_accepted"] = slots > 0 && accepted == slots;
  data["slots_summary"] = page.fmt("release.slots_summary", {{"accepted", std::to_string(accepted)}, {"total", std::to_string(slots)}});
  if (const RecordTypeDef* vote = committee_votes_on(p, r.kind)) data["votes"] = votes(page, *v, *vote);
  if (auto f = extra.find("failed"); f != extra.end()) data["failed_message"] = (*f)["error"]["message"];
  // After an action: what was done, and who acts next.
  if (page.query("ok") == "acted" && !r.transitions.empty()) {
    const Transition& last = r.transitions.back();
    const std::string next = data["next_actors"].get<std::string>();
    data["flash"] = page.fmt("flash.acted_step", {{"action", p.action_name(last.action, page.lang)},
                                                  {"state", p.state_name(r.state, page.lang)}}) +
                    (next.empty() ? "" : " " + next);
  }
  if (auto up = page.req.query("uploaded")) {
    for (const auto& f : r.files) {
      if (f.slot + "/" + f.name == *up) {
        data["flash"] = page.fmt("flash.uploaded", {{"name", f.name}, {"sha256", f.sha256}});
        data["flash_digest"] = f.sha256;
      }
    }
  }
  return page.render("release", data);
}

}  // namespace

void add_release_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/releases/{number}",
           "Release detail: stepper, deliverables, reviews, records, sign-offs, actions, timeline", PageAccess::signed_in,
           [](Page& page) {
             const json& flash = page.flash();
             return release_page(page, page.req.param("number"), flash.is_object() ? flash : json::object());
           });
}

}  // namespace pasaprod::web
