// The three generated documents (SPEC §5), rendered to PDF and read back with pdftotext.
#include "reports/release_documents.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/manifest.h"
#include "docs/pdf_render.h"
#include "docs/verification_code.h"
#include "pdf_tools.h"
#include "report_fixtures.h"
#include "util/zoneinfo.h"

namespace pasaprod::reports {
namespace {

using testing::act;
using testing::at;
using testing::record;

const char* kKey = "clave-secreta-de-prueba";

System siagie() {
  System s;
  s.code = "SIAGIE";
  s.name = "Sistema de Información de Apoyo a la Gestión de la Institución Educativa";
  s.unit = "Dirección de Educación Básica Regular";
  s.status = "in_production";
  return s;
}

DocumentContext context(Lang lang = Lang::es) {
  DocumentContext c;
  c.verification_key = kKey;
  c.issued_at = at("2026-03-14T15:20:00Z");
  c.lang = lang;
  c.issued_by = "rtorres";
  c.people = {{"jquispe", "José Ñandú Quispe"},     {"mperez", "María Pérez Ñahui"},   {"cgutierrez", "Carlos Gutiérrez Rojas"},
              {"lcastro", "Lucía Castro Huamán"},   {"rtorres", "Rosa Torres Ávila"},  {"fsalas", "Fernando Salas Yupanqui"},
              {"apaz", "Ana Paz Condori"},          {"bleon", "Beatriz León Ríos"},    {"dvega", "Diego Vega Mamani"}};
  return c;
}

// A maintenance release taken from draft to closed, with every record of the procedure.
Release maintenance_release(const std::string& up_to) {
  Release r = testing::release("PP-2026-0042", "SIAGIE", "maintenance", "3.2", "2026-03-02T09:00:00Z");
  testing::add_kind_files(r);
  act(r, "request_qa", "in_qa", "jquispe", "2026-03-02T10:00:00Z");
  act(r, "qa_accept", "qa_approved", "lcastro", "2026-03-04T10:00:00Z");
  act(r, "request_production", "submitted", "lcastro", "2026-03-04T12:00:00Z");
  testing::accept_all(r, "rtorres", "2026-03-05T09:00:00Z");
  record(r, "window", {{"from", "2026-03-14T22:00:00Z"}, {"to", "2026-03-15T04:00:00Z"}}, "fsalas", "2026-03-05T10:00:00Z");
  record(r, "infra_readiness", {{"note", "Servidores listos"}}, "dvega", "2026-03-05T10:30:00Z");
  record(r, "security_conformity", {{"note", "Cumple la norma de seguridad"}}, "bleon", "2026-03-05T11:00:00Z");
  record(r, "dba_conformity", {{"note", "Scripts revisados"}}, "apaz", "2026-03-05T11:30:00Z");
  act(r, "validate", "validated", "rtorres", "2026-03-05T12:00:00Z");
  act(r, "prepare_report", "pending_approval", "rtorres", "2026-03-05T14:00:00Z");
  act(r, "pre_approve", "pre_approved", "mperez", "2026-03-06T09:41:00Z");
  if (up_to == "pre_approved") return r;
  act(r, "approve", "approved", "cgutierrez", "2026-03-06T16:05:00Z");
  record(r, "backup", {{"what", "Base de datos y aplicación 3.1"}, {"where", "\\\\nas01\\backups\\siagie"}, {"sha256", std::string(64, 'a')}},
         "apaz", "2026-03-14T21:30:00Z");
  record(r, "deployment",
         {{"steps", "deployment_guide"}, {"started", "2026-03-14T22:10:00Z"}, {"ended", "2026-03-14T23:40:00Z"},
          {"deployed_manifest_sha256", manifest_sha256(r)}},
         "rtorres", "2026-03-14T23:45:00Z");
  act(r, "deploy", "deployed", "rtorres", "2026-03-14T23:50:00Z");
  record(r, "verification", {{"result", "ok"}, {"evidence", "Registro de notas operativo en producción"}}, "rtorres",
         "2026-03-15T01:00:00Z");
  act(r, "verify", "verified", "rtorres", "2026-03-15T01:10:00Z");
  record(r, "baseline", {}, "rtorres", "2026-03-16T09:00:00Z");
  record(r, "cosign", {{"role", "qa_lead"}, {"note", "Conforme"}}, "lcastro", "2026-03-16T10:00:00Z");
  record(r, "cosign", {{"role", "production_lead"}, {"note", "Conforme"}}, "fsalas", "2026-03-16T10:30:00Z");
  act(r, "accept", "closed", "jquispe", "2026-03-16T11:15:00Z");
  return r;
}

Release emergency_release() {
  Release r = testing::release("PP-2026-0057", "SIAGIE", "emergency", "3.2.1", "2026-03-10T07:00:00Z");
  r.summary = "Corrección urgente: la matrícula rechazaba DNI con ceros a la izquierda.";
  testing::add_kind_files(r);
  act(r, "request_production", "submitted", "fsalas", "2026-03-10T07:30:00Z");
  testing::accept_all(r, "rtorres", "2026-03-10T08:00:00Z");
  act(r, "validate", "validated", "rtorres", "2026-03-10T08:30:00Z");
  act(r, "prepare_report", "pending_approval", "rtorres", "2026-03-10T09:00:00Z");
  record(r, "vote", {{"decision", "reject"}, {"note", "Falta el plan de retorno"}}, "apaz", "2026-03-10T09:10:00Z");
  record(r, "vote", {{"decision", "approve"}, {"note", "Urgente para la matrícula"}}, "mperez", "2026-03-10T09:20:00Z");
  record(r, "vote", {{"decision", "approve"}, {"note", "Plan de retorno revisado"}}, "apaz", "2026-03-10T09:40:00Z");
  act(r, "committee_approve", "approved", "mperez", "2026-03-10T09:45:00Z");
  return r;
}

std::string render_text(const docs::PdfDocument& doc, const std::string& name) {
  Result<std::string> pdf = docs::render_pdf(doc);
  EXPECT_TRUE(pdf.ok()) << (pdf.ok() ? "" : pdf.error().en);
  if (!pdf.ok()) return "";
  docs::testing::TempDir dir;
  const std::string path = dir.path() + "/" + name;
  EXPECT_TRUE(docs::testing::write_file(path, *pdf));
  // For eyeballing: PASAPROD_KEEP_PDF=DIR keeps a copy of every rendered document.
  if (const char* keep = std::getenv("PASAPROD_KEEP_PDF")) docs::testing::write_file(std::string(keep) + "/" + name, *pdf);
  // Raw order (no -layout) keeps each table cell's text together; cells wrap, so runs of
  // white space become one space.
  const std::string raw = docs::testing::run("pdftotext -enc UTF-8 '" + path + "' -");
  std::string text;
  for (char c : raw) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (!space) {
      text += c;
    } else if (!text.empty() && text.back() != ' ') {
      text += ' ';
    }
  }
  return text;
}

void expect_contains(const std::string& text, const std::vector<std::string>& needles) {
  for (const auto& n : needles) EXPECT_NE(text.find(n), std::string::npos) << "missing: " << n << "\n--- text ---\n" << text;
}

TEST(ReleaseReport, PdfTextHasRequestChecklistFilesWindowSignoffsAndSignatures) {
  const Release r = maintenance_release("pre_approved");
  const DocumentContext ctx = context();
  const docs::PdfDocument doc = release_report_document(testing::procedure(), r, siagie(), ctx);
  const std::string expected_code = docs::verification_code_for(
      kKey, document_payload(DocumentKind::release_report, r.number, "prepare_report", manifest_sha256(r), ctx.issued_at));
  EXPECT_EQ(doc.verification_code, expected_code);
  const std::string text = render_text(doc, "informe.pdf");
  expect_contains(text, {"Informe de pase a producción", "Ministerio de Educación — Oficina de Informática", "PP-2026-0042",
                         "SIAGIE", "3.2", "Mantenimiento", "José Ñandú Quispe (jquispe)", "Rosa Torres Ávila",
                         "María Pérez Ñahui", "Beatriz León Ríos", "Manual de Instalación", "Aceptado", "Presente",
                         "Conformidad del Oficial de Seguridad", "El check list está completo.",
                         "2. Check list del cumplimiento de la documentación y programas fuentes",
                         "install_manual-3.2.zip", "14/03/2026 22:00 UTC", "15/03/2026 04:00 UTC", "06/03/2026 09:41 UTC",
                         "Vigente", "Pre-aprobar (ASI)", "Responsable del Área de Sistemas de Información",
                         "Jefe de la Oficina de Informática", "Firmado digitalmente por", "Código de verificación: " + expected_code,
                         "pasaprod document verify ARCHIVO.pdf", manifest_sha256(r).substr(0, 16), "Educación", "Informática",
                         "producción"});
}

TEST(ReleaseReport, StaleSignoffsAndPendingSlotsAreShown) {
  Release r = maintenance_release("pre_approved");
  r.files.front().sha256 = std::string(64, 'b');  // content changed after every sign-off
  const std::string text = render_text(release_report_document(testing::procedure(), r, siagie(), context()), "stale.pdf");
  expect_contains(text, {"Desactualizada", "Pendiente (revisión desactualizada)", "El check list está incompleto."});
}

// Times a person reads are in the office's time zone, named (Lima is UTC-5 all year).
TEST(ReleaseReport, TimesAreInTheOfficeTimeZoneNamed) {
  Release r = maintenance_release("pre_approved");
  DocumentContext ctx = context();
  auto lima = load_time_zone("America/Lima");
  ASSERT_TRUE(lima.ok()) << lima.error().en;
  ctx.zone = std::make_shared<const TimeZone>(*lima);
  const std::string text = render_text(release_report_document(testing::procedure(), r, siagie(), ctx), "lima.pdf");
  expect_contains(text, {"14/03/2026 17:00 (America/Lima)", "06/03/2026 04:41 (America/Lima)"});
  EXPECT_EQ(text.find(" UTC"), std::string::npos) << text;
}

TEST(ReleaseReport, EnglishLabelsComeFromTheProcedure) {
  const Release r = maintenance_release("pre_approved");
  const std::string text = render_text(release_report_document(testing::procedure(), r, siagie(), context(Lang::en)), "en.pdf");
  expect_contains(text, {"Release to production report", "Maintenance", "Installation manual", "Accepted", "IT chief",
                         "pasaprod document verify FILE.pdf", "PP-2026-0042"});
  EXPECT_EQ(text.find("Datos de la solicitud"), std::string::npos);
}

TEST(AcceptanceRecord, PdfTextHasDeploymentVerificationAndThreeSignatures) {
  const Release r = maintenance_release("closed");
  const DocumentContext ctx = context();
  const docs::PdfDocument doc = acceptance_record_document(testing::procedure(), r, siagie(), ctx);
  EXPECT_EQ(doc.verification_code,
            docs::verification_code_for(kKey, document_payload(DocumentKind::acceptance_record, r.number, "accept",
                                                               manifest_sha256(r), ctx.issued_at)));
  const std::string text = render_text(doc, "acta.pdf");
  expect_contains(text, {"Acta de conformidad de puesta en producción", "PP-2026-0042", "SIAGIE", "3.2",
                         "Dirección de Educación Básica Regular", "Guía de referencia de despliegue", "14/03/2026 22:10 UTC",
                         "14/03/2026 23:40 UTC", manifest_sha256(r).substr(0, 16), "Conforme",
                         "Registro de notas operativo en producción", "Usuario Funcional", "Responsable de Control de Calidad",
                         "Responsable del Equipo de Producción", "José Ñandú Quispe", "Lucía Castro Huamán",
                         "Fernando Salas Yupanqui", "16/03/2026 11:15 UTC", "16/03/2026 10:00 UTC", "Firmado digitalmente por",
                         "Informática", "Educación", "producción"});
}

TEST(AcceptanceRecord, UnsignedBlocksStayBlank) {
  Release r = maintenance_release("closed");
  r.transitions.pop_back();  // no accept yet
  const std::string text = render_text(acceptance_record_document(testing::procedure(), r, siagie(), context()), "blank.pdf");
  expect_contains(text, {"Usuario Funcional", "Lucía Castro Huamán"});
  EXPECT_EQ(text.find("16/03/2026 11:15 UTC"), std::string::npos);
}

TEST(CommitteeRecord, PdfTextHasSummaryLatestVotesAndQuorum) {
  const Release r = emergency_release();
  DocumentContext ctx = context();
  ctx.committee_members = {"apaz", "mperez", "cgutierrez"};
  const docs::PdfDocument doc = committee_record_document(testing::procedure(), r, siagie(), ctx);
  EXPECT_EQ(doc.verification_code,
            docs::verification_code_for(kKey, document_payload(DocumentKind::committee_record, r.number, "committee_approve",
                                                               manifest_sha256(r), ctx.issued_at)));
  const std::string text = render_text(doc, "comite.pdf");
  expect_contains(text, {"Acta del comité de pase a producción de emergencia", "PP-2026-0057", "SIAGIE", "3.2.1",
                         "la matrícula rechazaba DNI", "technical_report-3.2.1.zip", "Ana Paz Condori", "María Pérez Ñahui",
                         "A favor", "Plan de retorno revisado", "10/03/2026 09:40 UTC", "10/03/2026 09:20 UTC",
                         "Quórum requerido: 2 de 3", "Quórum alcanzado: sí", "10/03/2026 09:45 UTC", "Educación", "Informática"});
  // Only each member's latest vote counts: apaz's earlier rejection is not listed.
  EXPECT_EQ(text.find("Falta el plan de retorno"), std::string::npos);
  EXPECT_EQ(text.find("En contra"), std::string::npos);
}

TEST(CommitteeRecord, WithoutMembersQuorumFollowsTheApproval) {
  Release r = emergency_release();
  r.transitions.pop_back();
  r.state = "pending_approval";
  const std::string text = render_text(committee_record_document(testing::procedure(), r, siagie(), context()), "q.pdf");
  expect_contains(text, {"Quórum alcanzado: no"});
}

TEST(DocumentPayload, IsStableAndNamesKindReleaseStepManifestAndTime) {
  EXPECT_EQ(document_payload(DocumentKind::release_report, "PP-2026-0042", "prepare_report", "abc", at("2026-03-14T15:20:00Z")),
            "pasaprod-document-v1|release_report|PP-2026-0042|prepare_report|abc|2026-03-14T15:20:00Z");
  EXPECT_EQ(document_step(testing::procedure(), "project", DocumentKind::acceptance_record), "accept");
  EXPECT_EQ(document_step(testing::procedure(), "emergency", DocumentKind::committee_record), "committee_approve");
  EXPECT_EQ(document_step(testing::procedure(), "emergency", DocumentKind::release_report), "prepare_report");
  EXPECT_STREQ(document_kind_code(DocumentKind::committee_record), "committee_record");
}

}  // namespace
}  // namespace pasaprod::reports
