// The calendar of deployment windows and freezes (office.h): periods with their conflicts,
// each user's secret feed addresses, and the iCalendar feeds behind them.
#include <algorithm>

#include "auth/credentials.h"
#include "core/derived.h"
#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

constexpr Timestamp kDayMs = 86'400'000;
constexpr Timestamp kFeedPastMs = 180 * kDayMs;  // a feed starts this long ago
constexpr std::size_t kMaxScopeBytes = 80;

// The time in a span record's field `key` (ISO 8601, as records store it); 0 when absent. The
// keys of a window's start and end are the procedure's (core/derived.h window_from_key).
Timestamp span_time(const Record& rec, const std::string& key) {
  const auto it = rec.fields.find(key);
  if (it == rec.fields.end()) return 0;
  auto t = parse_iso(it->second);
  return t ? *t : 0;
}

// True for a window that still counts: its request is open or reached production.
bool counts(const Procedure& proc, const std::string& state) { return !proc.is_final(state) || proc.is_production(state); }

Error bad_scope() {
  return make_error(Code::invalid_argument, "calendar.bad_scope",
                    "Elija qué calendario: «office» (toda la oficina), «mine» (mis solicitudes) o «system:CÓDIGO» (un sistema).",
                    "Choose which calendar: \"office\" (the whole office), \"mine\" (my requests) or \"system:CODE\" (one system).")
      .with("field", "scope");
}

std::string scope_system(const std::string& scope) { return scope.rfind("system:", 0) == 0 ? scope.substr(7) : ""; }

json key_json(const CalendarKey& k) {
  return {{"scope", k.scope}, {"created_at", format_iso(k.created_at)}, {"rotated_at", k.rotated_at ? format_iso(k.rotated_at) : ""}};
}

// The user's key for `scope`, if they have one.
std::optional<CalendarKey> key_of(ReadTx& tx, const std::string& username, const std::string& scope) {
  for (auto& k : tx.calendar_keys(username)) {
    if (k.scope == scope) return k;
  }
  return std::nullopt;
}

std::string feed_name(const std::string& scope, Lang lang) {
  const std::string base = "pasaprod — ";
  if (scope == "mine") return base + (lang == Lang::en ? "my requests" : "mis solicitudes");
  if (!scope_system(scope).empty()) return base + scope_system(scope);
  return base + (lang == Lang::en ? "office" : "oficina");
}

// A freeze's revision as its audit events tell it: how many changes followed its creation
// (edits, an early end) and when the last one was made.
struct Revision {
  int sequence = 0;
  Timestamp at = 0;
};
constexpr int kMaxFreezeEvents = 10'000;

Revision freeze_revision(ReadTx& tx, const FreezeWindow& f) {
  Revision r{0, f.created_at};
  const auto events = tx.events(office_internal::freeze_subject(f.id), 0, kMaxFreezeEvents);
  if (!events.empty()) r = {static_cast<int>(events.size()) - 1, std::max(f.created_at, events.back().at)};
  return r;
}

ics::Event freeze_event(const FreezeWindow& f, const Revision& revision, Lang lang, const TimeZone& zone) {
  const bool en = lang == Lang::en;
  ics::Event e;
  e.uid = office_internal::freeze_subject(f.id) + "@pasaprod";
  e.sequence = revision.sequence;
  e.stamp = revision.at;
  e.start = f.from;
  e.end = f.to;
  e.summary = (en ? "Freeze: " : "Congelamiento: ") + f.reason;
  e.description = (en ? "No release but an emergency deploys from " : "Solo un pase de emergencia se despliega del ") +
                  format_local(f.from, zone, lang) + (en ? " to " : " al ") + format_local(f.to, zone, lang) + " (" + zone.name() +
                  (en ? " time)." : ").");
  e.category = en ? "Freeze" : "Congelamiento";
  e.transparent = true;
  return e;
}

}  // namespace

namespace office_internal {

ics::Event window_event(const Procedure& proc, const ReleaseSummary& r, const Record& rec, int sequence, Lang lang, const TimeZone& zone,
                        const std::string& public_url) {
  const bool en = lang == Lang::en;
  ics::Event e;
  e.uid = r.number + "-" + rec.type + "@pasaprod";
  e.sequence = sequence;
  e.stamp = rec.at;
  e.start = span_time(rec, window_from_key(proc));
  e.end = span_time(rec, window_to_key(proc));
  e.summary = r.number + " " + r.system + ": " + r.title;
  const std::string url = public_url.empty() ? "" : public_url + "/releases/" + r.number;
  e.description = proc.record_name(rec.type, lang) + (en ? " of request " : " de la solicitud ") + r.number + " (" +
                  proc.kind_name(r.kind, lang) + ", " + (en ? "version " : "versión ") + r.version + "): " +
                  format_local(e.start, zone, lang) + (en ? " to " : " al ") + format_local(e.end, zone, lang) + " (" + zone.name() +
                  (en ? " time)" : ")") + ".\n" + (en ? "State: " : "Estado: ") + proc.state_name(r.state, lang) + ".\n" +
                  (en ? "Recorded by " : "Registrada por ") + rec.by + ".";
  if (!url.empty()) e.description += "\n" + url;
  e.url = url;
  e.category = proc.record_name(rec.type, lang);
  return e;
}

}  // namespace office_internal

Result<std::int64_t> Office::fill_window_spans() {
  const Procedure& proc = current_procedure();
  const RecordTypeDef* type = span_record_type(proc);
  if (!type) return std::int64_t{0};
  std::int64_t filled = 0;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    filled = tx.backfill_spans(type->code, window_from_key(proc), window_to_key(proc));
    return ok_status();
  });
  if (!st) return st.error();
  return filled;
}

Result<CalendarView> Office::calendar(Timestamp from, Timestamp to, const std::string& system, const std::string& participant) {
  const Procedure& proc = current_procedure();
  const RecordTypeDef* type = span_record_type(proc);
  CalendarView v;
  v.from = from;
  v.to = to;
  std::vector<SpanRecord> rows, around;
  std::vector<FreezeWindow> freezes;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    freezes = tx.freezes();
    if (!type) return ok_status();
    rows = tx.span_records(SpanQuery{type->code, from, to, system, participant, kCalendarMaxWindows + 1});
    // Conflicts are with every window of the office, not only those shown.
    if (!system.empty() || !participant.empty()) {
      around = tx.span_records(SpanQuery{type->code, from, to, "", "", kCalendarMaxWindows + 1});
    }
    return ok_status();
  });
  if (!st) return st.error();
  v.truncated = rows.size() > static_cast<std::size_t>(kCalendarMaxWindows);
  if (v.truncated) rows.pop_back();
  std::vector<DatedWindow> all;
  for (auto& row : (around.empty() ? rows : around)) {
    if (!counts(proc, row.release.state)) continue;
    all.push_back({row.release.number, row.release.system, row.record.span->from, row.record.span->to});
  }
  std::vector<FreezeWindow> period_freezes;
  for (const auto& f : freezes) {
    if ((to == 0 || f.from < to) && f.to > from) period_freezes.push_back(f);
  }
  for (auto& c : pasaprod::window_conflicts(all, period_freezes)) {
    const bool shown = std::any_of(rows.begin(), rows.end(), [&](const SpanRecord& r) { return r.release.number == c.release; });
    if (shown) v.conflicts.push_back(std::move(c));
  }
  for (auto& row : rows) {
    if (!counts(proc, row.release.state)) continue;
    CalendarWindow w;
    w.from = row.record.span->from;
    w.to = row.record.span->to;
    w.sequence = row.earlier;
    w.release = std::move(row.release);
    w.record = std::move(row.record);
    v.windows.push_back(std::move(w));
  }
  v.freezes = std::move(period_freezes);
  return v;
}

Result<std::vector<WindowConflict>> Office::window_conflicts(const ReleaseView& view) {
  if (!view.window) return std::vector<WindowConflict>{};
  auto period = calendar(view.window->from, view.window->to, "", "");
  if (!period) return period.error();
  std::vector<WindowConflict> out;
  for (auto& c : period->conflicts) {
    if (c.release == view.release.number) out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<CalendarKey>> Office::calendar_keys(const Caller& caller) {
  std::vector<CalendarKey> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.calendar_keys(caller.username);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<NewCalendarKey> Office::issue_calendar_key(const Caller& caller, const std::string& scope) {
  if (scope.size() > kMaxScopeBytes || (scope != "office" && scope != "mine" && scope_system(scope).empty())) return bad_scope();
  NewCalendarKey out;
  out.key = auth::random_secret(32);
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto u = tx.user(caller.username);
    if (!u || !u->active) {
      return make_error(Code::unauthenticated, "user.unknown", "Identifíquese con un usuario activo.", "Sign in as an active user.");
    }
    if (const std::string code = scope_system(scope); !code.empty()) {
      if (!tx.system(code)) return office_internal::not_found("El sistema", "System", code);
    }
    const Timestamp now = clock_.now();
    const std::optional<CalendarKey> before = key_of(tx, caller.username, scope);
    out.record = CalendarKey{0, caller.username, scope, auth::secret_digest(out.key), before ? before->created_at : now,
                             before ? now : 0};
    auto id = tx.put_calendar_key(out.record);
    if (!id) return id.error();
    out.record.id = *id;
    auto e = tx.append_event(event(caller, now, before ? "calendar.key_rotate" : "calendar.key_create", caller.username,
                                   before ? key_json(*before) : json(nullptr), key_json(out.record)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return out;
}

Status Office::remove_calendar_key(const Caller& caller, const std::string& scope, const std::string& username) {
  if (scope.size() > kMaxScopeBytes) return bad_scope();
  const std::string owner = username.empty() ? caller.username : username;
  if (owner != caller.username) {
    if (auto st = require_admin(caller); !st) return st;
  }
  return store_.write([&](WriteTx& tx) -> Status {
    const std::optional<CalendarKey> before = key_of(tx, owner, scope);
    if (auto d = tx.delete_calendar_key(owner, scope); !d) return d;
    auto e = tx.append_event(event(caller, clock_.now(), "calendar.key_remove", owner, key_json(*before), nullptr));
    return e ? ok_status() : Status(e.error());
  });
}

Result<std::string> Office::calendar_feed(const std::string& key) {
  const auto unknown = [] {
    return make_error(Code::not_found, "calendar.unknown_key",
                      "Esta dirección de calendario no existe o fue renovada; copie la nueva desde «Mi cuenta».",
                      "This calendar address does not exist or was rotated; copy the new one from \"My account\".");
  };
  if (key.empty() || key.size() > 128) return unknown();
  const std::string digest = auth::secret_digest(key);
  std::optional<CalendarKey> k;
  std::optional<User> owner;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    k = tx.calendar_key_by_digest(digest);
    if (k) {
      if (auto u = tx.user(k->username)) owner = *u;
    }
    return ok_status();
  });
  if (!st) return st.error();
  // The lookup is by digest; the comparison that decides is made in constant time.
  if (!k || !auth::equal_secrets(k->digest, digest) || !owner || !owner->active) return unknown();
  const Lang lang = owner->lang == "en" ? Lang::en : Lang::es;
  const Timestamp since = clock_.now() - kFeedPastMs;
  auto period = calendar(since, 0, scope_system(k->scope), k->scope == "mine" ? k->username : "");
  if (!period) return period.error();
  const Procedure& proc = current_procedure();
  const auto zone = time_zone();
  ics::Calendar c{.name = feed_name(k->scope, lang), .zone = zone.get(), .method = "", .events = {}};
  for (const auto& w : period->windows) {
    c.events.push_back(office_internal::window_event(proc, w.release, w.record, w.sequence, lang, *zone, public_url_));
  }
  // Freezes concern every calendar: they stop every system's releases but emergencies.
  std::vector<Revision> revisions;
  st = store_.read([&](ReadTx& tx) -> Status {
    for (const auto& f : period->freezes) revisions.push_back(freeze_revision(tx, f));
    return ok_status();
  });
  if (!st) return st.error();
  for (std::size_t i = 0; i < period->freezes.size(); ++i) c.events.push_back(freeze_event(period->freezes[i], revisions[i], lang, *zone));
  return ics::serialize(c);
}

}  // namespace pasaprod
