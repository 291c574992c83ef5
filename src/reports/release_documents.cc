#include "reports/release_documents.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/engine.h"
#include "core/manifest.h"
#include "reports/document_text.h"

namespace pasaprod::reports {
namespace {

using text::tr;

const Review* latest_review(const Release& r, const std::string& slot) {
  for (auto it = r.reviews.rbegin(); it != r.reviews.rend(); ++it) {
    if (it->slot == slot) return &*it;
  }
  return nullptr;
}

// A role name when exactly one role (other than the pseudo-role `requester`) may act.
std::string single_role(const Procedure& proc, const std::vector<std::string>& roles, Lang lang) {
  std::string found;
  for (const auto& r : roles) {
    if (r == "requester") continue;
    if (!found.empty()) return "";
    found = r;
  }
  return found.empty() ? "" : proc.role_name(found, lang);
}

std::vector<std::pair<std::string, std::string>> request_rows(const Procedure& proc, const Release& r, const System& sys,
                                                              const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  std::string edition = r.edition;
  if (r.edition == proc.edition) edition += " — " + proc.title.get(l);
  return {
      {tr(l, "Número", "Number"), r.number},
      {tr(l, "Sistema", "System"), r.system + (sys.name.empty() ? "" : " — " + sys.name)},
      {tr(l, "Unidad", "Unit"), sys.unit.empty() ? "—" : sys.unit},
      {tr(l, "Tipo", "Kind"), proc.kind_name(r.kind, l)},
      {tr(l, "Versión", "Version"), r.version},
      {tr(l, "Título", "Title"), r.title},
      {tr(l, "Resumen del cambio", "Change summary"), r.summary.empty() ? "—" : r.summary},
      {tr(l, "Solicitante", "Requester"), text::person(ctx, r.requester)},
      {tr(l, "Fecha de solicitud", "Requested on"), text::datetime(r.created_at, ctx)},
      {tr(l, "Estado", "State"), proc.state_name(r.state, l)},
      {tr(l, "Edición del procedimiento", "Procedure edition"), edition},
  };
}

docs::Table checklist_table(const Procedure& proc, const Release& r, const DocumentContext& ctx, const std::string& manifest,
                            bool* complete) {
  const Lang l = ctx.lang;
  docs::Table t{{{tr(l, "Punto", "Item"), 0.40}, {tr(l, "Resultado", "Result"), 0.22}, {tr(l, "Por", "By"), 0.20},
                 {tr(l, "Fecha", "Date"), 0.18}},
                {}};
  *complete = true;
  for (const std::string& slot : required_slots(proc, r)) {
    const Review* rv = latest_review(r, slot);
    std::string result;
    if (r.files_in(slot).empty()) {
      result = tr(l, "Pendiente (sin archivos)", "Pending (no files)");
      rv = nullptr;
    } else if (!rv) {
      result = tr(l, "Pendiente de revisión", "Pending review");
    } else if (rv->slot_digest != slot_digest(r, slot)) {
      result = tr(l, "Pendiente (revisión desactualizada)", "Pending (stale review)");
    } else if (rv->verdict == "accepted") {
      result = tr(l, "Aceptado", "Accepted");
    } else {
      result = tr(l, "Observado", "Observed") + (rv->note.empty() ? "" : ": " + rv->note);
    }
    if (result != tr(l, "Aceptado", "Accepted")) *complete = false;
    t.rows.push_back({proc.slot_name(slot, l), result, rv ? text::person(ctx, rv->by) : "—",
                      rv ? text::datetime(rv->at, ctx) : "—"});
  }
  for (const ChecklistItem& item : proc.checklist) {
    if (!condition_holds(item.when, r)) continue;
    const Record* rec = r.latest_record(item.record);
    const RecordTypeDef* def = proc.record_type(item.record);
    std::string result;
    if (!rec) {
      result = tr(l, "Falta", "Missing");
    } else if (def && def->signoff && rec->manifest_sha256 != manifest) {
      result = tr(l, "Desactualizado", "Stale");
    } else {
      result = tr(l, "Presente", "Present");
    }
    if (result != tr(l, "Presente", "Present")) *complete = false;
    t.rows.push_back({proc.record_name(item.record, l), result, rec ? text::person(ctx, rec->by) : "—",
                      rec ? text::datetime(rec->at, ctx) : "—"});
  }
  return t;
}

// The row a transition was taken by (any row of its action when the history left the path).
const ActionDef* row_of(const Procedure& proc, const Release& r, const Transition& t) {
  const ActionDef* def = proc.action(t.action, r.kind, t.from);
  return def ? def : proc.any_action(t.action, r.kind);
}

docs::Table signoffs_table(const Procedure& proc, const Release& r, const DocumentContext& ctx, const std::string& manifest) {
  const Lang l = ctx.lang;
  docs::Table t{{{tr(l, "Conformidad", "Sign-off"), 0.28}, {tr(l, "Por", "By"), 0.22}, {tr(l, "Rol", "Role"), 0.18},
                 {tr(l, "Fecha", "Date"), 0.15}, {tr(l, "Vigencia", "Status"), 0.17}},
                {}};
  auto status = [&](const std::string& m) {
    return m == manifest ? tr(l, "Vigente", "Fresh") : tr(l, "Desactualizada", "Stale");
  };
  // Transitions and records are each oldest first: merge them by time.
  std::size_t ti = 0, ri = 0;
  while (ti < r.transitions.size() || ri < r.records.size()) {
    const bool take_t = ri >= r.records.size() ||
                        (ti < r.transitions.size() && r.transitions[ti].at <= r.records[ri].at);
    if (take_t) {
      const Transition& tr_ = r.transitions[ti++];
      const ActionDef* def = row_of(proc, r, tr_);
      if (!def || !def->signoff) continue;
      t.rows.push_back({proc.action_name(tr_.action, l), text::person(ctx, tr_.by), single_role(proc, def->R, l),
                        text::datetime(tr_.at, ctx), status(tr_.manifest_sha256)});
    } else {
      const Record& rec = r.records[ri++];
      const RecordTypeDef* def = proc.record_type(rec.type);
      if (!def || !def->signoff) continue;
      const std::string role_code = text::field(rec, "role");
      const std::string role = role_code.empty() ? single_role(proc, def->by, l) : proc.role_name(role_code, l);
      std::string what = proc.record_name(rec.type, l);
      if (def->is == "vote") what += " (" + text::field(rec, def->pass_key()) + ")";
      t.rows.push_back({what, text::person(ctx, rec.by), role, text::datetime(rec.at, ctx), status(rec.manifest_sha256)});
    }
  }
  if (t.rows.empty()) t.rows.push_back({tr(l, "(ninguna todavía)", "(none yet)"), "", "", "", ""});
  return t;
}

docs::Signature signature_of(const Procedure& proc, const DocumentContext& ctx, const std::string& role,
                             const std::string& by, Timestamp at) {
  docs::Signature s;
  s.role = proc.role_name(role, ctx.lang);
  if (!by.empty()) {
    s.name = text::person(ctx, by);
    s.date = text::datetime(at, ctx);
    s.signed_digitally = true;
  }
  return s;
}

docs::Signature transition_signature(const Procedure& proc, const Release& r, const DocumentContext& ctx,
                                     const std::string& action, const std::string& role) {
  const Transition* t = r.latest_transition(action);
  return signature_of(proc, ctx, role, t ? t->by : "", t ? t->at : 0);
}

docs::Signature cosign_signature(const Procedure& proc, const Release& r, const DocumentContext& ctx, const std::string& role) {
  const std::string type = proc.meaning_code("cosign");
  for (auto it = r.records.rbegin(); it != r.records.rend(); ++it) {
    if (it->type == type && text::field(*it, "role") == role) return signature_of(proc, ctx, role, it->by, it->at);
  }
  return signature_of(proc, ctx, role, "", 0);
}

// The latest record of the type that `is` the meaning, with its type; {nullptr, nullptr} if none.
std::pair<const Record*, const RecordTypeDef*> latest_meaning(const Procedure& proc, const Release& r, std::string_view is) {
  const RecordTypeDef* def = proc.record_meaning(is);
  const Record* rec = def ? r.latest_record(def->code) : nullptr;
  return {rec, rec ? def : nullptr};
}

// The values of the record's keys other than `except` (choice keys and those in `except`), in
// key order, joined by " — ".
std::string other_keys(const RecordTypeDef& def, const Record& rec, const std::set<std::string>& except) {
  std::string out;
  for (const auto& k : def.keys) {
    if (except.count(k) || def.choices.count(k)) continue;
    out += (out.empty() ? "" : " — ") + text::field(rec, k);
  }
  return out;
}

// The latest transition by an action guarded by `guard`, or nullptr.
const Transition* latest_guarded(const Procedure& proc, const Release& r, std::string_view guard) {
  for (auto it = r.transitions.rbegin(); it != r.transitions.rend(); ++it) {
    const ActionDef* def = row_of(proc, r, *it);
    if (def && proc.guarded_by(*def, guard)) return &*it;
  }
  return nullptr;
}

// The latest transition by an action that issues `kind` and does not end the request.
const Transition* latest_issuing(const Procedure& proc, const Release& r, DocumentKind kind) {
  for (auto it = r.transitions.rbegin(); it != r.transitions.rend(); ++it) {
    const ActionDef* def = row_of(proc, r, *it);
    if (def && def->document == document_kind_code(kind) && !proc.is_final(def->to)) return &*it;
  }
  return nullptr;
}

// The opinions the RACI's consulted roles gave (the records that `is: consultation`), oldest first.
void consultations(docs::PdfDocument& doc, const Procedure& proc, const Release& r, const DocumentContext& ctx,
                   const std::string& number) {
  const Lang l = ctx.lang;
  docs::Table t{{{tr(l, "Sobre", "On"), 0.2}, {tr(l, "Por", "By"), 0.2}, {tr(l, "Opinión", "Opinion"), 0.14},
                 {tr(l, "Nota", "Note"), 0.3}, {tr(l, "Fecha", "Date"), 0.16}},
                {}};
  const RecordTypeDef* def = proc.record_meaning("consultation");
  for (const Record& rec : r.records) {
    if (!def || rec.type != def->code) continue;
    const std::string on = text::field(rec, "on");
    const std::string what = proc.record_type(on) ? proc.record_name(on, l) : proc.action_name(on, l);
    const std::string op = text::field(rec, def->pass_key());
    t.rows.push_back({what, text::person(ctx, rec.by),
                      def->passed(rec.fields) ? tr(l, "De acuerdo", "Agrees") : op.empty() ? op : tr(l, "Con reparos", "Concerns"),
                      other_keys(*def, rec, {}), text::datetime(rec.at, ctx)});
  }
  if (t.rows.empty()) return;
  doc.blocks.emplace_back(docs::Heading{number + tr(l, "Opiniones consultadas", "Consulted opinions")});
  doc.blocks.emplace_back(std::move(t));
}

docs::Table manifest_table(const std::string& manifest, Lang l) {
  return docs::Table{{{tr(l, "Manifiesto de aprobación (SHA-256)", "Approval manifest (SHA-256)"), 0, true}}, {{manifest}}};
}

}  // namespace

const char* document_kind_code(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::release_report: return "release_report";
    case DocumentKind::acceptance_record: return "acceptance_record";
    case DocumentKind::committee_record: return "committee_record";
  }
  return "";
}

std::string document_step(const Procedure& proc, std::string_view kind, DocumentKind document) {
  const ActionDef* any = nullptr;
  for (const ActionDef& a : proc.actions) {
    if (a.document != document_kind_code(document)) continue;
    if (std::find(a.kinds.begin(), a.kinds.end(), kind) != a.kinds.end()) return a.code;
    if (!any) any = &a;
  }
  return any ? any->code : std::string();
}

std::string document_payload(DocumentKind kind, const std::string& number, const std::string& step,
                             const std::string& manifest_sha256, Timestamp issued_at) {
  return std::string("pasaprod-document-v1|") + document_kind_code(kind) + "|" + number + "|" + step + "|" + manifest_sha256 +
         "|" + format_iso(issued_at);
}

docs::PdfDocument release_report_document(const Procedure& proc, const Release& r, const System& sys,
                                          const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  const std::string manifest = manifest_sha256(r);
  docs::PdfDocument doc;
  text::start_document(doc, proc, tr(l, "Informe de pase a producción", "Release to production report"),
                       DocumentKind::release_report, r, sys, manifest, ctx);

  doc.blocks.emplace_back(docs::Heading{tr(l, "1. Datos de la solicitud", "1. Request data")});
  doc.blocks.emplace_back(docs::KeyValueTable{request_rows(proc, r, sys, ctx)});

  bool complete = false;
  docs::Table checklist = checklist_table(proc, r, ctx, manifest, &complete);
  const KindDef* kind = proc.kind(r.kind);
  const std::string heading = kind && !kind->checklist_title.get(l).empty() ? kind->checklist_title.get(l)
                                                                             : tr(l, "Check list de producción", "Production checklist");
  doc.blocks.emplace_back(docs::Heading{"2. " + heading});
  doc.blocks.emplace_back(std::move(checklist));
  doc.blocks.emplace_back(docs::Paragraph{complete ? tr(l, "El check list está completo.", "The checklist is complete.")
                                                   : tr(l, "El check list está incompleto.", "The checklist is incomplete.")});

  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Entregables", "3. Deliverables")});
  doc.blocks.emplace_back(docs::Paragraph{
      tr(l, "Cada archivo se conserva en la Librería de Programas Fuentes y documentación con su resumen SHA-256.",
         "Each file is kept in the library with its SHA-256 digest."),
      true});
  doc.blocks.emplace_back(text::files_table(proc, r, ctx));

  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Ventana de despliegue planificada", "4. Planned deployment window")});
  if (const auto [w, wdef] = latest_meaning(proc, r, "window"); w) {
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Desde", "From"), text::datetime_of_iso(text::field(*w, wdef->keys[0]), ctx)},
        {tr(l, "Hasta", "To"), text::datetime_of_iso(text::field(*w, wdef->keys[1]), ctx)},
        {tr(l, "Registrada por", "Recorded by"), text::person(ctx, w->by) + ", " + text::datetime(w->at, ctx)},
    }});
  } else {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "No hay ventana registrada.", "No window has been recorded.")});
  }

  doc.blocks.emplace_back(docs::Heading{tr(l, "5. Conformidades registradas", "5. Sign-offs so far")});
  doc.blocks.emplace_back(signoffs_table(proc, r, ctx, manifest));
  doc.blocks.emplace_back(docs::Paragraph{
      tr(l,
         "Una conformidad es vigente cuando se dio sobre el manifiesto actual; si los entregables cambiaron después, "
         "está desactualizada y no cuenta.",
         "A sign-off is fresh when it was given on the current manifest; if the deliverables changed afterwards it is "
         "stale and does not count."),
      true});
  doc.blocks.emplace_back(manifest_table(manifest, l));

  consultations(doc, proc, r, ctx, "5b. ");

  doc.blocks.emplace_back(docs::Heading{tr(l, "6. Aprobación", "6. Approval")});
  // The kind's approval: the authorizations its path asks for, or (emergency) the committee's
  // acta, a generated deliverable reviewed at reception.
  std::vector<const DeliverableFile*> actas;
  for (const auto& slot : kind ? kind->slots : std::vector<std::string>{}) {
    const SlotDef* def = proc.slot(slot);
    if (!def || def->document.empty()) continue;
    for (const DeliverableFile* f : r.files_in(slot)) actas.push_back(f);
  }
  // The authorizations of the kind (actions marked `authorizes`), in the file's order.
  std::vector<const ActionDef*> authorizations;
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* a = proc.any_action(code, r.kind);
    if (a && a->authorizes) authorizations.push_back(a);
  }
  if (!actas.empty() || authorizations.empty()) {
    doc.blocks.emplace_back(docs::Paragraph{
        tr(l, "Pase de emergencia: lo aprobó el comité de pase a producción de emergencia; su acta forma parte de los "
              "entregables revisados en la recepción.",
           "Emergency release: approved by the emergency release committee; its record is one of the deliverables "
           "reviewed at reception.")});
    docs::Table t{{{tr(l, "Acta", "Record"), 0.35}, {tr(l, "Fecha", "Date"), 0.2}, {"SHA-256", 0.45, true}}, {}};
    const Transition* approved = latest_issuing(proc, r, DocumentKind::committee_record);
    for (const DeliverableFile* f : actas) t.rows.push_back({f->name, text::datetime(f->uploaded_at, ctx), f->sha256});
    if (t.rows.empty()) t.rows.push_back({tr(l, "(sin acta)", "(no record)"), approved ? text::datetime(approved->at, ctx) : "—", ""});
    doc.blocks.emplace_back(std::move(t));
  } else {
    docs::SignatureRow lines;
    for (const ActionDef* a : authorizations) lines.signatures.push_back(transition_signature(proc, r, ctx, a->code, a->R.front()));
    doc.blocks.emplace_back(std::move(lines));
    // Each authorization with the manifest it was given on: the informe is issued again at each.
    docs::Table auth{{{tr(l, "Autorización", "Authorization"), 0.26}, {tr(l, "Por", "By"), 0.24}, {tr(l, "Fecha", "Date"), 0.18},
                      {tr(l, "Manifiesto autorizado (SHA-256)", "Manifest authorized (SHA-256)"), 0.32, true}},
                     {}};
    for (const ActionDef* a : authorizations) {
      if (const Transition* t = r.latest_transition(a->code)) {
        auth.rows.push_back({proc.action_name(a->code, l), text::person(ctx, t->by), text::datetime(t->at, ctx), t->manifest_sha256});
      }
    }
    if (!auth.rows.empty()) doc.blocks.emplace_back(std::move(auth));
  }
  text::add_verification_note(doc, ctx);
  return doc;
}

docs::PdfDocument acceptance_record_document(const Procedure& proc, const Release& r, const System& sys,
                                             const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  const std::string manifest = manifest_sha256(r);
  docs::PdfDocument doc;
  text::start_document(doc, proc, tr(l, "Acta de conformidad de puesta en producción", "Production acceptance record"),
                       DocumentKind::acceptance_record, r, sys, manifest, ctx);
  const std::string sys_name = r.system + (sys.name.empty() ? "" : " — " + sys.name);
  doc.blocks.emplace_back(docs::Paragraph{
      tr(l, "Los abajo firmantes dan conformidad a la puesta en producción de la versión ",
         "The undersigned accept the release to production of version ") +
      r.version + tr(l, " del sistema ", " of the system ") + sys_name + tr(l, " (solicitud ", " (request ") + r.number +
      tr(l, "), desplegada y verificada conforme al procedimiento de pase a producción.",
         "), deployed and verified according to the release to production procedure.")});

  doc.blocks.emplace_back(docs::Heading{tr(l, "1. Sistema y versión", "1. System and version")});
  doc.blocks.emplace_back(docs::KeyValueTable{{
      {tr(l, "Número", "Number"), r.number},
      {tr(l, "Sistema", "System"), sys_name},
      {tr(l, "Unidad", "Unit"), sys.unit.empty() ? "—" : sys.unit},
      {tr(l, "Tipo", "Kind"), proc.kind_name(r.kind, l)},
      {tr(l, "Versión", "Version"), r.version},
      {tr(l, "Título", "Title"), r.title},
  }});

  doc.blocks.emplace_back(docs::Heading{tr(l, "2. Despliegue", "2. Deployment")});
  const Transition* deploy = latest_guarded(proc, r, "deployment_recorded");
  if (const auto [d, ddef] = latest_meaning(proc, r, "deployment"); d) {
    std::string steps;
    std::string list;
    for (const auto& k : ddef->keys) {
      if (ddef->format_of(k) == "steps") list = text::field(*d, k);
    }
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string item = list.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) steps += (steps.empty() ? "" : "\n") + text::deployment_step_name(proc, r, item, l);
      start = comma + 1;
    }
    std::string deployed = text::field(*d, "deployed_manifest_sha256");
    if (deployed.empty() && deploy) deployed = deploy->manifest_sha256;
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Puntos ejecutados", "Points performed"), steps.empty() ? "—" : steps},
        {tr(l, "Inicio", "Started"), text::datetime_of_iso(text::field(*d, "started"), ctx)},
        {tr(l, "Fin", "Ended"), text::datetime_of_iso(text::field(*d, "ended"), ctx)},
        {tr(l, "Ejecutado por", "Performed by"), text::person(ctx, d->by)},
        {tr(l, "Desplegado el", "Deployed on"), deploy ? text::datetime(deploy->at, ctx) : "—"},
    }});
    if (!deployed.empty()) {
      doc.blocks.emplace_back(docs::Table{
          {{tr(l, "Manifiesto desplegado (SHA-256)", "Deployed manifest (SHA-256)"), 0, true}}, {{deployed}}});
    }
  } else {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "No hay registro de despliegue.", "There is no deployment record.")});
  }
  if (const auto [db, dbdef] = latest_meaning(proc, r, "database_deployment"); db) {
    std::string result;
    for (const auto& [key, values] : dbdef->choices) result += (result.empty() ? "" : " — ") + text::field(*db, key);
    const std::string role = single_role(proc, dbdef->by, l);
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {dbdef->label.get(l), other_keys(*dbdef, *db, {})},
        {tr(l, "Resultado", "Result"), result},
        {tr(l, "Inicio", "Started"), text::datetime_of_iso(text::field(*db, "started"), ctx)},
        {tr(l, "Fin", "Ended"), text::datetime_of_iso(text::field(*db, "ended"), ctx)},
        {tr(l, "Ejecutado por", "Performed by"), text::person(ctx, db->by) + (role.empty() ? "" : " — " + role)},
    }});
  }
  if (const auto [b, bdef] = latest_meaning(proc, r, "backup"); b) {
    std::set<std::string> digests;
    for (const auto& k : bdef->keys) {
      if (bdef->format_of(k) == "sha256") digests.insert(k);
    }
    std::string digest;
    for (const auto& k : digests) digest += (digest.empty() ? "" : " ") + text::field(*b, k);
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Backup previo", "Prior backup"), other_keys(*bdef, *b, digests)},
        {"SHA-256", digest},
        {tr(l, "Registrado por", "Recorded by"), text::person(ctx, b->by) + ", " + text::datetime(b->at, ctx)},
    }});
  }

  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Verificación de la operatividad", "3. Operability verification")});
  if (const auto [v, vdef] = latest_meaning(proc, r, "verification"); v) {
    const std::string res = text::field(*v, vdef->pass_key());
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Resultado", "Result"),
         vdef->passed(v->fields) ? tr(l, "Conforme", "Passed") : tr(l, "Fallida", "Failed") + " (" + res + ")"},
        {tr(l, "Evidencia", "Evidence"), other_keys(*vdef, *v, {})},
        {tr(l, "Verificado por", "Verified by"), text::person(ctx, v->by) + ", " + text::datetime(v->at, ctx)},
    }});
  } else {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "No hay registro de verificación.", "There is no verification record.")});
  }

  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Entregables", "4. Deliverables")});
  doc.blocks.emplace_back(text::files_table(proc, r, ctx));
  doc.blocks.emplace_back(manifest_table(manifest, l));

  doc.blocks.emplace_back(docs::Heading{tr(l, "5. Firmas", "5. Signatures")});
  // The signer of the action that issues this record (its first R role), then each co-signing role.
  docs::SignatureRow signatures;
  for (const auto& code : proc.action_codes(r.kind)) {
    const ActionDef* a = proc.any_action(code, r.kind);
    if (a && a->document == document_kind_code(DocumentKind::acceptance_record)) {
      signatures.signatures.push_back(transition_signature(proc, r, ctx, a->code, a->R.front()));
      break;
    }
  }
  if (const RecordTypeDef* cosign = proc.record_meaning("cosign")) {
    for (const auto& role : cosign->by) signatures.signatures.push_back(cosign_signature(proc, r, ctx, role));
  }
  doc.blocks.emplace_back(std::move(signatures));
  text::add_verification_note(doc, ctx);
  return doc;
}

docs::PdfDocument committee_record_document(const Procedure& proc, const Release& r, const System& sys,
                                            const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  const std::string manifest = manifest_sha256(r);
  docs::PdfDocument doc;
  text::start_document(doc, proc, tr(l, "Acta del comité de pase a producción de emergencia", "Emergency release committee record"),
                       DocumentKind::committee_record, r, sys, manifest, ctx);
  doc.blocks.emplace_back(docs::Heading{tr(l, "1. Datos de la solicitud", "1. Request data")});
  doc.blocks.emplace_back(docs::KeyValueTable{{
      {tr(l, "Número", "Number"), r.number},
      {tr(l, "Sistema", "System"), r.system + (sys.name.empty() ? "" : " — " + sys.name)},
      {tr(l, "Versión", "Version"), r.version},
      {tr(l, "Título", "Title"), r.title},
      {tr(l, "Solicitante", "Requester"), text::person(ctx, r.requester)},
  }});

  doc.blocks.emplace_back(docs::Heading{tr(l, "2. Resumen del informe técnico", "2. Technical report summary")});
  doc.blocks.emplace_back(docs::Paragraph{r.summary.empty() ? "—" : r.summary});
  docs::Table reports{{{tr(l, "Archivo", "File"), 0.35}, {tr(l, "Tamaño", "Size"), 0.13}, {"SHA-256", 0.52, true}}, {}};
  for (const auto& slot : proc.committee_slots) {
    for (const DeliverableFile* f : r.files_in(slot)) reports.rows.push_back({f->name, text::size(f->size, l), f->sha256});
  }
  if (reports.rows.empty()) reports.rows.push_back({tr(l, "(sin informe técnico)", "(no technical report)"), "", ""});
  doc.blocks.emplace_back(std::move(reports));

  // Latest vote per member, in the order of those latest votes.
  std::vector<const Record*> latest;
  std::set<std::string> seen;
  const RecordTypeDef* vote = proc.record_meaning("vote");
  for (auto it = r.records.rbegin(); vote && it != r.records.rend(); ++it) {
    if (it->type == vote->code && seen.insert(it->by).second) latest.push_back(&*it);
  }
  std::reverse(latest.begin(), latest.end());
  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Votos de los miembros del comité", "3. Committee members' votes")});
  docs::Table votes{{{tr(l, "Miembro", "Member"), 0.26}, {tr(l, "Decisión", "Decision"), 0.12}, {tr(l, "Nota", "Note"), 0.29},
                     {tr(l, "Fecha", "Date"), 0.16}, {tr(l, "Vigencia", "Status"), 0.17}},
                    {}};
  for (const Record* v : latest) {
    const std::string d = text::field(*v, vote->pass_key());
    votes.rows.push_back({text::person(ctx, v->by),
                          vote->passed(v->fields) ? tr(l, "A favor", "For") : d.empty() ? d : tr(l, "En contra", "Against"),
                          text::field(*v, "note"), text::datetime(v->at, ctx),
                          v->manifest_sha256 == manifest ? tr(l, "Vigente", "Fresh") : tr(l, "Desactualizado", "Stale")});
  }
  if (votes.rows.empty()) votes.rows.push_back({tr(l, "(sin votos)", "(no votes)"), "", "", "", ""});
  doc.blocks.emplace_back(std::move(votes));

  const Transition* approved = latest_issuing(proc, r, DocumentKind::committee_record);
  std::string quorum;
  if (!ctx.committee_members.empty()) {
    Situation s = make_situation(proc, r, sys, ctx.issued_at);
    s.committee_members = ctx.committee_members;
    s.quorum_setting = ctx.quorum_setting;
    const int needed = committee_quorum(s);
    const auto [yes, no] = committee_votes(s);
    quorum = tr(l, "Votos vigentes a favor: ", "Fresh votes for: ") + std::to_string(yes) +
             tr(l, "; en contra: ", "; against: ") + std::to_string(no) + tr(l, ". Quórum requerido: ", ". Quorum required: ") +
             std::to_string(needed) + tr(l, " de ", " of ") + std::to_string(ctx.committee_members.size()) +
             tr(l, " miembros. Quórum alcanzado: ", " members. Quorum reached: ") +
             (yes >= needed ? tr(l, "sí", "yes") : tr(l, "no", "no")) + ".";
  } else {
    quorum = tr(l, "Quórum alcanzado: ", "Quorum reached: ") + (approved ? tr(l, "sí", "yes") : tr(l, "no", "no")) + ".";
  }
  const Transition* last = r.transitions.empty() ? nullptr : &r.transitions.back();
  if (last && proc.is_final(last->to)) {
    quorum += tr(l, " El comité rechazó el pase el ", " The committee rejected the release on ") + text::datetime(last->at, ctx) +
              tr(l, ". Motivo: ", ". Reason: ") + (last->note.empty() ? "—" : last->note) + ".";
  } else if (approved) {
    quorum += tr(l, " El comité aprobó el pase el ", " The committee approved the release on ") + text::datetime(approved->at, ctx) + ".";
  }
  doc.blocks.emplace_back(docs::Paragraph{quorum});

  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Firmas", "4. Signatures")});
  docs::SignatureRow row;
  for (const Record* v : latest) {
    row.signatures.push_back(signature_of(proc, ctx, proc.committee_role, v->by, v->at));
    if (row.signatures.size() == 3) doc.blocks.emplace_back(std::exchange(row, {}));
  }
  if (latest.empty()) row.signatures.push_back(signature_of(proc, ctx, proc.committee_role, "", 0));
  if (!row.signatures.empty()) doc.blocks.emplace_back(std::move(row));
  text::add_verification_note(doc, ctx);
  return doc;
}

}  // namespace pasaprod::reports
