// GET /api/v1/reports/adherence (JSON, CSV, PDF) and its SVG charts on a fresh office where one
// maintenance was walked from draft to closed over HTTP (the guards make its controls hold) and
// one was rejected after the report; who may see the report; malformed dates.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "api_office.h"

namespace apitest {
namespace {

// Today (UTC) as "YYYY-MM-DD" or "dd/mm/yyyy".
std::string today(bool iso = true) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, iso ? "%Y-%m-%d" : "%d/%m/%Y", &tm);
  return buf;
}

std::string pdf_text(const fs::path& dir, const std::string& pdf) {
  const fs::path file = dir / "report.pdf";
  std::ofstream(file, std::ios::binary) << pdf;
  std::string out;
  if (FILE* p = ::popen(("pdftotext -layout '" + file.string() + "' - 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class ReportsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    Walker w(*office_);
    closed_ = w.open("ALFA", "maintenance")["number"];
    w.advance(closed_, "closed");
    rejected_ = w.open("MTX", "maintenance")["number"];
    w.advance(rejected_, "pre_approved");
    w.act(rejected_, "reject", office_->cast.at("it_chief"), "No corresponde");
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    EXPECT_EQ(office_->stop(), 0) << office_->server().output();
    delete office_;
  }
  static std::string period() { return "from=" + today() + "&to=" + today(); }
  static Api& pmo() { return office_->as(office_->cast.at("pmo_specialist")); }
  static Office* office_;
  static std::string closed_, rejected_;
};
Office* ReportsApi::office_ = nullptr;
std::string ReportsApi::closed_, ReportsApi::rejected_;

TEST_F(ReportsApi, JsonHasEveryControlAndTheFigures) {
  Response r = pmo().get("/api/v1/reports/adherence?" + period());
  ASSERT_EQ(r.status, 200) << r.describe();
  const json j = r.json();
  EXPECT_EQ(j["total"]["requests"], 2);
  EXPECT_EQ(j["total"]["deployed"], 1);
  EXPECT_EQ(j["total"]["rejections"], 1);
  EXPECT_EQ(j["total"]["rolled_back"], 0);
  EXPECT_EQ(j["controls"].size(), 12u);
  ASSERT_EQ(j["by_system"].size(), 2u);
  EXPECT_EQ(j["by_system"][0]["key"], "ALFA");
  EXPECT_EQ(j["by_system"][0]["deployed"], 1);
  EXPECT_EQ(j["by_system"][1]["key"], "MTX");
  EXPECT_EQ(j["by_system"][1]["rejections"], 1);
  ASSERT_EQ(j["deployments_per_month"].size(), 1u);
  EXPECT_EQ(j["deployments_per_month"][0]["count"], 1);
  ASSERT_EQ(j["releases"].size(), 2u);
  for (const auto& rel : j["releases"]) {
    std::map<std::string, std::string> outcome;
    for (const auto& c : rel["controls"]) outcome[c["control"]] = c["outcome"];
    EXPECT_EQ(outcome.size(), 12u);
    if (rel["number"] == closed_) {
      EXPECT_EQ(outcome["approval_before_deploy"], "met");
      EXPECT_EQ(outcome["backup_before_deploy"], "met");
      EXPECT_EQ(outcome["verification_recorded"], "met");
      EXPECT_EQ(outcome["acceptance_record"], "met");
      EXPECT_EQ(outcome["baseline_before_close"], "met");
      EXPECT_FALSE(rel["lead_time_ms"].is_null());
      EXPECT_FALSE(rel["approval_latency_ms"].is_null());
    } else {
      EXPECT_EQ(rel["number"], rejected_);
      EXPECT_EQ(outcome["approval_before_deploy"], "not_applicable");
      EXPECT_TRUE(rel["deployed_at"].is_null());
    }
  }
  // Filters: one system, one kind.
  r = pmo().get("/api/v1/reports/adherence?" + period() + "&system=MTX");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.json()["total"]["requests"], 1);
  r = pmo().get("/api/v1/reports/adherence?" + period() + "&kind=emergency");
  EXPECT_EQ(r.json()["total"]["requests"], 0);
  ASSERT_EQ(j["by_unit"].size(), 1u);
  const std::string unit = j["by_unit"][0]["key"];
  std::string encoded;
  for (char c : unit) encoded += c == ' ' ? std::string("%20") : std::string(1, c);
  r = pmo().get("/api/v1/reports/adherence?" + period() + "&unit=" + encoded);
  EXPECT_EQ(r.json()["total"]["requests"], 2) << unit;
  r = pmo().get("/api/v1/reports/adherence?" + period() + "&unit=Otra");
  EXPECT_EQ(r.json()["total"]["requests"], 0);
}

TEST_F(ReportsApi, CsvDownloadHasTheHeaderAndOneRowPerRequest) {
  Response r = pmo().get("/api/v1/reports/adherence.csv?" + period());
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_NE(r.header("Content-Disposition").value_or("").find("attachment; filename=\"adherencia-"), std::string::npos);
  EXPECT_EQ(r.body.rfind("Number,System,Unit,Kind,State,Created (UTC),Created (America/Lima),Deployed (UTC),Deployed (America/Lima),Fully adherent,QA conformity", 0), 0u) << r.body;
  EXPECT_EQ(count_lines(r.body), 3u) << r.body;
  EXPECT_NE(r.body.find("\r\n" + closed_ + ",ALFA,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\r\n" + rejected_ + ",MTX,"), std::string::npos) << r.body;
  // The same with format=csv, and in Spanish.
  Response same = pmo().get("/api/v1/reports/adherence?format=csv&" + period());
  EXPECT_EQ(same.body, r.body);
  pmo().lang = "es";
  Response es = pmo().get("/api/v1/reports/adherence.csv?" + period());
  pmo().lang = "en";
  EXPECT_EQ(es.body.rfind("Número,Sistema,Unidad,Tipo", 0), 0u) << es.body;
  // Per group.
  Response stats = pmo().get("/api/v1/reports/adherence?format=stats.csv&" + period());
  ASSERT_EQ(stats.status, 200) << stats.describe();
  EXPECT_NE(stats.body.find("\r\ntotal,,2,"), std::string::npos) << stats.body;
}

TEST_F(ReportsApi, PdfReportShowsPeriodAndFigures) {
  Response r = office_->as(office_->cast.at("it_chief")).get("/api/v1/reports/adherence?format=pdf&" + period());
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/pdf");
  EXPECT_EQ(r.body.rfind("%PDF-", 0), 0u);
  const std::string text = pdf_text(office_->dir(), r.body);
  EXPECT_NE(text.find("Release procedure adherence report"), std::string::npos) << text;
  EXPECT_NE(text.find("Requests created from " + today(false) + " to " + today(false)), std::string::npos) << text;
  bool deployed = false, requests = false;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    std::string packed;  // pdftotext may print "1 / 0" as "1/0"
    for (char c : line) packed += c == ' ' ? "" : std::string(1, c);
    if (packed == "Deployed/rolledback1/0") deployed = true;
    if (packed == "Requests2") requests = true;
  }
  EXPECT_TRUE(deployed) << text;
  EXPECT_TRUE(requests) << text;
  Response pdf = pmo().get("/api/v1/reports/adherence.pdf?" + period());
  EXPECT_EQ(pdf.status, 200) << pdf.describe();
}

TEST_F(ReportsApi, ChartsAreSvg) {
  for (const char* chart : {"adherence.svg", "deployments.svg"}) {
    Response r = pmo().get(std::string("/api/v1/reports/adherence/charts/") + chart + "?" + period());
    ASSERT_EQ(r.status, 200) << r.describe();
    EXPECT_EQ(r.header("Content-Type").value_or(""), "image/svg+xml");
    EXPECT_NE(r.body.find("<svg"), std::string::npos);
  }
  EXPECT_EQ(pmo().get("/api/v1/reports/adherence/charts/pie.svg").status, 404);
}

TEST_F(ReportsApi, OnlyThePmoAndTheHeadsMaySeeIt) {
  for (const char* role : {"pmo_specialist", "it_chief", "asi_head", "agti_head", "admin"}) {
    EXPECT_EQ(office_->as(office_->cast.at(role)).get("/api/v1/reports/adherence?" + period()).status, 200) << role;
  }
  for (const char* role : {"qa_lead", "project_lead", "release_operator"}) {
    Response r = office_->as(office_->cast.at(role)).get("/api/v1/reports/adherence.csv?" + period());
    ASSERT_EQ(r.status, 403) << role << " " << r.describe();
    const std::vector<std::string> roles = detail_list(r.json(), "required_role");
    for (const char* allowed : {"pmo_specialist", "it_chief", "admin"}) {
      EXPECT_NE(std::find(roles.begin(), roles.end(), allowed), roles.end()) << allowed << " " << r.body;
    }
    EXPECT_NE(r.json().value("detail", r.body).find("PMO"), std::string::npos) << r.body;
  }
  Api anonymous(office_->port());
  EXPECT_EQ(anonymous.get("/api/v1/reports/adherence").status, 401);
}

TEST_F(ReportsApi, BadDatesAre400NamingTheFormat) {
  Response r = pmo().get("/api/v1/reports/adherence?from=01/03/2026&to=2026-03-31");
  ASSERT_EQ(r.status, 400) << r.describe();
  EXPECT_NE(r.body.find("YYYY-MM-DD"), std::string::npos) << r.body;
  pmo().lang = "es";
  r = pmo().get("/api/v1/reports/adherence.csv?from=2026-03-01&to=2026-02-30");
  pmo().lang = "en";
  ASSERT_EQ(r.status, 400) << r.describe();
  EXPECT_NE(r.body.find("AAAA-MM-DD"), std::string::npos) << r.body;
  EXPECT_EQ(pmo().get("/api/v1/reports/adherence?from=2026-04-01&to=2026-03-01").status, 400);
  EXPECT_EQ(pmo().get("/api/v1/reports/adherence?format=xls").status, 400);
}

}  // namespace
}  // namespace apitest
