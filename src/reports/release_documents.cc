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
      const ActionDef* def = proc.action(tr_.action, r.kind, tr_.from);
      if (!def) def = proc.any_action(tr_.action, r.kind);
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
      if (rec.type == "vote") what += " (" + text::field(rec, "decision") + ")";
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
  for (auto it = r.records.rbegin(); it != r.records.rend(); ++it) {
    if (it->type == "cosign" && text::field(*it, "role") == role) return signature_of(proc, ctx, role, it->by, it->at);
  }
  return signature_of(proc, ctx, role, "", 0);
}

// The opinions the RACI's consulted roles gave (records `consultation`), oldest first.
void consultations(docs::PdfDocument& doc, const Procedure& proc, const Release& r, const DocumentContext& ctx,
                   const std::string& number) {
  const Lang l = ctx.lang;
  docs::Table t{{{tr(l, "Sobre", "On"), 0.2}, {tr(l, "Por", "By"), 0.2}, {tr(l, "Opinión", "Opinion"), 0.14},
                 {tr(l, "Nota", "Note"), 0.3}, {tr(l, "Fecha", "Date"), 0.16}},
                {}};
  for (const Record& rec : r.records) {
    if (rec.type != "consultation") continue;
    const std::string on = text::field(rec, "on");
    const std::string what = proc.record_type(on) ? proc.record_name(on, l) : proc.action_name(on, l);
    const std::string op = text::field(rec, "opinion");
    t.rows.push_back({what, text::person(ctx, rec.by),
                      op == "agree" ? tr(l, "De acuerdo", "Agrees") : op == "concerns" ? tr(l, "Con reparos", "Concerns") : op,
                      text::field(rec, "note"), text::datetime(rec.at, ctx)});
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

const char* document_step(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::release_report: return "prepare_report";
    case DocumentKind::acceptance_record: return "accept";
    case DocumentKind::committee_record: return "committee_approve";
  }
  return "";
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
  text::start_document(doc, tr(l, "Informe de pase a producción", "Release to production report"),
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
  if (const Record* w = r.latest_record("window")) {
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Desde", "From"), text::datetime_of_iso(text::field(*w, "from"), ctx)},
        {tr(l, "Hasta", "To"), text::datetime_of_iso(text::field(*w, "to"), ctx)},
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
  if (!actas.empty() || !proc.any_action("approve", r.kind)) {
    doc.blocks.emplace_back(docs::Paragraph{
        tr(l, "Pase de emergencia: lo aprobó el comité de pase a producción de emergencia; su acta forma parte de los "
              "entregables revisados en la recepción.",
           "Emergency release: approved by the emergency release committee; its record is one of the deliverables "
           "reviewed at reception.")});
    docs::Table t{{{tr(l, "Acta", "Record"), 0.35}, {tr(l, "Fecha", "Date"), 0.2}, {"SHA-256", 0.45, true}}, {}};
    const Transition* approved = r.latest_transition("committee_approve");
    for (const DeliverableFile* f : actas) t.rows.push_back({f->name, text::datetime(f->uploaded_at, ctx), f->sha256});
    if (t.rows.empty()) t.rows.push_back({tr(l, "(sin acta)", "(no record)"), approved ? text::datetime(approved->at, ctx) : "—", ""});
    doc.blocks.emplace_back(std::move(t));
  } else {
    doc.blocks.emplace_back(docs::SignatureRow{{transition_signature(proc, r, ctx, "pre_approve", "asi_head"),
                                             transition_signature(proc, r, ctx, "approve", "it_chief")}});
    // Each authorization with the manifest it was given on: the informe is issued again at each.
    docs::Table auth{{{tr(l, "Autorización", "Authorization"), 0.26}, {tr(l, "Por", "By"), 0.24}, {tr(l, "Fecha", "Date"), 0.18},
                      {tr(l, "Manifiesto autorizado (SHA-256)", "Manifest authorized (SHA-256)"), 0.32, true}},
                     {}};
    for (const char* step : {"pre_approve", "approve"}) {
      if (const Transition* t = r.latest_transition(step)) {
        auth.rows.push_back({proc.action_name(step, l), text::person(ctx, t->by), text::datetime(t->at, ctx), t->manifest_sha256});
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
  text::start_document(doc, tr(l, "Acta de conformidad de puesta en producción", "Production acceptance record"),
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
  const Transition* deploy = r.latest_transition("deploy");
  if (const Record* d = r.latest_record("deployment")) {
    std::string steps;
    std::string list = text::field(*d, "steps");
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string item = list.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) steps += (steps.empty() ? "" : "\n") + text::deployment_step_name(item, l);
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
  if (const Record* db = r.latest_record("db_deployment")) {
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Despliegue de base de datos", "Database deployment"), text::field(*db, "scripts")},
        {tr(l, "Resultado", "Result"), text::field(*db, "result")},
        {tr(l, "Inicio", "Started"), text::datetime_of_iso(text::field(*db, "started"), ctx)},
        {tr(l, "Fin", "Ended"), text::datetime_of_iso(text::field(*db, "ended"), ctx)},
        {tr(l, "Ejecutado por", "Performed by"), text::person(ctx, db->by) + " — " + proc.role_name("dba", l)},
    }});
  }
  if (const Record* b = r.latest_record("backup")) {
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Backup previo", "Prior backup"), text::field(*b, "what") + " — " + text::field(*b, "where")},
        {"SHA-256", text::field(*b, "sha256")},
        {tr(l, "Registrado por", "Recorded by"), text::person(ctx, b->by) + ", " + text::datetime(b->at, ctx)},
    }});
  }

  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Verificación de la operatividad", "3. Operability verification")});
  if (const Record* v = r.latest_record("verification")) {
    const std::string res = text::field(*v, "result");
    doc.blocks.emplace_back(docs::KeyValueTable{{
        {tr(l, "Resultado", "Result"),
         res == "ok" ? tr(l, "Conforme", "Passed") : tr(l, "Fallida", "Failed") + " (" + res + ")"},
        {tr(l, "Evidencia", "Evidence"), text::field(*v, "evidence")},
        {tr(l, "Verificado por", "Verified by"), text::person(ctx, v->by) + ", " + text::datetime(v->at, ctx)},
    }});
  } else {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "No hay registro de verificación.", "There is no verification record.")});
  }

  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Entregables", "4. Deliverables")});
  doc.blocks.emplace_back(text::files_table(proc, r, ctx));
  doc.blocks.emplace_back(manifest_table(manifest, l));

  doc.blocks.emplace_back(docs::Heading{tr(l, "5. Firmas", "5. Signatures")});
  doc.blocks.emplace_back(docs::SignatureRow{{transition_signature(proc, r, ctx, "accept", "functional_user"),
                                           cosign_signature(proc, r, ctx, "qa_lead"),
                                           cosign_signature(proc, r, ctx, "production_lead")}});
  text::add_verification_note(doc, ctx);
  return doc;
}

docs::PdfDocument committee_record_document(const Procedure& proc, const Release& r, const System& sys,
                                            const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  const std::string manifest = manifest_sha256(r);
  docs::PdfDocument doc;
  text::start_document(doc, tr(l, "Acta del comité de pase a producción de emergencia", "Emergency release committee record"),
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
  for (const DeliverableFile* f : r.files_in("technical_report")) {
    reports.rows.push_back({f->name, text::size(f->size, l), f->sha256});
  }
  if (reports.rows.empty()) reports.rows.push_back({tr(l, "(sin informe técnico)", "(no technical report)"), "", ""});
  doc.blocks.emplace_back(std::move(reports));

  // Latest vote per member, in the order of those latest votes.
  std::vector<const Record*> latest;
  std::set<std::string> seen;
  for (auto it = r.records.rbegin(); it != r.records.rend(); ++it) {
    if (it->type == "vote" && seen.insert(it->by).second) latest.push_back(&*it);
  }
  std::reverse(latest.begin(), latest.end());
  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Votos de los miembros del comité", "3. Committee members' votes")});
  docs::Table votes{{{tr(l, "Miembro", "Member"), 0.26}, {tr(l, "Decisión", "Decision"), 0.12}, {tr(l, "Nota", "Note"), 0.29},
                     {tr(l, "Fecha", "Date"), 0.16}, {tr(l, "Vigencia", "Status"), 0.17}},
                    {}};
  for (const Record* v : latest) {
    const std::string d = text::field(*v, "decision");
    votes.rows.push_back({text::person(ctx, v->by),
                          d == "approve" ? tr(l, "A favor", "For") : d == "reject" ? tr(l, "En contra", "Against") : d,
                          text::field(*v, "note"), text::datetime(v->at, ctx),
                          v->manifest_sha256 == manifest ? tr(l, "Vigente", "Fresh") : tr(l, "Desactualizado", "Stale")});
  }
  if (votes.rows.empty()) votes.rows.push_back({tr(l, "(sin votos)", "(no votes)"), "", "", "", ""});
  doc.blocks.emplace_back(std::move(votes));

  const Transition* approved = r.latest_transition("committee_approve");
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
  if (last && proc.is_final(last->to) && last->action != "committee_approve") {
    quorum += tr(l, " El comité rechazó el pase el ", " The committee rejected the release on ") + text::datetime(last->at, ctx) +
              tr(l, ". Motivo: ", ". Reason: ") + (last->note.empty() ? "—" : last->note) + ".";
  } else if (approved) {
    quorum += tr(l, " El comité aprobó el pase el ", " The committee approved the release on ") + text::datetime(approved->at, ctx) + ".";
  }
  doc.blocks.emplace_back(docs::Paragraph{quorum});

  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Firmas", "4. Signatures")});
  docs::SignatureRow row;
  for (const Record* v : latest) {
    row.signatures.push_back(signature_of(proc, ctx, "emergency_committee", v->by, v->at));
    if (row.signatures.size() == 3) doc.blocks.emplace_back(std::exchange(row, {}));
  }
  if (latest.empty()) row.signatures.push_back(signature_of(proc, ctx, "emergency_committee", "", 0));
  if (!row.signatures.empty()) doc.blocks.emplace_back(std::move(row));
  text::add_verification_note(doc, ctx);
  return doc;
}

}  // namespace pasaprod::reports
