// The documents the procedure asks for (SPEC §5), built as docs::PdfDocument values ready for
// docs::render_pdf(): the release report (at `prepare_report`), the production acceptance record
// (at `accept`) and the emergency committee record (at `committee_approve`).
//
// Pure: no I/O and no clock. The release, its system, the time of issue and the key of the
// verification code all come in as arguments, so the same inputs give the same document.
//
//   reports::DocumentContext ctx;
//   ctx.verification_key = server_secret;
//   ctx.issued_at = clock.now();
//   ctx.issued_by = caller.username;
//   ctx.people = {{"mperez", "María Pérez Ñahui"}};
//   docs::PdfDocument doc = reports::release_report_document(proc, release, system, ctx);
//   Result<std::string> pdf = docs::render_pdf(doc);
//   // Store pdf with its SHA-256 and the payload below, so `pasaprod document verify` can
//   // recompute doc.verification_code and name the release and step.
//   std::string payload = reports::document_payload(reports::DocumentKind::release_report,
//       release.number, reports::document_step(proc, release.kind, reports::DocumentKind::release_report),
//       manifest_sha256(release), ctx.issued_at);
//
// Labels (slots, kinds, actions, records, roles, states) come from the procedure, in Spanish
// unless ctx.lang is English. Dates print as "dd/mm/yyyy HH:MM UTC".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "docs/pdf_document.h"

namespace pasaprod::reports {

// Everything about the issuing of a document that is not in the release.
struct DocumentContext {
  std::string institution = "Ministerio de Educación — Oficina de Informática";
  std::string verification_key;  // server secret for docs::verification_code_for
  Timestamp issued_at = 0;       // time of issue: printed, part of the code's payload, PDF date
  Lang lang = Lang::es;
  std::string issued_by;  // username of who generated it ("" = not printed)
  // Optional: username → full name. People are printed as "Full Name (username)" when known,
  // as the bare username otherwise.
  std::map<std::string, std::string> people;
  // Optional, for the committee record: usernames holding the committee role and the quorum
  // setting ("" = the procedure's). When `committee_members` is empty, "quorum reached" means
  // that the `committee_approve` action was taken (the engine checked the quorum then).
  std::vector<std::string> committee_members;
  std::string quorum_setting;
  // The action the document is issued at ("" = document_step(proc, kind, document)); the informe is issued again
  // at each authorization.
  std::string step;
  // The office's time zone: times a person reads are printed in it, named. Null: UTC.
  std::shared_ptr<const TimeZone> zone;
};

enum class DocumentKind { release_report, acceptance_record, committee_record };

// "release_report" | "acceptance_record" | "committee_record": the codes of ActionDef::document.
const char* document_kind_code(DocumentKind kind);

// The action at which the procedure generates the document for requests of `kind`: the first
// action row of the kind whose `document` is the document's code (else of any kind; "" when
// none). Edition 02: prepare_report, accept, committee_approve.
std::string document_step(const Procedure& proc, std::string_view kind, DocumentKind document);

// The text the verification code is computed over: "pasaprod-document-v1|<kind>|<number>|
// <step>|<manifest sha256>|<issued_at as ISO 8601 UTC>". Stable: changing it invalidates every
// printed code.
std::string document_payload(DocumentKind kind, const std::string& number, const std::string& step,
                             const std::string& manifest_sha256, Timestamp issued_at);

// "Informe de pase a producción": request data, checklist results (each required slot
// accepted / observed / pending with its reviewer; each checklist record present / stale /
// missing), deliverables with size and SHA-256, the planned window (latest `window` record),
// the sign-offs so far (sign-off actions and records: who, role when known, when, fresh or
// stale against the current manifest), the current manifest SHA-256, and signature blocks for
// the ASI head and the IT chief (signed digitally when `pre_approve` / `approve` were taken).
// REQUIRES: release.kind is a kind of `proc`; `system` is the release's system.
docs::PdfDocument release_report_document(const Procedure& proc, const Release& release, const System& system,
                                          const DocumentContext& ctx);

// "Acta de conformidad de puesta en producción": system, version, what was deployed (latest
// `deployment` record: steps, start, end, deployed manifest digest; latest `backup`), what was
// verified (latest `verification` record), the files, and signatures of the functional user
// (the `accept` action), the QA lead and the production lead (their `cosign` records), each
// shown as signed digitally when present and blank otherwise.
// REQUIRES: as release_report_document.
docs::PdfDocument acceptance_record_document(const Procedure& proc, const Release& release, const System& system,
                                             const DocumentContext& ctx);

// "Acta del comité de pase a producción de emergencia": the technical report summary (the
// release summary and the `technical_report` files), each member's latest vote (decision,
// note, date, fresh or stale), whether the quorum was reached, and one signature per member
// who voted.
// REQUIRES: as release_report_document.
docs::PdfDocument committee_record_document(const Procedure& proc, const Release& release, const System& system,
                                            const DocumentContext& ctx);

}  // namespace pasaprod::reports
