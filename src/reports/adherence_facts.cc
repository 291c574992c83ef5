// gather_adherence_facts, the facts' text form and their key (adherence_facts.h). The controls
// evaluated from the facts are in adherence.cc.
#include "reports/adherence_facts.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

#include "core/time.h"
#include "reports/document_text.h"

namespace pasaprod::reports {
namespace {

void first(Timestamp& slot, Timestamp at) {
  if (slot == 0) slot = at;
}

// The actions, records and slot behind each fact are the procedure's (its `adherence:` section
// and its record types' meanings).
void gather_transitions(const Procedure& p, const Release& r, AdherenceFacts& f) {
  std::string deployed;  // the state the deploy leads to
  if (auto d = p.adherence.find("deploy"); d != p.adherence.end() && !d->second.empty()) {
    if (const ActionDef* a = p.any_action(d->second.front(), r.kind)) deployed = a->to;
  }
  for (const Transition& t : r.transitions) {
    const std::string& a = t.action;
    if (p.marks("request_qa", a)) first(f.request_qa, t.at);
    if (p.marks("qa_accept", a)) first(f.qa_accept, t.at);
    if (p.marks("request_production", a)) first(f.request_production, t.at);
    if (p.marks("validate", a)) f.last_validate = t.at;
    if (p.marks("report", a) && f.approval == 0) f.last_prepare = t.at;
    if (p.marks("approval", a) && f.approval == 0) {
      f.approval = t.at;
      f.prepare_before_approval = f.last_prepare;
    }
    if (p.marks("deploy", a)) first(f.deploy, t.at);
    if (p.marks("verify", a)) {
      first(f.verify, t.at);
      first(f.left_deployed, t.at);
    }
    if (p.marks("rollback", a)) {
      first(f.rollback, t.at);
      if (!deployed.empty() && t.from == deployed) first(f.left_deployed, t.at);
    }
    if (p.marks("accept", a)) first(f.accept, t.at);
    if (p.marks("closed", a)) first(f.closed, t.at);
    if (p.marks("return", a)) ++f.returns;
    if (p.marks("reject", a)) f.reject_action = true;
  }
  if (f.approval == 0) f.prepare_before_approval = 0;
}

// REQUIRES: the transitions gathered (the window is chosen relative to the deploy).
void gather_records(const Procedure& p, const Release& r, AdherenceFacts& f) {
  const Record* window = nullptr;
  const RecordTypeDef* window_type = p.record_meaning("window");
  for (const Record& rec : r.records) {
    const std::string& ty = rec.type;
    const RecordTypeDef* def = p.record_type(ty);
    const std::string meaning = def ? def->is : "";
    if (p.marks("security", ty)) first(f.security, rec.at);
    if (p.marks("inventory", ty)) first(f.inventory, rec.at);
    if (p.marks("ip_registration", ty)) first(f.ip, rec.at);
    if (meaning == "backup") first(f.backup, rec.at);
    else if (meaning == "verification") first(f.verification, rec.at);
    else if (meaning == "baseline") first(f.baseline, rec.at);
    else if (meaning == "rollback") {
      const bool given = std::all_of(def->keys.begin(), def->keys.end(), [&](const std::string& k) { return !text::field(rec, k).empty(); });
      if (given) first(f.rollback_record, rec.at);
    } else if (meaning == "cosign") {
      // The first co-signing role is QA's, the second production's (AdherenceFacts).
      auto role = rec.fields.find("role");
      if (role == rec.fields.end()) continue;
      if (def->by.size() > 0 && role->second == def->by[0]) first(f.cosign_qa, rec.at);
      if (def->by.size() > 1 && role->second == def->by[1]) first(f.cosign_prod, rec.at);
    } else if (meaning == "window") {
      if (f.deploy == 0 || rec.at <= f.deploy) window = &rec;
    }
  }
  if (!window) return;
  Result<Timestamp> from = parse_iso(text::field(*window, window_type->keys[0]));
  Result<Timestamp> to = parse_iso(text::field(*window, window_type->keys[1]));
  if (!from || !to) {
    f.window = AdherenceFacts::Window::unreadable;
    return;
  }
  f.window = AdherenceFacts::Window::ok;
  f.window_from = *from;
  f.window_to = *to;
}

// REQUIRES: the transitions gathered (reviews are judged at the last validation).
void gather_reviews(const Procedure& proc, const Release& r, AdherenceFacts& f) {
  if (f.last_validate == 0) return;
  const KindDef* kind = proc.kind(r.kind);
  if (!kind) {
    f.unknown_kind = true;
    return;
  }
  struct SlotState {
    const std::string* code;
    const Review* before = nullptr;  // latest review at or before the validation
    const Review* last = nullptr;    // latest review
  };
  std::vector<SlotState> slots;
  for (const auto& s : kind->slots) {
    const SlotDef* def = proc.slot(s);
    if (!def || !def->generated) slots.push_back({&s});
  }
  for (const Review& rv : r.reviews) {
    for (SlotState& s : slots) {
      if (*s.code != rv.slot) continue;
      if (rv.at <= f.last_validate) s.before = &rv;
      s.last = &rv;
    }
  }
  bool on_time = true, eventually = true;
  Timestamp latest = 0;
  for (const SlotState& s : slots) {
    if (!s.before || s.before->verdict != "accepted") on_time = false;
    if (!s.last || s.last->verdict != "accepted") eventually = false;
    if (s.last) latest = std::max(latest, s.last->at);
  }
  f.deliverables = on_time ? Outcome::met : eventually ? Outcome::met_late : Outcome::missed;
  f.deliverables_latest = f.deliverables == Outcome::missed ? 0 : latest;
}

// The times of the text form, in its order.
constexpr Timestamp AdherenceFacts::*kTimes[] = {
    &AdherenceFacts::request_qa,   &AdherenceFacts::qa_accept,     &AdherenceFacts::request_production,
    &AdherenceFacts::last_validate, &AdherenceFacts::last_prepare, &AdherenceFacts::approval,
    &AdherenceFacts::prepare_before_approval, &AdherenceFacts::deploy, &AdherenceFacts::left_deployed,
    &AdherenceFacts::verify,       &AdherenceFacts::closed,        &AdherenceFacts::accept,
    &AdherenceFacts::rollback,     &AdherenceFacts::security,      &AdherenceFacts::backup,
    &AdherenceFacts::verification, &AdherenceFacts::baseline,      &AdherenceFacts::inventory,
    &AdherenceFacts::ip,           &AdherenceFacts::rollback_record, &AdherenceFacts::cosign_qa,
    &AdherenceFacts::cosign_prod,  &AdherenceFacts::window_from,   &AdherenceFacts::window_to,
    &AdherenceFacts::deliverables_latest,
};
constexpr std::size_t kTimeCount = std::size(kTimes);
// After the times: returns, reject_action, window, backout_plan, deliverables, unknown_kind.
constexpr std::size_t kFieldCount = kTimeCount + 6;

bool parse_int(std::string_view s, std::int64_t& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

AdherenceFacts gather_adherence_facts(const Procedure& proc, const Release& r) {
  AdherenceFacts f;
  gather_transitions(proc, r, f);
  gather_records(proc, r, f);
  gather_reviews(proc, r, f);
  f.backout_plan = std::any_of(r.files.begin(), r.files.end(), [&](const DeliverableFile& x) { return proc.marks("backout_plan", x.slot); });
  return f;
}

std::string encode_adherence_facts(const AdherenceFacts& f, Timestamp created_at) {
  std::string out;
  out.reserve(160);
  for (auto member : kTimes) {
    const Timestamp t = f.*member;
    if (t != 0) fmt::format_to(std::back_inserter(out), "{}", t - created_at);
    out += ',';
  }
  fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{}", f.returns, f.reject_action ? 1 : 0, static_cast<int>(f.window),
                 f.backout_plan ? 1 : 0, static_cast<int>(f.deliverables), f.unknown_kind ? 1 : 0);
  return out;
}

std::optional<AdherenceFacts> decode_adherence_facts(std::string_view text, Timestamp created_at) {
  std::string_view fields[kFieldCount];
  std::size_t n = 0;
  for (std::size_t p = 0;;) {
    const std::size_t q = text.find(',', p);
    if (n == kFieldCount) return std::nullopt;  // too many fields
    fields[n++] = text.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p);
    if (q == std::string_view::npos) break;
    p = q + 1;
  }
  if (n != kFieldCount) return std::nullopt;
  AdherenceFacts f;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < kTimeCount; ++i) {
    if (fields[i].empty()) continue;  // 0: did not happen
    if (!parse_int(fields[i], v)) return std::nullopt;
    f.*kTimes[i] = created_at + v;
  }
  std::int64_t small[6];
  for (std::size_t i = 0; i < 6; ++i) {
    if (!parse_int(fields[kTimeCount + i], small[i]) || small[i] < 0) return std::nullopt;
  }
  if (small[1] > 1 || small[2] > 2 || small[3] > 1 || small[4] > 3 || small[5] > 1 || small[0] > 1'000'000'000) return std::nullopt;
  f.returns = static_cast<int>(small[0]);
  f.reject_action = small[1] == 1;
  f.window = static_cast<AdherenceFacts::Window>(small[2]);
  f.backout_plan = small[3] == 1;
  f.deliverables = static_cast<Outcome>(small[4]);
  f.unknown_kind = small[5] == 1;
  return f;
}

std::string adherence_facts_key(const Procedure& proc) {
  // What gather_adherence_facts reads from the procedure: each kind's slots, and which of them
  // are generated.
  std::uint64_t h = fnv1a(14695981039346656037ULL, proc.edition);
  for (const KindDef& k : proc.kinds) {
    h = fnv1a(h, "|" + k.code + ":");
    for (const std::string& s : k.slots) {
      const SlotDef* def = proc.slot(s);
      h = fnv1a(h, s + (def == nullptr ? "?" : def->generated ? "*" : "") + ";");
    }
  }
  // ... which codes mark each fact, the record types' meanings and the co-signing roles.
  for (const auto& [fact, codes] : proc.adherence) {
    h = fnv1a(h, "|" + fact + "=");
    for (const auto& c : codes) h = fnv1a(h, c + ";");
  }
  for (const RecordTypeDef& t : proc.record_types) {
    if (t.is.empty()) continue;
    h = fnv1a(h, "|" + t.code + " is " + t.is + ":");
    for (const auto& k : t.keys) h = fnv1a(h, k + ";");
    for (const auto& b : t.by) h = fnv1a(h, b + ",");
  }
  return fmt::format("adherence-facts/{}/{}/{:016x}", kAdherenceFactsVersion, proc.edition, h);
}

}  // namespace pasaprod::reports
