// The inbox and notifications (office.h).
#include <algorithm>
#include <set>

#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

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

}  // namespace

Status Office::notify(WriteTx& tx, const Snapshot& snap, const std::vector<std::string>& roles, const std::string& action,
                      const AuditEvent& event) {
  std::set<std::string> recipients;
  const Release& r = snap.release;
  for (const auto& role : roles) {
    if (role == "everyone") {
      recipients.insert(r.requester);
      for (const auto& t : r.transitions) recipients.insert(t.by);
      for (const auto& rec : r.records) recipients.insert(rec.by);
      for (const auto& rv : r.reviews) recipients.insert(rv.by);
      for (const auto& def : snap.proc->roles) {
        if (!def.per_system) continue;
        for (const auto& u : tx.users_with_role(def.code, r.system)) recipients.insert(u.username);
      }
      continue;
    }
    const RoleDef* def = snap.proc->role(role);
    if (!def) continue;
    for (const auto& u : tx.users_with_role(role, def->per_system ? r.system : "")) {
      if (u.active) recipients.insert(u.username);
    }
  }
  recipients.erase(event.actor);
  for (const auto& username : recipients) {
    Notification n;
    n.username = username;
    n.release = r.number;
    n.event_seq = event.seq;
    n.action = action;
    n.actor = event.actor;
    n.at = event.at;
    if (auto st = tx.add_notification(n); !st) return st;
  }
  return ok_status();
}

Status Office::ask_consulted(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event) {
  const Procedure& proc = *snap.proc;
  const Release& r = snap.release;
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* def = proc.action(code, r.kind, state);
    if (!def || def->C.empty()) continue;
    if (auto st = notify(tx, snap, def->C, "consult:" + code, event); !st) return st;
  }
  for (const auto& type : proc.record_types) {
    if (type.consult.empty() || std::find(type.states.begin(), type.states.end(), state) == type.states.end()) continue;
    if (!type.kinds.empty() && std::find(type.kinds.begin(), type.kinds.end(), r.kind) == type.kinds.end()) continue;
    if (auto st = notify(tx, snap, type.consult, "consult:" + type.code, event); !st) return st;
  }
  return ok_status();
}

Result<Inbox> Office::inbox(const std::string& username) {
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
      for (const auto& option : action_options(s, *who)) {
        const ActionDef* def = proc.action(option.action, r.kind, r.state);
        const bool refused_by_role = option.reason && option.reason->code == Code::permission_denied;
        if (!refused_by_role) {
          const std::string role = def ? held_role(proc, *who, r, def->R) : "";
          inbox.todo.push_back({summary_of(r), option.action, role.empty() ? "requester" : role, option.allowed, option.reason});
          continue;
        }
        if (!def) continue;
        if (auto role = held_role(proc, *who, r, def->A); !role.empty()) {
          inbox.accountable.push_back({summary_of(r), option.action, role, false, std::nullopt});
        } else if (auto crole = held_role(proc, *who, r, def->C); !crole.empty()) {
          inbox.consulted.push_back({summary_of(r), option.action, crole, false, std::nullopt});
        }
      }
      // Records the user is expected to give here: sign-offs missing or stale.
      for (const auto& type : proc.record_types) {
        if (!type.signoff || !contains(type.states, r.state)) continue;
        if (!type.kinds.empty() && !contains(type.kinds, r.kind)) continue;
        if (!condition_holds(type.when, r)) continue;
        const std::string role = held_role(proc, *who, r, type.by);
        if (role.empty()) continue;
        bool given = false;
        for (const auto& rec : r.records) {
          if (rec.type == type.code && rec.by == username && rec.manifest_sha256 == s.manifest) given = true;
        }
        if (!given) inbox.todo.push_back({summary_of(r), "record:" + type.code, role, true, std::nullopt});
      }
    }
  }
  Status st = store_.read([&](ReadTx& tx) -> Status {
    inbox.notifications = tx.notifications(username, false, 100);
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
