// Edition 02 with its codes renamed (tests/core/core_test_util.h renamed_builtin): the documents
// and the adherence facts of a request walked under it are those of the same request under
// edition 02. Documents and facts find their records by the file's attributes, not by name.
#include <gtest/gtest.h>

#include <string>

#include "core_test_util.h"
#include "docs/pdf_render.h"
#include "pdf_tools.h"
#include "reports/adherence.h"
#include "reports/adherence_facts.h"
#include "reports/release_documents.h"

namespace pasaprod::reports {
namespace {

using pasaprod::test::Flow;

// The document's text, with its verification code (it seals the issuing action's code) blanked.
std::string text_of(const docs::PdfDocument& doc) {
  Result<std::string> pdf = docs::render_pdf(doc);
  EXPECT_TRUE(pdf.ok());
  if (!pdf.ok()) return "";
  docs::testing::TempDir dir;
  const std::string path = dir.path() + "/doc.pdf";
  EXPECT_TRUE(docs::testing::write_file(path, *pdf));
  std::string text = docs::testing::run("pdftotext -enc UTF-8 '" + path + "' -");
  for (std::size_t at; !doc.verification_code.empty() && (at = text.find(doc.verification_code)) != std::string::npos;) {
    text.replace(at, doc.verification_code.size(), "<code>");
  }
  return text;
}

DocumentContext context() {
  DocumentContext c;
  c.verification_key = "clave-de-prueba";
  c.issued_at = pasaprod::test::at("2026-03-14T15:20:00Z");
  c.committee_members = {"c1", "c2", "c3"};
  return c;
}

System siagie() {
  System s;
  s.code = "SIAGIE";
  s.name = "SIAGIE";
  return s;
}

TEST(RenamedEditionDocuments, AdherenceFactsAreTheSame) {
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    Flow a(kind);
    Flow b(pasaprod::test::renamed_builtin(), pasaprod::test::renames(), kind);
    ASSERT_TRUE(a.advance_to("closed"));
    ASSERT_TRUE(b.advance_to("cerrado"));
    const AdherenceFacts fa = gather_adherence_facts(a.proc, a.rel);
    const AdherenceFacts fb = gather_adherence_facts(b.proc, b.rel);
    EXPECT_NE(fa.deploy, 0) << kind;
    EXPECT_NE(fa.baseline, 0) << kind;
    EXPECT_NE(fa.verification, 0) << kind;
    EXPECT_EQ(fa.window, AdherenceFacts::Window::ok) << kind;
    EXPECT_TRUE(fa == fb) << kind << ": " << encode_adherence_facts(fa, a.rel.created_at) << " vs "
                          << encode_adherence_facts(fb, b.rel.created_at);
  }
}

// The adherence controls read what a kind is from the file (core/derived.h): the same outcomes,
// and an emergency counted as one, under the renamed kinds.
TEST(RenamedEditionDocuments, AdherenceControlsAreTheSame) {
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    Flow a(kind);
    Flow b(pasaprod::test::renamed_builtin(), pasaprod::test::renames(), kind);
    ASSERT_TRUE(a.advance_to("closed"));
    ASSERT_TRUE(b.advance_to("cerrado"));
    const ReleaseAdherence ra = evaluate_release(a.proc, a.rel, nullptr, {});
    const ReleaseAdherence rb = evaluate_release(b.proc, b.rel, nullptr, {});
    EXPECT_EQ(ra.emergency, std::string(kind) == "emergency") << kind;
    EXPECT_EQ(rb.emergency, ra.emergency) << kind;
    EXPECT_TRUE(ra.fully_adherent) << kind;
    for (Control c : all_controls()) {
      EXPECT_EQ(outcome_code(ra.control(c).outcome), outcome_code(rb.control(c).outcome)) << kind << " " << control_code(c);
      EXPECT_STREQ(ra.control(c).why_en, rb.control(c).why_en) << kind << " " << control_code(c);
    }
    const AdherenceReport report = compute_adherence(b.proc, {b.rel}, {}, {});
    EXPECT_EQ(report.total.emergencies, std::string(kind) == "emergency" ? 1 : 0) << kind;
  }
}

// A request whose state is where a reject (or rollback) action leads counts as rejected (rolled
// back), whatever the state is called.
TEST(RenamedEditionDocuments, RejectedAndRolledBackAreTheStatesTheirActionsReach) {
  for (const bool renamed : {false, true}) {
    const Procedure& p = renamed ? pasaprod::test::renamed_builtin() : pasaprod::test::builtin();
    Release r;
    r.number = "PP-2026-0001";
    r.kind = renamed ? "mantenimiento" : "maintenance";
    r.created_at = pasaprod::test::at("2026-03-01T08:00:00Z");
    r.state = renamed ? "rechazado" : "rejected";
    EXPECT_TRUE(evaluate_release(p, r, nullptr, {}).rejected) << renamed;
    EXPECT_FALSE(evaluate_release(p, r, nullptr, {}).rolled_back) << renamed;
    r.state = "rolled_back";
    EXPECT_TRUE(evaluate_release(p, r, nullptr, {}).rolled_back) << renamed;
    r.state = renamed ? "anulado" : "cancelled";
    EXPECT_FALSE(evaluate_release(p, r, nullptr, {}).rejected) << renamed;
  }
}

// Each needle is in both texts: what the document found under edition 02 it finds under the renamed copy.
void expect_both(const std::string& a, const std::string& b, const std::vector<std::string>& needles, const std::string& what) {
  for (const auto& n : needles) {
    EXPECT_NE(a.find(n), std::string::npos) << what << " (edition 02) lacks: " << n;
    EXPECT_NE(b.find(n), std::string::npos) << what << " (renamed) lacks: " << n << "\n" << b;
  }
}

TEST(RenamedEditionDocuments, DocumentsFindTheSameFacts) {
  for (const std::string kind : {"project", "maintenance", "emergency"}) {
    Flow a(kind);
    Flow b(pasaprod::test::renamed_builtin(), pasaprod::test::renames(), kind);
    ASSERT_TRUE(a.advance_to("closed"));
    ASSERT_TRUE(b.advance_to("cerrado"));
    const std::string ra = text_of(release_report_document(a.proc, a.rel, siagie(), context()));
    const std::string rb = text_of(release_report_document(b.proc, b.rel, siagie(), context()));
    // The window (section 4), the checklist and the kind's approval (section 6).
    expect_both(ra, rb, {"Desde\n\n10/03/2026 08:00 UTC", "Hasta\n\n10/03/2026 20:00 UTC", "El check list está completo."}, kind);
    if (kind == "emergency") {
      expect_both(ra, rb, {"Pase de emergencia: lo aprobó el comité", "emergency_committee_record.pdf"}, kind);
      const std::string aa = text_of(committee_record_document(a.proc, a.rel, siagie(), context()));
      const std::string ab = text_of(committee_record_document(b.proc, b.rel, siagie(), context()));
      // The acta lists the technical report (committee.acta_slots) and the votes by their passing value.
      EXPECT_NE(aa.find("technical_report.pdf"), std::string::npos);
      EXPECT_NE(ab.find("informe_tecnico.pdf"), std::string::npos);
      expect_both(aa, ab, {"c1\n\nA favor\n\nurgent fix", "c2\n\nA favor", "Comité de pase a producción de emergencia"}, kind);
    } else {
      expect_both(ra, rb, {"Firmado digitalmente por asi", "Firmado digitalmente por chief", "Pre-aprobar (ASI)\n\nasi"}, kind);
      const std::string ca = text_of(acceptance_record_document(a.proc, a.rel, siagie(), context()));
      const std::string cb = text_of(acceptance_record_document(b.proc, b.rel, siagie(), context()));
      expect_both(ca, cb,
                  {"Puntos ejecutados", "Desplegado el\n\n10/03/2026 10:00 UTC", "V2__alter.sql", "dba — Administrador de Base de Datos",
                   "Resultado\n\nConforme", "smoke tests passed", "Firmado digitalmente por fu", "Firmado digitalmente por qa",
                   "Firmado digitalmente por prod"},
                  kind);
      if (kind == "maintenance") {
        expect_both(ca, cb, {"app and database — //backup/siagie/2026-03-10", "Guía de referencia de despliegue"}, kind);
      } else {
        expect_both(ca, cb, {"Guía de instalación y configuración", "Carga inicial de datos"}, kind);
      }
    }
  }
}

}  // namespace
}  // namespace pasaprod::reports
