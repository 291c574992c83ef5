// `pasaprod report adherence`: the PMO adherence report of a period as JSON, CSV and PDF, on an
// office with one maintenance taken from draft to closed by the procedure (so every control
// that applies to it is met) and one rejected after the report.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "cli_office.h"

namespace clitest {
namespace {

// Today (UTC) as "YYYY-MM-DD" and as "dd/mm/yyyy".
std::string today(bool iso = true) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, iso ? "%Y-%m-%d" : "%d/%m/%Y", &tm);
  return buf;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `pdftotext -layout FILE -` (poppler-utils).
std::string pdf_text(const fs::path& pdf) {
  std::string out;
  if (FILE* p = ::popen(("pdftotext -layout '" + pdf.string() + "' - 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ws_ = new Workspace();
    ws_->copy_office_from(pending_approval_template(&closed_));
    ws_->ok({"act", closed_, "pre_approve", "--as", "asi"});
    ws_->ok({"act", closed_, "approve", "--as", "chief"});
    drive_approved_to_closed(*ws_, closed_);
    rejected_ = new_release(*ws_, "maintenance", "2.5", "lead");
    drive_to_pending_approval(*ws_, rejected_);
    ws_->ok({"act", rejected_, "reject", "--note", "No corresponde", "--as", "chief"});
  }
  static void TearDownTestSuite() { delete ws_; }
  static Workspace* ws_;
  static std::string closed_, rejected_;
};
Workspace* ReportCli::ws_ = nullptr;
std::string ReportCli::closed_, ReportCli::rejected_;

TEST_F(ReportCli, JsonGivesTheFiguresOfThePeriod) {
  Outcome o = ws_->ok({"report", "adherence", "--from", today(), "--to", today(), "--format", "json"});
  const auto j = nlohmann::json::parse(o.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << o.describe();
  const auto& t = j["total"];
  EXPECT_EQ(t["requests"], 2);
  EXPECT_EQ(t["deployed"], 1);
  EXPECT_EQ(t["rejections"], 1);
  EXPECT_EQ(t["rolled_back"], 0);
  EXPECT_EQ(t["emergencies"], 0);
  EXPECT_EQ(j["span_months"], 1);
  ASSERT_EQ(j["releases"].size(), 2u);
  for (const auto& r : j["releases"]) {
    std::map<std::string, std::string> outcome;
    for (const auto& c : r["controls"]) outcome[c["control"]] = c["outcome"];
    if (r["number"] == closed_) {
      EXPECT_EQ(r["state"], "closed");
      // The guards of the procedure made these hold.
      EXPECT_EQ(outcome["approval_before_deploy"], "met");
      EXPECT_EQ(outcome["backup_before_deploy"], "met");
      EXPECT_EQ(outcome["verification_recorded"], "met");
      EXPECT_EQ(outcome["acceptance_record"], "met");
      EXPECT_EQ(outcome["baseline_before_close"], "met");
      EXPECT_EQ(outcome["rollback_backout_plan"], "not_applicable");
    } else {
      EXPECT_EQ(r["number"], rejected_);
      EXPECT_EQ(r["rejected"], true);
      EXPECT_EQ(outcome["approval_before_deploy"], "not_applicable");
      EXPECT_EQ(r["fully_adherent"], true);
    }
  }
  // A period before any request: nothing.
  o = ws_->ok({"report", "adherence", "--from", "2020-01-01", "--to", "2020-01-31", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(o.out)["total"]["requests"], 0) << o.describe();
}

TEST_F(ReportCli, CsvHasTheHeaderAndOneRowPerRequest) {
  Outcome o = ws_->ok({"report", "adherence", "--from", today(), "--to", today(), "--format", "csv"});
  const auto rows = lines(o.out);
  ASSERT_EQ(rows.size(), 3u) << o.describe();
  EXPECT_EQ(rows[0].rfind("Número,Sistema,Unidad,Tipo,Estado,Creado (UTC),Creado (America/Lima),Desplegado (UTC),Desplegado (America/Lima),Plenamente adherente,", 0), 0u) << rows[0];
  EXPECT_NE(o.out.find("\r\n"), std::string::npos) << "RFC 4180 line ends";
  EXPECT_NE(o.out.find(closed_ + "," + kSystem), std::string::npos);
  EXPECT_NE(o.out.find(rejected_ + "," + kSystem), std::string::npos);
  // English headers with --lang en; --kind filters.
  o = ws_->ok({"--lang", "en", "report", "adherence", "--from", today(), "--to", today(), "--kind", "project"});
  ASSERT_EQ(lines(o.out).size(), 1u) << o.describe();
  EXPECT_EQ(o.out.rfind("Number,System,Unit,Kind", 0), 0u);
}

TEST_F(ReportCli, PdfToAFileCarriesPeriodAndFigures) {
  const fs::path out = ws_->dir() / "adherencia.pdf";
  Outcome o = ws_->ok({"report", "adherence", "--from", today(), "--to", today(), "--format", "pdf", "--out", out.string()});
  EXPECT_NE(o.out.find("adherencia.pdf"), std::string::npos) << o.describe();
  EXPECT_EQ(slurp(out).rfind("%PDF-", 0), 0u);
  const std::string text = pdf_text(out);
  EXPECT_NE(text.find("Informe de adherencia al procedimiento de pase a producción"), std::string::npos) << text;
  EXPECT_NE(text.find("Solicitudes creadas desde " + today(false) + " hasta " + today(false)), std::string::npos) << text;
  bool deployed_line = false;
  for (const auto& line : lines(text)) {
    std::string packed;  // pdftotext may print "1 / 0" as "1/0"
    for (char c : line) packed += c == ' ' ? "" : std::string(1, c);
    if (packed.rfind("Desplegados/revertidos1/0", 0) == 0) deployed_line = true;
  }
  EXPECT_TRUE(deployed_line) << text;
  // Not a terminal: standard output gets the PDF.
  o = ws_->ok({"report", "adherence", "--from", today(), "--to", today(), "--format", "pdf"});
  EXPECT_EQ(o.out.rfind("%PDF-", 0), 0u);
}

TEST_F(ReportCli, BadDatesAreRefusedNamingTheFormat) {
  Outcome o = ws_->fails(2, {"report", "adherence", "--from", "01/03/2026", "--to", "2026-03-31"});
  EXPECT_NE(o.err.find("AAAA-MM-DD"), std::string::npos) << o.describe();
  o = ws_->fails(2, {"--lang", "en", "report", "adherence", "--from", "2026-02-30", "--to", "2026-03-31"});
  EXPECT_NE(o.err.find("YYYY-MM-DD"), std::string::npos) << o.describe();
  o = ws_->fails(2, {"report", "adherence", "--from", "2026-04-01", "--to", "2026-03-31"});
  EXPECT_NE(o.err.find("posterior"), std::string::npos) << o.describe();
}

}  // namespace
}  // namespace clitest
