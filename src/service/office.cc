#include "service/office.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/manifest.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace office_internal {

AuditEvent event(const Caller& caller, Timestamp at, std::string action, std::string subject, const json& before,
                 const json& after) {
  AuditEvent e;
  e.at = at;
  e.actor = caller.username;
  e.action = std::move(action);
  e.subject = std::move(subject);
  e.before = before.is_null() ? "" : before.dump();
  e.after = after.is_null() ? "" : after.dump();
  return e;
}

bool valid_code(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

Error not_found(const std::string& what_es, const std::string& what_en, const std::string& key) {
  return make_error(Code::not_found, "not_found", what_es + " «" + key + "» no existe.", what_en + " \"" + key + "\" does not exist.");
}

Error unknown_user(const std::string& username) {
  return make_error(Code::unauthenticated, "user.unknown", "El usuario «" + username + "» no existe.",
                    "User \"" + username + "\" does not exist.");
}

}  // namespace office_internal

Result<const Procedure*> Office::edition_of(ReadTx& tx, const std::string& code) {
  const Procedure* proc = procedures_.edition(code);
  if (!proc) {
    if (auto learned = learn_editions(tx); !learned) return learned.error();
    proc = procedures_.edition(code);
  }
  if (!proc) {
    return make_error(Code::internal, "procedure.unknown_edition",
                      "La solicitud se abrió bajo la edición " + code + " del procedimiento, que no está cargada.",
                      "The request was opened under procedure edition " + code + ", which is not loaded.");
  }
  return proc;
}

std::vector<std::string> Office::committee_of(ReadTx& tx, const std::string& role) {
  std::vector<std::string> members;
  for (const auto& u : tx.users_with_role(role, "")) {
    if (u.active) members.push_back(u.username);
  }
  return members;
}

void Office::read_office_inputs(ReadTx& tx, Snapshot& snap) {
  snap.freezes = tx.freezes();
  snap.committee = committee_of(tx, snap.proc->committee_role);
  snap.quorum = tx.setting(office_internal::kQuorumSetting).value_or("");
  snap.zone = zone_named(tx.setting(kTimeZoneSetting).value_or(""));
}

Status Office::same_office_inputs(const Snapshot& loaded, const Snapshot& now) {
  const auto same_freezes = [](const std::vector<FreezeWindow>& a, const std::vector<FreezeWindow>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].id != b[i].id || a[i].from != b[i].from || a[i].to != b[i].to) return false;
    }
    return true;
  };
  if (same_freezes(loaded.freezes, now.freezes) && loaded.committee == now.committee && loaded.quorum == now.quorum) {
    return ok_status();
  }
  return make_error(Code::conflict, "office.changed",
                    "Mientras se decidía, cambió un congelamiento, el comité o su quórum; vuelva a cargar la solicitud e "
                    "intente de nuevo.",
                    "A freeze, the committee or its quorum changed while deciding; reload the request and try again.");
}

Office::Office(Store& store, BlobStore& library, const Clock& clock, ProcedureSet& procedures)
    : store_(store), library_(library), clock_(clock), procedures_(procedures) {}

Result<Office::Snapshot> Office::load(const std::string& actor, const std::string& number) {
  Snapshot snap;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (!actor.empty()) {
      auto u = tx.user(actor);
      if (!u) return office_internal::unknown_user(actor);
      if (!u->active) {
        return make_error(Code::permission_denied, "user.inactive", "El usuario «" + actor + "» está desactivado.",
                          "User \"" + actor + "\" is deactivated.");
      }
      snap.actor = *u;
    }
    auto r = tx.release(number);
    if (!r) return office_internal::not_found("La solicitud", "Request", number);
    snap.release = std::move(*r);
    auto proc = edition_of(tx, snap.release.edition);
    if (!proc) return proc.error();
    snap.proc = *proc;
    auto sys = tx.system(snap.release.system);
    if (!sys) return sys.error();
    snap.system = *sys;
    read_office_inputs(tx, snap);
    snap.documents = tx.documents_of(number);
    mark_superseded(snap.documents);
    return ok_status();
  });
  if (!st) return st.error();
  return snap;
}

Result<std::vector<DeliverableFile>> Office::verify_files(const Release& release) {
  std::vector<DeliverableFile> actual = release.files;
  for (auto& f : actual) {
    auto sha = library_.rehash(f.sha256);
    if (!sha) {
      return make_error(Code::data_loss, "library.file_missing",
                        "El archivo «" + f.name + "» (" + f.slot + ") no se puede leer de la librería: " + sha.error().es,
                        "The file \"" + f.name + "\" (" + f.slot + ") cannot be read from the library: " + sha.error().en);
    }
    auto size = library_.size_of(f.sha256);
    f.sha256 = *sha;
    if (size) f.size = *size;
  }
  return actual;
}

Result<std::string> Office::deployed_manifest(const Release& release) {
  auto files = verify_files(release);
  if (!files) return files.error();
  return manifest_sha256(release, *files);
}

Result<Release> Office::open_release(const Caller& caller, const std::string& system, const NewReleaseInput& input) {
  Timestamp now = 0;
  auto created = open_snapshot(caller, system, input, false, now);
  if (!created) return created.error();
  return std::move(created->release);
}

Result<ReleaseView> Office::open_release_view(const Caller& caller, const std::string& system, const NewReleaseInput& input) {
  Timestamp now = 0;
  auto created = open_snapshot(caller, system, input, true, now);
  if (!created) return created.error();
  return view_of(*created, now, true);
}

Result<Office::Snapshot> Office::open_snapshot(const Caller& caller, const std::string& system,
                                               const NewReleaseInput& input, bool with_inputs, Timestamp& now) {
  Snapshot created;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    // The edition in force is the one this transaction sees: another node may have loaded it.
    if (auto learned = learn_editions(tx); !learned) return learned;
    auto actor = tx.user(caller.username);
    if (!actor) return office_internal::unknown_user(caller.username);
    auto sys = tx.system(system);
    if (!sys) return office_internal::not_found("El sistema", "System", system);
    now = clock_.now();
    const Procedure& proc = procedures_.in_force(now);
    auto planned = plan_new_release(proc, *sys, tx.versions_of(system), *actor, input, now);
    if (!planned) return planned.error();
    const int year = year_of(now);
    char number[32];
    std::snprintf(number, sizeof number, "PP-%d-%04lld", year, static_cast<long long>(tx.next_release_seq(year)));
    planned->number = number;
    if (auto s = tx.insert_release(*planned); !s) return s;
    json after = {{"system", planned->system}, {"kind", planned->kind}, {"version", planned->version},
                  {"title", planned->title}, {"state", planned->state}, {"edition", planned->edition},
                  {"changes_database", planned->changes_database}};
    if (auto e = tx.append_event(event(caller, now, "release.open", planned->number, nullptr, after)); !e) return e.error();
    created.actor = std::move(*actor);
    created.release = std::move(*planned);
    created.system = std::move(*sys);
    created.proc = &proc;
    if (with_inputs) read_office_inputs(tx, created);
    return ok_status();
  });
  if (!st) return st.error();
  return created;
}

Result<ReleasePage> Office::releases(const ReleaseFilter& filter) {
  ReleasePage page;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    page = tx.releases(filter);
    return ok_status();
  });
  if (!st) return st.error();
  return page;
}

ReleaseView Office::view_of(Snapshot& snap, Timestamp now, bool with_options) {
  ReleaseView v;
  v.proc = snap.proc;
  v.manifest_sha256 = manifest_sha256(snap.release);
  Situation s = snap.situation(now);
  s.release = &snap.release;
  s.system = &snap.system;
  v.window = window_status(s);
  if (with_options) {
    // What would be deployed, from the stored digests: re-reading every file of the library
    // is left to act(), which does it before a deploy is allowed.
    s.deployed_manifest = v.manifest_sha256;
    v.options = action_options(s, snap.actor);
  }
  v.release = std::move(snap.release);
  v.documents = std::move(snap.documents);
  return v;
}

Result<ReleaseView> Office::view(const std::string& number, const std::string& viewer) {
  auto snap = load(viewer, number);
  if (!snap) return snap.error();
  return view_of(*snap, clock_.now(), !viewer.empty());
}

Result<Release> Office::act(const Caller& caller, const std::string& number, const ActionInput& input,
                            std::optional<std::int64_t> expected_row_version, bool confirmed) {
  auto v = act_view(caller, number, input, expected_row_version, confirmed);
  if (!v) return v.error();
  return std::move(v->release);
}

Result<ReleaseView> Office::act_view(const Caller& caller, const std::string& number, const ActionInput& input,
                                     std::optional<std::int64_t> expected_row_version, bool confirmed) {
  auto snap = load(caller.username, number);
  if (!snap) return snap.error();
  const Release& before = snap->release;
  if (expected_row_version && *expected_row_version != before.row_version) {
    return make_error(Code::conflict, "release.changed",
                      "La solicitud " + number + " cambió desde que la cargó; vuelva a cargarla e intente de nuevo.",
                      "Request " + number + " changed since you loaded it; reload it and try again.");
  }
  Situation s = snap->situation(clock_.now());
  const ActionDef* def = snap->proc->action(input.action, before.kind, before.state);
  if (!confirmed && def && def->irreversible) {
    s.deployed_manifest = manifest_sha256(before);  // as view_of: the library is re-read once confirmed
    if (auto plan = plan_action(s, snap->actor, input); !plan) return plan.error();
    const std::string name_es = snap->proc->action_name(input.action, Lang::es);
    const std::string name_en = snap->proc->action_name(input.action, Lang::en);
    return make_error(Code::failed_precondition, "action.unconfirmed",
                      "«" + name_es + "» no se puede deshacer: confírmelo para continuar.",
                      "\"" + name_en + "\" cannot be undone: confirm it to go on.")
        .with("action", input.action);
  }
  // An action guarded by deployed_matches_approval re-hashes the library's bytes.
  if (def && snap->proc->guarded_by(*def, "deployed_matches_approval")) {
    auto deployed = deployed_manifest(before);
    if (!deployed) return deployed.error();
    s.deployed_manifest = *deployed;
  }
  auto plan = plan_action(s, snap->actor, input);
  if (!plan) return plan.error();
  // The document of the step (SPEC §5) is made before the write: if it cannot be, the action
  // is refused and nothing changes (a PDF made for a write that then fails is discarded).
  auto pending = issue_document(*snap, *plan->def, plan->transition, caller.username);
  if (!pending) return pending.error();
  IssuedDocument* doc = *pending ? &(*pending)->doc : nullptr;
  // Closing a request keeps the office's inventory: the system is in production, with the
  // asset and INDECOPI data of the request's records (audited as a system change).
  Release after_release = before;
  after_release.state = plan->transition.to;
  const System system = system_after(*snap->proc, after_release, plan->transition.to, snap->system);
  std::int64_t doc_id = 0;
  std::vector<DeliverableFile> generated;  // slots the document fills
  Status st = store_.write([&](WriteTx& tx) -> Status {
    generated.clear();
    if (auto b = tx.bump_release(number, before.row_version, plan->transition.to, s.now); !b) return b;
    Snapshot inputs_now;
    inputs_now.proc = snap->proc;
    read_office_inputs(tx, inputs_now);
    if (auto same = same_office_inputs(*snap, inputs_now); !same) return same;
    if (auto t = tx.add_transition(number, plan->transition); !t) return t;
    if (plan->observation) {
      if (auto o = tx.add_observation(number, *plan->observation); !o) return o;
    }
    json before_j = {{"state", before.state}};
    json after_j = {{"state", plan->transition.to}, {"action", plan->transition.action},
                    {"manifest_sha256", plan->transition.manifest_sha256}};
    if (!plan->transition.note.empty()) after_j["note"] = plan->transition.note;
    if (s.deployed_manifest) after_j["deployed_manifest_sha256"] = *s.deployed_manifest;
    auto e = tx.append_event(event(caller, s.now, "release.act", number, before_j, after_j));
    if (!e) return e.error();
    if (doc) {
      auto id = tx.insert_document(*doc);
      if (!id) return id.error();
      doc_id = *id;
      json d = {{"id", *id}, {"kind", doc->kind}, {"name", doc->name}, {"sha256", doc->sha256},
                {"verification_code", doc->verification_code}, {"payload", doc->payload}};
      if (auto de = tx.append_event(event(caller, s.now, "document.issue", number, nullptr, d)); !de) return de.error();
      // A generated deliverable (e.g. the committee's acta) is filled by the document it names,
      // and from then on it is reviewed and frozen like any other.
      if (!snap->proc->is_final(plan->transition.to)) {
        for (const auto& slot : snap->proc->kind(before.kind)->slots) {
          const SlotDef* def = snap->proc->slot(slot);
          if (!def || def->document != doc->kind) continue;
          DeliverableFile f{slot, doc->name, doc->size, doc->sha256, caller.username, s.now};
          if (auto pf = tx.put_file(number, f); !pf) return pf;
          generated.push_back(f);
          json fa = {{"slot", f.slot}, {"name", f.name}, {"size", f.size}, {"sha256", f.sha256}};
          if (auto fe = tx.append_event(event(caller, s.now, "deliverable.add", number, nullptr, fa)); !fe) return fe.error();
        }
      }
    }
    if (system.status != snap->system.status || system.asset_id != snap->system.asset_id ||
        system.indecopi.requested_on != snap->system.indecopi.requested_on ||
        system.indecopi.file_number != snap->system.indecopi.file_number || system.indecopi.status != snap->system.indecopi.status) {
      if (auto u = tx.update_system(system); !u) return u;
      const auto inventory = [](const System& sys) {
        return json{{"status", sys.status}, {"asset_id", sys.asset_id},
                    {"indecopi", {{"requested_on", sys.indecopi.requested_on}, {"file_number", sys.indecopi.file_number},
                                  {"status", sys.indecopi.status}}},
                    {"release", ""}};
      };
      json b = inventory(snap->system), a = inventory(system);
      a["release"] = number;
      if (auto se = tx.append_event(event(caller, s.now, "system.inventory", system.code, b, a)); !se) return se.error();
    }
    if (auto n = notify(tx, *snap, plan->def->I, 'I', true, plan->def->code, *e); !n) return n;
    if (plan->transition.to != before.state) {
      if (auto t = tell_turn(tx, *snap, plan->transition.to, *e); !t) return t;
    }
    return ask_consulted(tx, *snap, plan->transition.to, *e);
  });
  if (*pending) {
    const BlobStore::PinnedBlob& pdf = (*pending)->pdf;
    settle_blobs({pdf.writer.get()}, pdf.blob.already_present ? std::vector<std::string>{} : std::vector<std::string>{pdf.blob.sha256},
                 st.ok());
  }
  if (!st) return st.error();
  // The snapshot as the write left it (the store's bump_release, add_transition, upserting
  // put_file and insert_document, applied here in memory).
  Release& after = snap->release;
  after.state = plan->transition.to;
  after.updated_at = s.now;
  after.row_version += 1;
  after.transitions.push_back(plan->transition);
  if (plan->observation) after.observations.push_back(*plan->observation);
  for (const auto& f : generated) {
    auto same = std::find_if(after.files.begin(), after.files.end(), [&](const DeliverableFile& x) { return x.slot == f.slot && x.name == f.name; });
    if (same != after.files.end()) {
      *same = f;
    } else {
      after.files.push_back(f);
    }
  }
  if (doc) {
    doc->id = doc_id;
    snap->documents.push_back(std::move(*doc));
    mark_superseded(snap->documents);
  }
  snap->system = system;
  return view_of(*snap, s.now, true);
}

Result<Record> Office::record(const Caller& caller, const std::string& number, const std::string& type,
                              const std::map<std::string, std::string>& fields, std::optional<std::int64_t> expected_row_version) {
  auto snap = load(caller.username, number);
  if (!snap) return snap.error();
  const Release& rel = snap->release;
  if (expected_row_version && *expected_row_version != rel.row_version) {
    return make_error(Code::conflict, "release.changed",
                      "La solicitud " + number + " cambió desde que la cargó; vuelva a cargarla e intente de nuevo.",
                      "Request " + number + " changed since you loaded it; reload it and try again.");
  }
  Situation s = snap->situation(clock_.now());
  const RecordTypeDef* def = snap->proc->record_type(type);
  const std::string is = def ? def->is : "";
  if (is == "deployment") {  // records the digest of the library's bytes
    auto deployed = deployed_manifest(rel);
    if (!deployed) return deployed.error();
    s.deployed_manifest = *deployed;
  }
  auto rec = plan_record(s, snap->actor, type, fields);
  if (!rec) return rec.error();
  rec->span = window_span(*snap->proc, *rec);
  if (is == "baseline") {
    // Freezing the baseline: every file must be intact in the library.
    auto files = verify_files(rel);
    if (!files) return files.error();
    rec->fields["files"] = std::to_string(files->size());
    rec->fields["manifest_sha256"] = manifest_sha256(rel, *files);
    if (rec->fields["manifest_sha256"] != s.manifest) {
      return make_error(Code::data_loss, "library.baseline_mismatch",
                        "Los archivos de la librería no coinciden con los entregables registrados: ejecute «library verify».",
                        "The library's files do not match the recorded deliverables: run \"library verify\".");
    }
  }
  Status st = store_.write([&](WriteTx& tx) -> Status {
    if (auto b = tx.bump_release(number, rel.row_version, rel.state, s.now); !b) return b;
    auto id = tx.add_record(number, *rec);
    if (!id) return id.error();
    rec->id = *id;
    json after = {{"type", type}, {"fields", rec->fields}, {"manifest_sha256", rec->manifest_sha256}};
    auto e = tx.append_event(event(caller, s.now, "release.record", number, nullptr, after));
    if (!e) return e.error();
    // A window (the procedure's span record) goes out as a calendar invitation.
    if (def == span_record_type(*snap->proc)) return invite_to_window(tx, *snap, *rec, *e);
    return notify(tx, *snap, def->inform, 'I', true, type, *e);
  });
  if (!st) return st.error();
  return *rec;
}

Result<ReleaseView> Office::review_view(const Caller& caller, const std::string& number, const std::string& slot,
                                        const std::string& verdict, const std::string& note,
                                        std::optional<std::int64_t> expected_row_version) {
  auto snap = load(caller.username, number);
  if (!snap) return snap.error();
  const Release& rel = snap->release;
  if (expected_row_version && *expected_row_version != rel.row_version) {
    return make_error(Code::conflict, "release.changed",
                      "La solicitud " + number + " cambió desde que la cargó; vuelva a cargarla e intente de nuevo.",
                      "Request " + number + " changed since you loaded it; reload it and try again.");
  }
  Situation s = snap->situation(clock_.now());
  auto rv = plan_review(s, snap->actor, slot, verdict, note);
  if (!rv) return rv.error();
  Status st = store_.write([&](WriteTx& tx) -> Status {
    if (auto b = tx.bump_release(number, rel.row_version, rel.state, s.now); !b) return b;
    if (auto a = tx.add_review(number, *rv); !a) return a;
    json after = {{"slot", slot}, {"verdict", verdict}, {"note", rv->note}, {"slot_digest", rv->slot_digest}};
    auto e = tx.append_event(event(caller, s.now, "release.review", number, nullptr, after));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  // The snapshot as the write left it (bump_release and add_review, applied in memory).
  Release& after = snap->release;
  after.updated_at = s.now;
  after.row_version += 1;
  after.reviews.push_back(*rv);
  return view_of(*snap, s.now, true);
}

Result<Review> Office::review(const Caller& caller, const std::string& number, const std::string& slot, const std::string& verdict,
                              const std::string& note, std::optional<std::int64_t> expected_row_version) {
  auto v = review_view(caller, number, slot, verdict, note, expected_row_version);
  if (!v) return v.error();
  return v->release.reviews.back();
}

Result<std::vector<AuditEvent>> Office::events(const std::string& subject, std::int64_t after_seq, int limit) {
  std::vector<AuditEvent> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.events(subject, after_seq, limit);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace pasaprod
