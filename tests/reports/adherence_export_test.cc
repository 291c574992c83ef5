// Exports of the adherence report: CSV (RFC 4180), JSON, the monthly PDF and the SVG charts.
#include <gtest/gtest.h>

#include <cstdlib>

#include "adherence_history.h"
#include "docs/pdf_render.h"
#include "docs/verification_code.h"
#include "pdf_tools.h"
#include "report_fixtures.h"
#include "reports/adherence.h"
#include "reports/csv.h"
#include "util/zoneinfo.h"

namespace pasaprod::reports {
namespace {

const AdherenceReport& report() {
  static const AdherenceReport r = compute_adherence(testing::procedure(), testing::adherence_history(),
                                                     testing::adherence_systems(), testing::adherence_options());
  return r;
}

std::vector<std::string> lines(const std::string& csv) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at = csv.find("\r\n"); at != std::string::npos; at = csv.find("\r\n", start)) {
    out.push_back(csv.substr(start, at - start));
    start = at + 2;
  }
  EXPECT_EQ(start, csv.size()) << "the CSV must end with CRLF";
  return out;
}

TEST(AdherenceCsv, HeaderRowsAndQuoting) {
  const std::string csv = adherence_csv(report(), Lang::es);
  const auto rows = lines(csv);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0],
            "Número,Sistema,Unidad,Tipo,Estado,Creado (UTC),Desplegado (UTC),Plenamente adherente,"
            "Conformidad de Calidad antes de solicitar el pase,Entregables aceptados en la recepción,"
            "Conformidad de seguridad antes del informe,Aprobación antes del despliegue,Backup antes del despliegue,"
            "Despliegue dentro de la ventana,Verificación de la operatividad registrada,Acta de conformidad en producción,"
            "Línea base almacenada antes del cierre,Marcha atrás con plan y registro,Registro en el Inventario de Activos,"
            "Solicitud de registro a INDECOPI,Observaciones");
  EXPECT_EQ(rows[1],
            "PP-2026-0001,SIAGIE,Dirección de Educación Básica Regular,maintenance,closed,2026-01-05T09:00:00Z,"
            "2026-01-10T10:00:00Z,sí,Cumple,Cumple,Cumple,Cumple,Cumple,Cumple,Cumple,Cumple,Cumple,No aplica,No aplica,"
            "No aplica,");
  // The unit holds a comma and quotes; the findings hold a comma: both quoted, quotes doubled.
  EXPECT_EQ(rows[3].rfind("PP-2026-0003,SIRE,\"Oficina \"\"OTIC\"\", Lima\",project,closed,", 0), 0u) << rows[3];
  EXPECT_NE(rows[3].find(",Cumple tarde,"), std::string::npos);
  EXPECT_NE(rows[3].find(",\"Aprobación antes del despliegue: Aprobado el 06/02/2026 16:00 UTC, después del despliegue "
                         "del 06/02/2026 10:00 UTC.\""),
            std::string::npos)
      << rows[3];
  EXPECT_NE(rows[2].find("No cumple"), std::string::npos);

  const auto en = lines(adherence_csv(report(), Lang::en));
  EXPECT_EQ(en[0].rfind("Number,System,Unit,Kind,State,Created (UTC),Deployed (UTC),Fully adherent,QA conformity", 0), 0u);
}

TEST(AdherenceCsv, LocalTimesBesideUtcAndFindingsInTheOfficeZone) {
  auto lima = load_time_zone("America/Lima");
  ASSERT_TRUE(lima) << lima.error().en;
  auto options = testing::adherence_options();
  options.zone = std::make_shared<const TimeZone>(*lima);
  const AdherenceReport r = compute_adherence(testing::procedure(), testing::adherence_history(), testing::adherence_systems(), options);
  const auto rows = lines(adherence_csv(r, Lang::es));
  EXPECT_EQ(rows[0].rfind("Número,Sistema,Unidad,Tipo,Estado,Creado (UTC),Creado (America/Lima),Desplegado (UTC),"
                          "Desplegado (America/Lima),Plenamente adherente,",
                          0),
            0u)
      << rows[0];
  EXPECT_EQ(rows[1].rfind("PP-2026-0001,SIAGIE,Dirección de Educación Básica Regular,maintenance,closed,2026-01-05T09:00:00Z,"
                          "2026-01-05T04:00:00-05:00,2026-01-10T10:00:00Z,2026-01-10T05:00:00-05:00,sí,",
                          0),
            0u)
      << rows[1];
  // The findings name the office's zone, not UTC.
  EXPECT_NE(rows[3].find("Aprobado el 06/02/2026 11:00 (America/Lima), después del despliegue del 06/02/2026 05:00 (America/Lima)"),
            std::string::npos)
      << rows[3];
}

TEST(AdherenceCsv, CsvFormulaInjection_LeadingFormulaCharactersAreEscaped) {
  auto field = [](std::string_view v) {
    std::string out;
    csv_field(out, v);
    return out;
  };
  EXPECT_EQ(field("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  EXPECT_EQ(field("+1+2"), "\"'+1+2\"");
  EXPECT_EQ(field("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(field("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(field("\tcmd"), "\"'\tcmd\"");
  EXPECT_EQ(field("\rcmd"), "\"'\rcmd\"");
  EXPECT_EQ(field("-1.5"), "-1.5") << "a plain number stays a number";
  EXPECT_EQ(field("-"), "\"'-\"");
  EXPECT_EQ(field("Lima"), "Lima");

  // Through the export: a system's unit that is a formula reaches the file escaped.
  auto systems = testing::adherence_systems();
  ASSERT_FALSE(systems.empty());
  for (auto& s : systems) s.unit = "=cmd|' /C calc'!A0";
  const AdherenceReport r =
      compute_adherence(testing::procedure(), testing::adherence_history(), systems, testing::adherence_options());
  for (const std::string& csv : {adherence_csv(r, Lang::es), adherence_stats_csv(r, Lang::en)}) {
    EXPECT_EQ(csv.find(",=cmd"), std::string::npos) << csv;
    EXPECT_EQ(csv.find("\"=cmd"), std::string::npos) << csv;
  }
  EXPECT_NE(adherence_csv(r, Lang::es).find(",\"'=cmd|' /C calc'!A0\","), std::string::npos);
}

TEST(AdherenceCsv, StatsHaveOneRowPerGroup) {
  const auto rows = lines(adherence_stats_csv(report(), Lang::en));
  // header, total, 3 periods, 3 systems, 2 units, 3 kinds
  ASSERT_EQ(rows.size(), 13u);
  EXPECT_EQ(rows[0].rfind("Grouping,Key,Requests,Fully adherent,Share adherent,", 0), 0u);
  EXPECT_EQ(rows[1], "total,,6,3,0.5000,2,1,5,1,0.2000,1,0.1667,5.00,8.00,1.00,1.18,1.67");
  EXPECT_EQ(rows[2].rfind("period,2026-01,2,1,0.5000,", 0), 0u);
  EXPECT_EQ(rows[10].rfind("kind,emergency,1,", 0), 0u);
}

TEST(AdherenceJson, CarriesTotalsGroupsAndReleases) {
  const nlohmann::json j = adherence_json(report(), Lang::en);
  EXPECT_EQ(j["period_basis"], "created");
  EXPECT_EQ(j["span_months"], 3);
  EXPECT_EQ(j["total"]["requests"], 6);
  EXPECT_DOUBLE_EQ(j["total"]["change_failure_rate"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(j["total"]["lead_time"]["median_ms"].get<double>(), 5 * 86400000.0);
  EXPECT_EQ(j["total"]["controls"]["backup_before_deploy"]["missed"], 1);
  EXPECT_EQ(j["by_period"].size(), 3u);
  EXPECT_EQ(j["controls"].size(), kControlCount);
  ASSERT_EQ(j["releases"].size(), 6u);
  EXPECT_EQ(j["releases"][1]["number"], "PP-2026-0002");
  EXPECT_EQ(j["releases"][1]["controls"][4]["control"], "backup_before_deploy");
  EXPECT_EQ(j["releases"][1]["controls"][4]["outcome"], "missed");
  EXPECT_EQ(j["releases"][5]["deployed_at"], nullptr);
  EXPECT_EQ(j["deployments_per_month"][0]["month"], "2026-01");
}

TEST(AdherenceSvg, ChartsAreProducedEvenWhenEmpty) {
  const std::string svg = adherence_chart_svg(report(), Lang::es);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("2026-01"), std::string::npos);
  EXPECT_NE(svg.find("Solicitudes plenamente adherentes por mes"), std::string::npos);
  EXPECT_EQ(deployments_chart_svg(report(), Lang::en).rfind("<svg", 0), 0u);
  const AdherenceReport empty = compute_adherence(testing::procedure(), {}, {}, {});
  EXPECT_EQ(empty.total.requests, 0);
  EXPECT_EQ(adherence_chart_svg(empty, Lang::es).rfind("<svg", 0), 0u);
  EXPECT_EQ(deployments_chart_svg(empty, Lang::es).rfind("<svg", 0), 0u);
}

TEST(AdherencePdf, MonthlyReportRendersWithTables) {
  DocumentContext ctx;
  ctx.verification_key = "k";
  ctx.issued_at = testing::at("2026-04-30T12:00:00Z");
  ctx.issued_by = "pmo";
  ctx.people = {{"pmo", "Úrsula Ñique Peña"}};
  const docs::PdfDocument doc = adherence_pdf_document(report(), ctx);
  EXPECT_EQ(doc.verification_code, docs::verification_code_for("k", adherence_payload(report(), ctx.issued_at)));
  Result<std::string> pdf = docs::render_pdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.error().en;
  docs::testing::TempDir dir;
  const std::string path = dir.path() + "/adherencia.pdf";
  ASSERT_TRUE(docs::testing::write_file(path, *pdf));
  if (const char* keep = std::getenv("PASAPROD_KEEP_PDF")) docs::testing::write_file(std::string(keep) + "/adherencia.pdf", *pdf);
  const std::string text = docs::testing::run("pdftotext -enc UTF-8 '" + path + "' -");
  for (const std::string needle :
       {"Informe de adherencia al procedimiento de pase a producción", "Ministerio de Educación — Oficina de Informática",
        "01/01/2026", "31/03/2026", "2026-02", "SIRE", "PP-2026-0002", "PP-2026-0004", "Aprobación antes del despliegue",
        "Úrsula Ñique Peña", "Especialista PMO", "50,0 %", "20,0 %", "Solicitudes no adherentes",
        "mediana 5,0 d; p90 8,0 d", "mediana 24,0 h; p90 28,4 h"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << "missing: " << needle << "\n" << text;
  }
  // Adherent requests are not listed among the non-adherent ones.
  EXPECT_EQ(text.find("PP-2026-0005"), std::string::npos);
}

}  // namespace
}  // namespace pasaprod::reports
