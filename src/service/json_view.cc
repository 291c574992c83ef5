#include "service/json_view.h"

#include "core/manifest.h"

namespace pasaprod {

using nlohmann::json;

json error_json(const Error& e, Lang lang) {
  json details = json::object();
  for (const auto& d : e.details) {
    if (!details.contains(d.key)) {
      details[d.key] = d.value;
    } else {
      if (!details[d.key].is_array()) details[d.key] = json::array({details[d.key]});
      details[d.key].push_back(d.value);
    }
  }
  return {{"code", code_name(e.code)}, {"id", e.id}, {"message", e.message(lang)}, {"details", details}};
}

json user_json(const User& u) {
  auto roles_of = [](const std::vector<RoleGrant>& grants) {
    json roles = json::array();
    for (const auto& g : grants) {
      json r = {{"role", g.role}};
      if (!g.system.empty()) r["system"] = g.system;
      roles.push_back(r);
    }
    return roles;
  };
  // "roles": given by hand in pasaprod; "directory_roles": from the directory's groups
  // ("directory": the account comes from the office's directory).
  return {{"username", u.username}, {"name", u.name}, {"email", u.email}, {"active", u.active}, {"lang", u.lang},
          {"mail_digest", u.mail_digest}, {"roles", roles_of(u.grants)}, {"directory", u.from_directory()}, {"directory_roles", roles_of(u.directory_grants)}};
}

json system_json(const System& s) {
  return {{"code", s.code},
          {"name", s.name},
          {"description", s.description},
          {"unit", s.unit},
          {"origin", s.origin},
          {"technology", s.technology},
          {"status", s.status},
          {"initial_version", s.initial_version},
          {"indecopi", {{"requested_on", s.indecopi.requested_on}, {"file_number", s.indecopi.file_number}, {"status", s.indecopi.status}}},
          {"asset_id", s.asset_id},
          {"created_at", format_iso(s.created_at)}};
}

json system_view_json(const SystemView& v) {
  json out = system_json(v.system);
  out["current_version"] = v.production_version.empty() ? json(nullptr) : json(v.production_version);
  json releases = json::array();
  for (const auto& r : v.releases) {
    releases.push_back({{"number", r.number}, {"kind", r.kind}, {"version", r.version}, {"title", r.title}, {"state", r.state},
                        {"created_at", format_iso(r.created_at)}});
  }
  out["releases"] = releases;
  return out;
}

json summary_json(const ReleaseSummary& r, const Procedure& proc, Lang lang) {
  return {{"number", r.number},       {"system", r.system},
          {"kind", r.kind},           {"kind_name", proc.kind_name(r.kind, lang)},
          {"version", r.version},     {"title", r.title},
          {"state", r.state},         {"state_name", proc.state_name(r.state, lang)},
          {"requester", r.requester}, {"created_at", format_iso(r.created_at)},
          {"updated_at", format_iso(r.updated_at)}};
}

json file_json(const DeliverableFile& f) {
  return {{"slot", f.slot}, {"name", f.name}, {"size", f.size}, {"sha256", f.sha256}, {"uploaded_by", f.uploaded_by},
          {"uploaded_at", format_iso(f.uploaded_at)}};
}

json review_json(const Review& r) {
  return {{"slot", r.slot}, {"verdict", r.verdict}, {"note", r.note}, {"by", r.by}, {"at", format_iso(r.at)}, {"slot_digest", r.slot_digest}};
}

json record_json(const Record& r) {
  return {{"id", r.id}, {"type", r.type}, {"fields", r.fields}, {"by", r.by}, {"at", format_iso(r.at)}, {"manifest_sha256", r.manifest_sha256}};
}

json event_json(const AuditEvent& e) {
  auto parse = [](const std::string& s) { return s.empty() ? json(nullptr) : json::parse(s, nullptr, false); };
  return {{"seq", e.seq},       {"at", format_iso(e.at)},  {"actor", e.actor},       {"action", e.action}, {"subject", e.subject},
          {"before", parse(e.before)}, {"after", parse(e.after)}, {"hash", e.hash}, {"prev_hash", e.prev_hash}};
}

json freeze_json(const FreezeWindow& f) {
  return {{"id", f.id}, {"from", format_iso(f.from)}, {"to", format_iso(f.to)}, {"reason", f.reason}, {"created_by", f.created_by},
          {"created_at", format_iso(f.created_at)}};
}

json calendar_key_json(const CalendarKey& k) {
  return {{"scope", k.scope}, {"created_at", format_iso(k.created_at)},
          {"rotated_at", k.rotated_at ? json(format_iso(k.rotated_at)) : json(nullptr)}};
}

json document_json(const IssuedDocument& d) {
  return {{"id", d.id},
          {"kind", d.kind},
          {"step", d.step},
          {"name", d.name},
          {"sha256", d.sha256},
          {"size", d.size},
          {"verification_code", d.verification_code},
          {"issued_at", format_iso(d.issued_at)},
          {"issued_by", d.issued_by},
          {"lang", d.lang},
          {"manifest_sha256", d.manifest_sha256},
          {"superseded_by", d.superseded_by ? json(d.superseded_by) : json(nullptr)},
          {"url", "/api/v1/releases/" + d.release + "/documents/" + std::to_string(d.id)}};
}

json baseline_json(const Baseline& b, bool with_files) {
  std::int64_t total = 0;
  json files = json::array();
  for (const auto& f : b.files) {
    total += f.size;
    if (with_files) files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  }
  json j = {{"system", b.system},         {"version", b.version},           {"release", b.release},
            {"state", b.state},           {"manifest_sha256", b.manifest_sha256}, {"frozen_at", format_iso(b.frozen_at)},
            {"frozen_by", b.frozen_by},   {"file_count", b.files.size()},   {"total_size", total},
            {"url", "/api/v1/systems/" + b.system + "/baselines/" + b.version},
            {"archive_url", "/api/v1/systems/" + b.system + "/baselines/" + b.version + "/archive"}};
  if (with_files) j["files"] = files;
  return j;
}

json release_json(const ReleaseView& v, Lang lang) {
  const Release& r = v.release;
  const Procedure& p = *v.proc;
  json deliverables = json::array();
  for (const auto& slot : p.kind(r.kind)->slots) {
    const SlotDef* def = p.slot(slot);
    json files = json::array();
    for (const auto* f : r.files_in(slot)) files.push_back(file_json(*f));
    const std::string digest = slot_digest(r, slot);
    json review = nullptr;
    for (auto it = r.reviews.rbegin(); it != r.reviews.rend(); ++it) {
      if (it->slot == slot) {
        review = review_json(*it);
        review["current"] = it->slot_digest == digest;
        break;
      }
    }
    deliverables.push_back({{"slot", slot}, {"name", def->label.get(lang)}, {"generated", def->generated}, {"files", files}, {"review", review}});
  }
  json records = json::array();
  for (const auto& rec : r.records) {
    json j = record_json(rec);
    j["type_name"] = p.record_name(rec.type, lang);
    const RecordTypeDef* def = p.record_type(rec.type);
    j["signoff"] = def && def->signoff;
    j["current"] = !(def && def->signoff) || rec.manifest_sha256 == v.manifest_sha256;
    records.push_back(j);
  }
  // Sign-offs: actions that are sign-offs, and sign-off records, each fresh or stale.
  json signoffs = json::array();
  for (const auto& t : r.transitions) {
    const ActionDef* def = p.any_action(t.action, r.kind);
    if (!def || !def->signoff) continue;
    signoffs.push_back({{"name", t.action}, {"label", p.action_name(t.action, lang)}, {"by", t.by}, {"at", format_iso(t.at)},
                        {"manifest_sha256", t.manifest_sha256}, {"current", t.manifest_sha256 == v.manifest_sha256}});
  }
  for (const auto& rec : r.records) {
    const RecordTypeDef* def = p.record_type(rec.type);
    if (!def || !def->signoff) continue;
    signoffs.push_back({{"name", rec.type}, {"label", def->label.get(lang)}, {"by", rec.by}, {"at", format_iso(rec.at)},
                        {"manifest_sha256", rec.manifest_sha256}, {"current", rec.manifest_sha256 == v.manifest_sha256}});
  }
  json transitions = json::array();
  for (const auto& t : r.transitions) {
    transitions.push_back({{"action", t.action}, {"label", p.action_name(t.action, lang)}, {"from", t.from}, {"to", t.to}, {"by", t.by},
                           {"note", t.note}, {"at", format_iso(t.at)}, {"manifest_sha256", t.manifest_sha256}});
  }
  json observations = json::array();
  for (const auto& o : r.observations) {
    observations.push_back({{"text", o.text}, {"by", o.by}, {"at", format_iso(o.at)}, {"from_state", o.from_state}, {"action", o.action}});
  }
  json actions = json::array();
  for (const auto& o : v.options) {
    json a = {{"action", o.action}, {"label", p.action_name(o.action, lang)}, {"to", o.to}, {"allowed", o.allowed},
              {"needs_note", o.needs_note}, {"irreversible", o.irreversible}};
    if (o.reason) a["reason"] = error_json(*o.reason, lang);
    actions.push_back(a);
  }
  json documents = json::array();
  for (const auto& d : v.documents) documents.push_back(document_json(d));
  json path = json::array();
  for (const auto& st : p.kind(r.kind)->path) path.push_back({{"state", st}, {"name", p.state_name(st, lang)}});
  return {{"number", r.number},
          {"system", r.system},
          {"kind", r.kind},
          {"kind_name", p.kind_name(r.kind, lang)},
          {"version", r.version},
          {"declared_major", r.declared_major},
          {"changes_database", r.changes_database},
          {"title", r.title},
          {"summary", r.summary},
          {"requester", r.requester},
          {"state", r.state},
          {"state_name", p.state_name(r.state, lang)},
          {"edition", r.edition},
          {"row_version", r.row_version},
          {"created_at", format_iso(r.created_at)},
          {"updated_at", format_iso(r.updated_at)},
          {"manifest_sha256", v.manifest_sha256},
          {"path", path},
          {"deliverables", deliverables},
          {"records", records},
          {"signoffs", signoffs},
          {"transitions", transitions},
          {"observations", observations},
          {"documents", documents},
          {"available_actions", actions}};
}

json edition_json(const EditionInfo& e) {
  return {{"edition", e.code},
          {"title", {{"es", e.title.es}, {"en", e.title.en}}},
          {"approved_on", e.approved_on},
          {"builtin", e.builtin},
          {"in_force", e.in_force},
          {"effective_from", e.builtin ? json(nullptr) : json(format_iso(e.effective_from))},
          {"effective_date", e.effective_date},
          {"sha256", e.sha256},
          {"loaded_at", e.loaded_at ? json(format_iso(e.loaded_at)) : json(nullptr)},
          {"loaded_by", e.loaded_by}};
}

json edition_check_json(const EditionCheck& c, Lang lang) {
  json changes = json::array();
  for (const auto& ch : c.changes) {
    changes.push_back({{"what", ch.what}, {"code", ch.code}, {"change", std::string(1, ch.sign)},
                       {"detail", lang == Lang::en ? ch.detail_en : ch.detail_es}, {"text", ch.text(lang)}});
  }
  return {{"ok", true}, {"edition", c.code}, {"title", {{"es", c.title.es}, {"en", c.title.en}}}, {"in_force", c.in_force},
          {"changes", changes}};
}

}  // namespace pasaprod
