// The inbox and notifications (office.h).
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {

namespace {


ReleaseSummary summary_of(const Release& r) {
  return ReleaseSummary{r.number, r.system, r.kind, r.version, r.title, r.state, r.requester, r.created_at, r.updated_at};
}

// The first of `roles` the user holds for the release (pseudo-roles excluded), or "".
std::string held_role(const Procedure& proc, const User& u, const Release& r, const std::vector<std::string>& roles) {
  for (const auto& role : roles) {
    if (role == "requester" || role == "everyone") continue;
    if (holds_any(proc, u, r, {role})) return role;
  }
  return {};
}

// The role that makes `step` (next_step's) the user's.
std::string step_role(const Procedure& proc, const User& u, const Release& r, const std::string& step) {
  const auto colon = step.find(':');
  const std::string verb = colon == std::string::npos ? "" : step.substr(0, colon);
  const std::string what = colon == std::string::npos ? step : step.substr(colon + 1);
  std::vector<std::string> roles;
  if (verb.empty()) {
    if (const ActionDef* def = proc.action(what, r.kind, r.state)) roles = def->R;
  } else if (verb == "record") {
    if (const RecordTypeDef* def = proc.record_type(what)) roles = record_roles(proc, *def, r);
  } else if (verb == "upload") {
    if (const KindDef* k = proc.kind(r.kind)) roles = k->uploaders;
  } else {
    roles = proc.review_by;
  }
  const std::string role = held_role(proc, u, r, roles);
  return role.empty() ? "requester" : role;
}

}  // namespace

Status Office::notify(WriteTx& tx, const Snapshot& snap, const std::vector<std::string>& roles, char raci, bool notice,
                      const std::string& step, const AuditEvent& event) {
  struct Recipient {
    std::string role;          // the role that makes them one ("" = a pseudo-role)
    std::optional<User> user;  // read with the role, or later
  };
  std::map<std::string, Recipient> recipients;  // by username
  const Release& r = snap.release;
  const auto participant = [&](const std::string& username) { recipients.emplace(username, Recipient{}); };
  for (const auto& role : roles) {
    if (role == "requester") {
      participant(r.requester);
      continue;
    }
    if (role == "everyone") {
      participant(r.requester);
      for (const auto& t : r.transitions) participant(t.by);
      for (const auto& rec : r.records) participant(rec.by);
      for (const auto& rv : r.reviews) participant(rv.by);
      for (const auto& def : snap.proc->roles) {
        if (!def.per_system) continue;
        for (auto& u : tx.users_with_role(def.code, r.system)) {
          std::string name = u.username;
          recipients.emplace(std::move(name), Recipient{def.code, std::move(u)});
        }
      }
      continue;
    }
    const RoleDef* def = snap.proc->role(role);
    if (!def) continue;
    for (auto& u : tx.users_with_role(role, def->per_system ? r.system : "")) {
      std::string name = u.username;
      recipients.emplace(std::move(name), Recipient{role, std::move(u)});
    }
  }
  recipients.erase(event.actor);
  for (auto& [username, recipient] : recipients) {
    if (!recipient.user) {
      auto u = tx.user(username);
      if (!u) continue;
      recipient.user = std::move(*u);
    }
    const User& u = *recipient.user;
    const std::string& role = recipient.role;
    if (!u.active) continue;
    if (notice) {
      Notification n;
      n.username = username;
      n.release = r.number;
      n.event_seq = event.seq;
      n.action = step;
      n.actor = event.actor;
      n.at = event.at;
      if (auto st = tx.add_notification(n); !st) return st;
    }
    if (u.email.empty()) continue;
    OutboxMail m;
    m.username = username;
    m.name = u.name;
    m.address = u.email;
    m.lang = u.lang;
    m.release = r.number;
    m.system = r.system;
    m.title = r.title;
    m.event_seq = event.seq;
    m.step = step;
    m.raci = raci;
    m.role = role;
    m.actor = event.actor;
    m.at = event.at;
    m.next_attempt_at = event.at;
    if (auto id = tx.enqueue_mail(m); !id) return id.error();
  }
  return ok_status();
}

Status Office::ask_consulted(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event) {
  const Procedure& proc = *snap.proc;
  const Release& r = snap.release;
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* def = proc.action(code, r.kind, state);
    if (!def || def->C.empty()) continue;
    if (auto st = notify(tx, snap, def->C, 'C', true, "consult:" + code, event); !st) return st;
  }
  for (const auto& type : proc.record_types) {
    if (type.consult.empty() || std::find(type.states.begin(), type.states.end(), state) == type.states.end()) continue;
    if (!type.kinds.empty() && std::find(type.kinds.begin(), type.kinds.end(), r.kind) == type.kinds.end()) continue;
    if (auto st = notify(tx, snap, type.consult, 'C', true, "consult:" + type.code, event); !st) return st;
  }
  return ok_status();
}

Status Office::tell_turn(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event) {
  const Procedure& proc = *snap.proc;
  const Release& r = snap.release;
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* def = proc.action(code, r.kind, state);
    if (!def) continue;
    if (auto st = notify(tx, snap, def->R, 'R', false, "turn:" + code, event); !st) return st;
    if (auto st = notify(tx, snap, def->A, 'A', false, "turn:" + code, event); !st) return st;
  }
  return ok_status();
}

Result<Inbox> Office::inbox(const std::string& username, int notices_page) {
  auto who = user(username);
  if (!who) return who.error();
  Inbox inbox;
  const Timestamp now = clock_.now();
  for (const auto& state : procedures_.current().states) {
    if (state.final) continue;
    ReleaseFilter f;
    f.state = state.code;
    f.limit = 500;
    auto page = releases(f);
    if (!page) return page.error();
    for (const auto& summary : page->items) {
      auto snap = load(username, summary.number);
      if (!snap) continue;
      const Procedure& proc = *snap->proc;
      const Release& r = snap->release;
      Situation s = snap->situation(now);
      // As the request page: what would be deployed is what is stored (act() re-reads the bytes).
      s.deployed_manifest = s.manifest;
      Timestamp since = r.created_at;
      for (const auto& t : r.transitions) {
        if (t.to == r.state) since = t.at;
      }
      if (auto next = next_step(s, *who)) {
        InboxItem item{summary_of(r), next->step, step_role(proc, *who, r, next->step), next->due, next->reason,
                       next->action, since, next->accountable};
        (next->due ? inbox.todo : inbox.waiting).push_back(std::move(item));
      }
      // A and C: once per request, for the first action open now that names the user so.
      bool listed = false;
      for (const auto& option : action_options(s, *who)) {
        const ActionDef* def = proc.action(option.action, r.kind, r.state);
        if (listed || !def || !option.reason || option.reason->code != Code::permission_denied) continue;
        if (auto role = held_role(proc, *who, r, def->A); !role.empty()) {
          inbox.accountable.push_back({summary_of(r), option.action, role, false, std::nullopt, option.action, since, {}});
          listed = true;
        } else if (auto crole = held_role(proc, *who, r, def->C); !crole.empty()) {
          inbox.consulted.push_back({summary_of(r), option.action, crole, false, std::nullopt, option.action, since, {}});
          listed = true;
        }
      }
    }
  }
  // Oldest waiting first.
  for (auto* list : {&inbox.todo, &inbox.waiting, &inbox.accountable, &inbox.consulted}) {
    std::stable_sort(list->begin(), list->end(), [](const InboxItem& a, const InboxItem& b) { return a.since < b.since; });
  }
  Status st = store_.read([&](ReadTx& tx) -> Status {
    inbox.notifications = tx.notifications(username, false, kNoticesPerPage + 1, std::max(0, notices_page) * kNoticesPerPage);
    inbox.more_notifications = inbox.notifications.size() > static_cast<std::size_t>(kNoticesPerPage);
    if (inbox.more_notifications) inbox.notifications.pop_back();
    inbox.unread = tx.unread_notifications(username);
    return ok_status();
  });
  if (!st) return st.error();
  return inbox;
}

Status Office::mark_read(const std::string& username, const std::vector<std::int64_t>& ids) {
  return store_.write([&](WriteTx& tx) -> Status { return tx.mark_notifications_read(username, ids); });
}

}  // namespace pasaprod
