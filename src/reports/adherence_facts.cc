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

void gather_transitions(const Release& r, AdherenceFacts& f) {
  for (const Transition& t : r.transitions) {
    const std::string& a = t.action;
    if (a == "request_qa") first(f.request_qa, t.at);
    else if (a == "qa_accept") first(f.qa_accept, t.at);
    else if (a == "request_production") first(f.request_production, t.at);
    else if (a == "validate") f.last_validate = t.at;
    else if (a == "prepare_report") {
      if (f.approval == 0) f.last_prepare = t.at;
    } else if (a == "approve" || a == "committee_approve") {
      if (f.approval == 0) {
        f.approval = t.at;
        f.prepare_before_approval = f.last_prepare;
      }
    } else if (a == "deploy") first(f.deploy, t.at);
    else if (a == "verify") {
      first(f.verify, t.at);
      first(f.left_deployed, t.at);
    } else if (a == "rollback") {
      first(f.rollback, t.at);
      if (t.from == "deployed") first(f.left_deployed, t.at);
    } else if (a == "accept") {
      first(f.accept, t.at);
      first(f.closed, t.at);
    } else if (a == "close") first(f.closed, t.at);
    else if (a == "return_to_qa" || a == "qa_observe") ++f.returns;
    else if (a == "reject") f.reject_action = true;
  }
  if (f.approval == 0) f.prepare_before_approval = 0;
}

// REQUIRES: the transitions gathered (the window is chosen relative to the deploy).
void gather_records(const Release& r, AdherenceFacts& f) {
  const Record* window = nullptr;
  for (const Record& rec : r.records) {
    const std::string& ty = rec.type;
    if (ty == "security_conformity") first(f.security, rec.at);
    else if (ty == "backup") first(f.backup, rec.at);
    else if (ty == "verification") first(f.verification, rec.at);
    else if (ty == "baseline") first(f.baseline, rec.at);
    else if (ty == "inventory") first(f.inventory, rec.at);
    else if (ty == "ip_registration") first(f.ip, rec.at);
    else if (ty == "rollback") {
      auto n = rec.fields.find("note");
      if (n != rec.fields.end() && !n->second.empty()) first(f.rollback_record, rec.at);
    } else if (ty == "cosign") {
      auto role = rec.fields.find("role");
      if (role == rec.fields.end()) continue;
      if (role->second == "qa_lead") first(f.cosign_qa, rec.at);
      if (role->second == "production_lead") first(f.cosign_prod, rec.at);
    } else if (ty == "window") {
      if (f.deploy == 0 || rec.at <= f.deploy) window = &rec;
    }
  }
  if (!window) return;
  Result<Timestamp> from = parse_iso(text::field(*window, "from"));
  Result<Timestamp> to = parse_iso(text::field(*window, "to"));
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
  gather_transitions(r, f);
  gather_records(r, f);
  gather_reviews(proc, r, f);
  f.backout_plan = std::any_of(r.files.begin(), r.files.end(), [](const DeliverableFile& x) { return x.slot == "backout_plan"; });
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
  return fmt::format("adherence-facts/{}/{}/{:016x}", kAdherenceFactsVersion, proc.edition, h);
}

}  // namespace pasaprod::reports
