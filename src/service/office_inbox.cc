// The inbox and notifications (office.h).
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/guards.h"
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

// Someone a step concerns, and the role that makes it so ("" = a pseudo-role).
struct Recipient {
  std::string role;
  User user;
};

// The active users holding one of `roles` for release `r` (pseudo-roles "requester": who
// opened it; "everyone": whoever took part in it), by username, without `actor`.
std::map<std::string, Recipient> recipients_of(WriteTx& tx, const Procedure& proc, const Release& r,
                                               const std::vector<std::string>& roles, const std::string& actor) {
  std::map<std::string, std::optional<Recipient>> found;
  const auto participant = [&](const std::string& username) { found.emplace(username, std::nullopt); };
  const auto holders = [&](const std::string& role, const std::string& system) {
    for (auto& u : tx.users_with_role(role, system)) {
      std::string name = u.username;
      found.emplace(std::move(name), Recipient{role, std::move(u)});
    }
  };
  for (const auto& role : roles) {
    if (role == "requester") {
      participant(r.requester);
    } else if (role == "everyone") {
      participant(r.requester);
      for (const auto& t : r.transitions) participant(t.by);
      for (const auto& rec : r.records) participant(rec.by);
      for (const auto& rv : r.reviews) participant(rv.by);
      for (const auto& def : proc.roles) {
        if (def.per_system) holders(def.code, r.system);
      }
    } else if (const RoleDef* def = proc.role(role)) {
      holders(role, def->per_system ? r.system : "");
    }
  }
  found.erase(actor);
  std::map<std::string, Recipient> out;
  for (auto& [username, recipient] : found) {
    if (!recipient) {
      auto u = tx.user(username);
      if (!u) continue;
      recipient = Recipient{"", std::move(*u)};
    }
    if (recipient->user.active) out.emplace(username, std::move(*recipient));
  }
  return out;
}

// What a mail may carry beside the step: an iCalendar invitation, and the span in which the
// step asked of the person can be taken (by when it is due).
struct MailExtras {
  std::string calendar;
  Timestamp due_from = 0, due_to = 0;
};

// Tells one recipient of `event`: a notification when `notice`, a mail when they have an
// address. Informed mail (I) of a person who takes it as a daily digest waits for the digest,
// unless it carries an invitation.
Status tell(WriteTx& tx, const Release& r, const Recipient& recipient, char raci, bool notice, const std::string& step,
            const AuditEvent& event, const MailExtras& extras = {}) {
  const User& u = recipient.user;
  if (notice) {
    Notification n;
    n.username = u.username;
    n.release = r.number;
    n.event_seq = event.seq;
    n.action = step;
    n.actor = event.actor;
    n.at = event.at;
    if (auto st = tx.add_notification(n); !st) return st;
  }
  if (u.email.empty()) return ok_status();
  OutboxMail m;
  m.username = u.username;
  m.name = u.name;
  m.address = u.email;
  m.lang = u.lang;
  m.release = r.number;
  m.system = r.system;
  m.title = r.title;
  m.event_seq = event.seq;
  m.step = step;
  m.raci = raci;
  m.role = recipient.role;
  m.actor = event.actor;
  m.at = event.at;
  m.next_attempt_at = event.at;
  m.calendar = extras.calendar;
  m.due_from = extras.due_from;
  m.due_to = extras.due_to;
  if (raci == 'I' && u.mail_digest && m.calendar.empty()) return tx.hold_mail(m);
  auto id = tx.enqueue_mail(m);
  return id ? ok_status() : Status(id.error());
}

// The roles that may have something to do on a request in `state`, whatever its kind: R, A or
// C of an action from it; who may record a record type open in it (`consulted`: the C roles
// above and the types' consult roles); the reviewers when it is reviewed; the uploaders when
// deliverables are editable. A superset of what next_step and the A/C lists can ask of a
// person there, besides being the requester (`requester`, kept as is).
std::set<std::string> roles_acting_in(const Procedure& proc, const std::string& state) {
  std::set<std::string> roles;
  const auto add = [&](const std::vector<std::string>& list) { roles.insert(list.begin(), list.end()); };
  const auto in = [&](const std::vector<std::string>& states) { return std::find(states.begin(), states.end(), state) != states.end(); };
  for (const auto& a : proc.actions) {
    if (!in(a.from)) continue;
    add(a.R);
    add(a.A);
    add(a.C);
  }
  for (const auto& t : proc.record_types) {
    if (!in(t.states)) continue;
    add(t.by);
    add(t.consult);
  }
  if (in(proc.review_states)) add(proc.review_by);
  if (in(proc.editable_in)) {
    for (const auto& k : proc.kinds) add(k.uploaders);
  }
  return roles;
}

bool guarded_by_window(const ActionDef& def) {
  return std::any_of(def.guards.begin(), def.guards.end(), [](const GuardRef& g) { return g.name == "within_window"; });
}

}  // namespace

Status Office::notify(WriteTx& tx, const Snapshot& snap, const std::vector<std::string>& roles, char raci, bool notice,
                      const std::string& step, const AuditEvent& event) {
  for (const auto& [username, recipient] : recipients_of(tx, *snap.proc, snap.release, roles, event.actor)) {
    if (auto st = tell(tx, snap.release, recipient, raci, notice, step, event); !st) return st;
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

Status Office::invite_to_window(WriteTx& tx, const Snapshot& snap, const Record& rec, const AuditEvent& event) {
  const Procedure& proc = *snap.proc;
  const Release& r = snap.release;
  std::vector<std::string> roles = {"requester"};
  if (const RecordTypeDef* def = proc.record_type(rec.type)) roles.insert(roles.end(), def->inform.begin(), def->inform.end());
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* now = proc.action(code, r.kind, r.state);
    if (now && moves_forward(proc, r, now->to)) roles.insert(roles.end(), now->R.begin(), now->R.end());
    const ActionDef* any = proc.any_action(code, r.kind);
    if (any && guarded_by_window(*any)) roles.insert(roles.end(), any->R.begin(), any->R.end());
  }
  int sequence = 0;
  for (const auto& earlier : r.records) sequence += earlier.type == rec.type ? 1 : 0;
  const ReleaseSummary summary = summary_of(r);
  for (const auto& [username, recipient] : recipients_of(tx, proc, r, roles, event.actor)) {
    const Lang lang = recipient.user.lang == "en" ? Lang::en : Lang::es;
    ics::Event e = office_internal::window_event(proc, summary, rec, sequence, lang, *snap.zone, public_url_);
    e.attendee_name = recipient.user.name;
    e.attendee_address = recipient.user.email;
    const std::string invitation =
        ics::serialize({.name = summary.number, .zone = snap.zone.get(), .method = "REQUEST", .events = {e}});
    if (auto st = tell(tx, r, recipient, 'I', true, rec.type, event, {.calendar = invitation}); !st) return st;
  }
  return ok_status();
}

Status Office::tell_turn(WriteTx& tx, const Snapshot& snap, const std::string& state, const AuditEvent& event) {
  const Procedure& proc = *snap.proc;
  const Release& r = snap.release;
  Release here;  // the request in `state`, for moves_forward
  here.kind = r.kind;
  here.state = state;
  // Per person, the forward actions open now that they are R for, and those they answer for
  // (A) without being R: at most one mail of each. Ways back, aside or out (return, reject,
  // cancel) are not anyone's turn; the inbox does not list them as to-dos either.
  struct Turn {
    std::optional<Recipient> R, A;
    std::vector<std::string> r_actions, a_actions;
    bool in_window = false;  // one of the actions can be taken only within the deployment window
  };
  std::map<std::string, Turn> turns;
  // By when: the deployment window recorded, for actions that only it lets through.
  MailExtras due;
  if (const auto w = window_status(snap.situation(event.at)); w && !w->past) {
    due.due_from = w->from;
    due.due_to = w->to;
  }
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* def = proc.action(code, r.kind, state);
    if (!def || !moves_forward(proc, here, def->to)) continue;
    const bool in_window = guarded_by_window(*def);
    for (auto& [username, rc] : recipients_of(tx, proc, r, def->R, event.actor)) {
      Turn& t = turns[username];
      if (!t.R) t.R = rc;
      t.r_actions.push_back(code);
      t.in_window = t.in_window || in_window;
    }
    for (auto& [username, rc] : recipients_of(tx, proc, r, def->A, event.actor)) {
      Turn& t = turns[username];
      if (!t.A) t.A = rc;
      t.a_actions.push_back(code);
      t.in_window = t.in_window || in_window;
    }
  }
  const auto step_of = [](const std::vector<std::string>& actions) {
    std::string step = "turn:";
    for (const auto& a : actions) step += (step.size() > 5 ? "," : "") + a;
    return step;
  };
  for (auto& [username, turn] : turns) {
    if (turn.R) {
      if (auto st = tell(tx, r, *turn.R, 'R', false, step_of(turn.r_actions), event, turn.in_window ? due : MailExtras{}); !st) return st;
    }
    std::erase_if(turn.a_actions, [&](const std::string& a) {
      return std::find(turn.r_actions.begin(), turn.r_actions.end(), a) != turn.r_actions.end();
    });
    if (turn.A && !turn.a_actions.empty()) {
      if (auto st = tell(tx, r, *turn.A, 'A', false, step_of(turn.a_actions), event, turn.in_window ? due : MailExtras{}); !st) return st;
    }
  }
  return ok_status();
}

// The lists of requests `who`'s inbox reads, state by state as it lists them. Only requests
// the user can be part of are read: without a role held office-wide, a user takes part only in
// the requests they opened and in those of the systems they hold a role for (a role counts for
// a request when held office-wide or for its system, core holds_any); and in a state where none
// of their roles acts, only in the requests they opened.
std::vector<ReleaseFilter> Office::inbox_lists(const User& who) const {
  std::vector<std::string> scopes;  // systems; "" = every request
  bool office_wide = false;
  std::set<std::string> held;  // the roles the user holds, anywhere
  for (const auto* list : {&who.grants, &who.directory_grants}) {
    for (const auto& g : *list) {
      office_wide = office_wide || g.system.empty();
      held.insert(g.role);
      if (!g.system.empty() && std::find(scopes.begin(), scopes.end(), g.system) == scopes.end()) scopes.push_back(g.system);
    }
  }
  const Procedure& current = current_procedure();
  std::vector<ReleaseFilter> filters;
  for (const auto& state : current.states) {
    if (state.final) continue;
    const std::set<std::string> acting = roles_acting_in(current, state.code);
    const bool acts = std::any_of(held.begin(), held.end(), [&](const std::string& role) { return acting.count(role) > 0; });
    const auto add = [&](const std::string& system, const std::string& requester) {
      ReleaseFilter f;
      f.state = state.code;
      f.system = system;
      f.requester = requester;
      f.oldest_first = true;
      f.limit = inbox_per_state_ + 1;  // one more tells a list read in part
      f.count_limit = 0;               // the rows only, no count
      filters.push_back(f);
    };
    if (!acts) {
      add("", who.username);
    } else if (office_wide) {
      add("", "");
    } else {
      add("", who.username);
      for (const auto& system : scopes) add(system, "");
    }
  }
  return filters;
}

Result<Inbox> Office::inbox(const std::string& username, int notices_page) {
  Inbox inbox;
  User who;
  std::vector<Snapshot> loaded;  // the requests considered that load, as load() gives them
  // One snapshot for the whole inbox: the user, the lists, the requests considered and what
  // the office decides them by. The requests' aggregates in one batched read
  // (ReadTx::releases_by_number); the office's inputs (freezes, quorum, time zone) once; the
  // committee once per committee role of the editions met; a system once per system.
  Status st = store_.read([&](ReadTx& tx) -> Status {
    inbox = Inbox{};
    loaded.clear();
    auto u = tx.user(username);
    if (!u) return u.error();
    who = std::move(*u);
    std::vector<ReleaseSummary> items;  // the requests considered, in list order
    std::set<std::string> seen;
    for (auto f : inbox_lists(who)) {
      std::vector<ReleaseSummary> page = tx.releases(f).items;
      if (page.size() > static_cast<std::size_t>(inbox_per_state_)) {
        page.pop_back();
        f.limit = 0;
        f.count_limit = kInboxCountLimit;
        const ReleasePage count = tx.releases(f);
        inbox.more.push_back({f.state, f.system, f.requester, count.total, count.total_capped});
      }
      for (auto& summary : page) {
        if (seen.insert(summary.number).second) items.push_back(std::move(summary));
      }
    }
    // A deactivated user acts on no request (load refuses them): nothing of theirs to list.
    if (!who.active) items.clear();
    std::optional<Snapshot> inputs;
    std::map<std::string, std::vector<std::string>> committees;  // by committee role
    std::map<std::string, std::optional<System>> systems;        // by code; nullopt: unreadable
    // The request as load() gives it, from what this read has already read; nullopt when its
    // edition or system cannot be read (the request is then left out).
    const auto snapshot_of = [&](Release r) -> std::optional<Snapshot> {
      Snapshot snap;
      auto proc = edition_of(tx, r.edition);
      if (!proc) return std::nullopt;
      snap.proc = *proc;
      auto sys = systems.find(r.system);
      if (sys == systems.end()) {
        auto read = tx.system(r.system);
        sys = systems.emplace(r.system, read ? std::optional<System>(std::move(*read)) : std::nullopt).first;
      }
      if (!sys->second) return std::nullopt;
      if (!inputs) {
        inputs.emplace();
        inputs->proc = snap.proc;
        read_office_inputs(tx, *inputs);
        committees.emplace(snap.proc->committee_role, inputs->committee);
      }
      auto committee = committees.find(snap.proc->committee_role);
      if (committee == committees.end()) {
        committee = committees.emplace(snap.proc->committee_role, committee_of(tx, snap.proc->committee_role)).first;
      }
      snap.release = std::move(r);
      snap.system = *sys->second;
      snap.freezes = inputs->freezes;
      snap.committee = committee->second;
      snap.quorum = inputs->quorum;
      snap.zone = inputs->zone;
      return snap;
    };
    std::vector<std::string> numbers;
    numbers.reserve(items.size());
    for (const auto& summary : items) numbers.push_back(summary.number);
    for (auto& r : tx.releases_by_number(numbers)) {
      if (auto snap = snapshot_of(std::move(r))) loaded.push_back(std::move(*snap));
    }
    inbox.notifications = tx.notifications(username, false, kNoticesPerPage + 1, std::max(0, notices_page) * kNoticesPerPage);
    inbox.more_notifications = inbox.notifications.size() > static_cast<std::size_t>(kNoticesPerPage);
    if (inbox.more_notifications) inbox.notifications.pop_back();
    inbox.unread = tx.unread_notifications(username);
    return ok_status();
  });
  if (!st) return st.error();
  const Timestamp now = clock_.now();
  for (const Snapshot& snap : loaded) {
    const Procedure& proc = *snap.proc;
    const Release& r = snap.release;
    Situation s = snap.situation(now);
    // As the request page: what would be deployed is what is stored (act() re-reads the bytes).
    s.deployed_manifest = s.manifest;
    Timestamp since = r.created_at;
    for (const auto& t : r.transitions) {
      if (t.to == r.state) since = t.at;
    }
    if (auto next = next_step(s, who)) {
      InboxItem item{summary_of(r), next->step, step_role(proc, who, r, next->step), next->due, next->reason,
                     next->action, since, next->accountable};
      (next->due ? inbox.todo : inbox.waiting).push_back(std::move(item));
    }
    // A and C: once per request, for the first action open now that names the user so.
    bool listed = false;
    for (const auto& option : action_options(s, who)) {
      const ActionDef* def = proc.action(option.action, r.kind, r.state);
      if (listed || !def || !option.reason || option.reason->code != Code::permission_denied) continue;
      if (auto role = held_role(proc, who, r, def->A); !role.empty()) {
        inbox.accountable.push_back({summary_of(r), option.action, role, false, std::nullopt, option.action, since, {}});
        listed = true;
      } else if (auto crole = held_role(proc, who, r, def->C); !crole.empty()) {
        inbox.consulted.push_back({summary_of(r), option.action, crole, false, std::nullopt, option.action, since, {}});
        listed = true;
      }
    }
  }
  // Oldest waiting first.
  for (auto* list : {&inbox.todo, &inbox.waiting, &inbox.accountable, &inbox.consulted}) {
    std::stable_sort(list->begin(), list->end(), [](const InboxItem& a, const InboxItem& b) { return a.since < b.since; });
  }
  return inbox;
}

Status Office::mark_read(const std::string& username, const std::vector<std::int64_t>& ids) {
  return store_.write([&](WriteTx& tx) -> Status { return tx.mark_notifications_read(username, ids); });
}

}  // namespace pasaprod
