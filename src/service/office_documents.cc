// Office: the documents the procedure generates (SPEC §5) — issued at the action that needs
// them, stored in the library, recorded with their verification code, and verified later.
#include <charconv>

#include "core/manifest.h"
#include "docs/pdf_render.h"
#include "docs/verification_code.h"
#include "reports/release_documents.h"
#include "service/office.h"
#include "service/office_internal.h"
#include "util/sha256.h"

namespace pasaprod {
namespace {

std::optional<reports::DocumentKind> kind_of(const std::string& code) {
  using reports::DocumentKind;
  for (DocumentKind k : {DocumentKind::release_report, DocumentKind::acceptance_record, DocumentKind::committee_record}) {
    if (code == reports::document_kind_code(k)) return k;
  }
  return std::nullopt;
}

// The file name a document is listed and downloaded under.
std::string file_name(reports::DocumentKind kind, const std::string& number) {
  switch (kind) {
    case reports::DocumentKind::release_report: return "informe-pase-produccion-" + number + ".pdf";
    case reports::DocumentKind::acceptance_record: return "acta-conformidad-" + number + ".pdf";
    case reports::DocumentKind::committee_record: return "acta-comite-emergencia-" + number + ".pdf";
  }
  return number + ".pdf";
}

Error document_failed(const std::string& number, const Error& why) {
  return make_error(Code::internal, "document.generation_failed",
                    "No se pudo generar el documento de la solicitud " + number + " (" + why.es + "); la acción no se realizó.",
                    "The document of request " + number + " could not be generated (" + why.en + "); the action was not taken.");
}

}  // namespace

void mark_superseded(std::vector<IssuedDocument>& docs) {
  for (std::size_t i = 0; i < docs.size(); ++i) {
    for (std::size_t j = i + 1; j < docs.size(); ++j) {
      if (docs[j].name == docs[i].name) docs[i].superseded_by = docs[j].id;
    }
  }
}

Result<std::optional<Office::PendingDocument>> Office::issue_document(const Snapshot& snap, const ActionDef& action,
                                                             const Transition& transition, const std::string& actor) {
  if (action.document.empty() || document_key_.empty()) return std::optional<PendingDocument>();
  const Release& before = snap.release;
  auto kind = kind_of(action.document);
  if (!kind) {
    return document_failed(before.number, make_error(Code::internal, "document.unknown_kind", "tipo de documento desconocido «" +
                                                     action.document + "»", "unknown document kind \"" + action.document + "\""));
  }
  // The release as it is once the action is taken: the document shows the step itself.
  Release after = before;
  after.state = transition.to;
  after.transitions.push_back(transition);

  reports::DocumentContext ctx;
  ctx.verification_key = document_key_;
  ctx.issued_at = transition.at;
  ctx.issued_by = actor;
  ctx.committee_members = snap.committee;
  ctx.quorum_setting = snap.quorum;
  ctx.zone = time_zone();
  ctx.step = action.code;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (auto inst = tx.setting(kInstitutionSetting); inst && !inst->empty()) ctx.institution = *inst;
    else ctx.institution = kDefaultInstitution;
    ctx.lang = parse_lang(tx.setting(kDocumentLangSetting).value_or("es"));
    for (const auto& u : tx.users()) ctx.people[u.username] = u.name;
    return ok_status();
  });
  if (!st) return document_failed(before.number, st.error());

  docs::PdfDocument doc;
  switch (*kind) {
    case reports::DocumentKind::release_report: doc = reports::release_report_document(*snap.proc, after, snap.system, ctx); break;
    case reports::DocumentKind::acceptance_record: doc = reports::acceptance_record_document(*snap.proc, after, snap.system, ctx); break;
    case reports::DocumentKind::committee_record: doc = reports::committee_record_document(*snap.proc, after, snap.system, ctx); break;
  }
  auto pdf = docs::render_pdf(doc);
  if (!pdf) return document_failed(before.number, pdf.error());
  auto blob = library_.add_bytes_pinned(*pdf);
  if (!blob) return document_failed(before.number, blob.error());

  PendingDocument pending{{}, std::move(*blob)};
  IssuedDocument& d = pending.doc;
  d.release = before.number;
  d.kind = action.document;
  d.step = action.code;
  d.name = file_name(*kind, before.number);
  d.sha256 = pending.pdf.blob.sha256;
  d.size = pending.pdf.blob.size;
  d.manifest_sha256 = manifest_sha256(after);
  d.payload = reports::document_payload(*kind, before.number, d.step, d.manifest_sha256, ctx.issued_at);
  d.verification_code = doc.verification_code;
  d.lang = ctx.lang == Lang::en ? "en" : "es";
  d.issued_at = ctx.issued_at;
  d.issued_by = actor;
  return std::optional<PendingDocument>(std::move(pending));
}

Result<std::vector<IssuedDocument>> Office::documents(const std::string& number) {
  std::vector<IssuedDocument> docs;
  bool exists = false;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    docs = tx.documents_of(number);
    mark_superseded(docs);
    exists = !docs.empty() || tx.release(number).ok();
    return ok_status();
  });
  if (!st) return st.error();
  if (!exists) return office_internal::not_found("La solicitud", "Request", number);
  return docs;
}

Result<IssuedDocument> Office::document(const std::string& number, const std::string& id_or_name) {
  auto listed = documents(number);
  if (!listed) return listed.error();
  const std::vector<IssuedDocument>& docs = *listed;
  std::int64_t id = -1;
  std::from_chars(id_or_name.data(), id_or_name.data() + id_or_name.size(), id);
  // The newest document of a name wins (a step taken again after a return issues a new one).
  for (auto it = docs.rbegin(); it != docs.rend(); ++it) {
    if (it->id == id || it->name == id_or_name) return *it;
  }
  return make_error(Code::not_found, "document.not_found",
                    "La solicitud " + number + " no tiene el documento «" + id_or_name + "».",
                    "Request " + number + " has no document \"" + id_or_name + "\".");
}

Result<DocumentCheck> Office::verify_document(std::string_view pdf) {
  DocumentCheck check;
  check.sha256 = sha256_hex(pdf);
  std::vector<IssuedDocument> found;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    found = tx.find_documents(check.sha256, "");
    return ok_status();
  });
  if (!st) return st.error();
  if (found.empty()) {
    check.problems.push_back(make_error(Code::data_loss, "document.unknown",
                                        "Este archivo no es un documento emitido por pasaprod en esta oficina, o fue alterado "
                                        "(su SHA-256 " + check.sha256 + " no corresponde a ningún documento emitido).",
                                        "This file is not a document pasaprod issued in this office, or it was altered (its "
                                        "SHA-256 " + check.sha256 + " matches no issued document)."));
    return check;
  }
  check.document = found.front();
  const IssuedDocument& d = *check.document;
  if (document_key_.empty()) {
    check.problems.push_back(make_error(Code::failed_precondition, "document.no_key",
                                        "Falta la clave de los documentos: no se puede recalcular el código de verificación.",
                                        "The document key is missing: the verification code cannot be recomputed."));
    return check;
  }
  if (docs::verification_code_for(document_key_, d.payload) != d.verification_code) {
    check.problems.push_back(make_error(Code::data_loss, "document.code_mismatch",
                                        "El registro del documento en la base de datos fue alterado: su código de verificación "
                                        "no corresponde a sus datos.",
                                        "The document's record in the database was altered: its verification code does not "
                                        "match its data."));
    return check;
  }
  check.ok = true;
  return check;
}

}  // namespace pasaprod
