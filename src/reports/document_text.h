// Internal to src/reports: small text helpers shared by the documents and the adherence
// exports (bilingual strings, dates, sizes, people, table pieces). Not a public API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"
#include "docs/pdf_document.h"
#include "reports/release_documents.h"

namespace pasaprod::reports::text {

// `es` or `en` by language.
inline std::string tr(Lang lang, const char* es, const char* en) { return lang == Lang::en ? en : es; }

// "14/03/2025 09:41 UTC"; "—" for 0.
std::string datetime(Timestamp t);
// "14/03/2025"; "—" for 0.
std::string date(Timestamp t);
// An ISO 8601 text as datetime(); the text itself when it does not parse; "—" when empty.
std::string datetime_of_iso(const std::string& iso);
// "14/03/2025 04:41 (America/Lima)": in the context's zone, named (UTC without one); "—" for 0.
std::string datetime(Timestamp t, const DocumentContext& ctx);
std::string datetime_of_iso(const std::string& iso, const DocumentContext& ctx);
// "1,5 MB" (es) / "1.5 MB" (en); bytes below 1 kB as "512 B".
std::string size(std::int64_t bytes, Lang lang);
// A duration in days with one decimal ("2,5" es / "2.5" en).
std::string days(double millis, Lang lang);
// A share in [0, 1] as a percentage with one decimal ("87,5 %" es / "87.5%" en).
std::string percent(double share, Lang lang);

// "Full Name (username)" when ctx.people knows the user; the username otherwise; "—" when empty.
std::string person(const DocumentContext& ctx, const std::string& username);

// The field `key` of a record, or "".
std::string field(const Record& r, const std::string& key);

// Label of one of the release kind's deployment steps, as the procedure file gives it; the code
// itself when the file gives none (or the kind is unknown).
std::string deployment_step_name(const Procedure& proc, const Release& release, const std::string& code, Lang lang);

// The release's files in the kind's slot order (then by name); files of slots outside the
// kind last.
std::vector<const DeliverableFile*> files_in_order(const Procedure& proc, const Release& release);

// Table of files: slot, name, size, SHA-256 (monospace).
docs::Table files_table(const Procedure& proc, const Release& release, const DocumentContext& ctx);

// Fills the common parts of a generated document: institution, title, subtitle
// ("N° PP-2026-0042 — SIAGIE 3.2"), PDF date, verification code and footer note.
// The step in the code's payload is ctx.step, or document_step(proc, release.kind, kind).
void start_document(docs::PdfDocument& doc, const Procedure& proc, const std::string& title, DocumentKind kind,
                    const Release& release, const System& system, const std::string& manifest, const DocumentContext& ctx);

// Appends the closing "how to verify this document" paragraph.
void add_verification_note(docs::PdfDocument& doc, const DocumentContext& ctx);

}  // namespace pasaprod::reports::text
