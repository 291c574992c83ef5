#include "docs/pdf_render.h"

#include <gtest/gtest.h>

#include <thread>

#include "pdf_tools.h"
#include "sample_document.h"

namespace pasaprod::docs {
namespace {

using testing::kSampleCode;
using testing::pdf_pages;
using testing::pdf_text;
using testing::sample_report;
using testing::TempDir;
using testing::write_file;

// Renders `doc` into `dir`/`name` and returns the path; fails the test on error.
std::string render_to(const TempDir& dir, const PdfDocument& doc, const std::string& name) {
  Result<std::string> pdf = render_pdf(doc);
  EXPECT_TRUE(pdf.ok()) << (pdf.ok() ? "" : pdf.error().en);
  if (!pdf.ok()) return {};
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  const std::string path = dir.path() + "/" + name;
  EXPECT_TRUE(write_file(path, *pdf));
  return path;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RenderPdf, MultiPageDocumentKeepsSpanishTextAndFooters) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  PdfDocument doc = sample_report();
  doc.blocks.push_back(Heading{"6. Conformidad"});
  doc.blocks.push_back(Paragraph{"Informática, Ñandú, ¿Aprobó? ¡Listo! pingüino — á é í ó ú ñ ü Ñ"});
  const std::string path = render_to(dir, doc, "report.pdf");
  ASSERT_FALSE(path.empty());

  const int pages = pdf_pages(path);
  ASSERT_GT(pages, 1);
  const std::string text = pdf_text(path);
  for (const char* word : {"Informe de pase a producción", "Conformidad", "Informática", "Ñandú",
                           "¿Aprobó?", "¡Listo!", "pingüino", "á é í ó ú ñ ü Ñ",
                           "Ministerio de Educación"}) {
    EXPECT_TRUE(contains(text, word)) << word;
  }
  for (int p = 1; p <= pages; ++p) {
    const std::string page = pdf_text(path, p, p);
    const std::string number = "Página " + std::to_string(p) + " de " + std::to_string(pages);
    EXPECT_TRUE(contains(page, number)) << number;
    EXPECT_TRUE(contains(page, std::string("Código de verificación: ") + kSampleCode)) << p;
    EXPECT_TRUE(contains(page, "Oficina de Informática")) << "running header, page " << p;
  }
}

TEST(RenderPdf, TableHeaderRepeatsAndEveryRowIsWhole) {
  TempDir dir;
  const int rows = 60;
  const std::string path = render_to(dir, sample_report(rows), "table.pdf");
  ASSERT_FALSE(path.empty());
  const int pages = pdf_pages(path);
  ASSERT_GE(pages, 3);
  // Every row appears (none lost at a page break).
  const std::string text = pdf_text(path);
  for (int i = 1; i <= rows; ++i) {
    const std::string file = "siagie-3.2.0-" + std::to_string(i) + ".zip";
    EXPECT_TRUE(contains(text, file)) << file;
  }
  // The deliverables table continues on page 2 with its header repeated.
  const std::string page2 = pdf_text(path, 2, 2);
  EXPECT_TRUE(contains(page2, "SHA-256"));
  EXPECT_TRUE(contains(page2, "Entregable"));
}

TEST(RenderPdf, MetadataCarriesTitleCreatorAndCode) {
  TempDir dir;
  const std::string path = render_to(dir, sample_report(3), "meta.pdf");
  ASSERT_FALSE(path.empty());
  const std::string info = testing::run("pdfinfo '" + path + "'");
  EXPECT_TRUE(contains(info, "Informe de pase a producción")) << info;
  EXPECT_TRUE(contains(info, "pasaprod")) << info;
  EXPECT_TRUE(contains(info, kSampleCode)) << info;
  EXPECT_TRUE(contains(info, "A4")) << info;
}

TEST(RenderPdf, SameDocumentGivesSameBytesWhenCreationDateIsSet) {
  const PdfDocument doc = sample_report(10);
  Result<std::string> a = render_pdf(doc);
  Result<std::string> b = render_pdf(doc);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(RenderPdf, ParallelRendersAreIndependent) {
  const PdfDocument doc = sample_report(40);
  Result<std::string> expected = render_pdf(doc);
  ASSERT_TRUE(expected.ok());
  std::vector<std::string> out(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < out.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        Result<std::string> r = render_pdf(doc);
        out[t] = r.ok() ? *r : "error";
        if (out[t] != *expected) return;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& o : out) EXPECT_TRUE(o == *expected);
}

TEST(RenderPdf, EmptyDocumentIsOnePage) {
  TempDir dir;
  const std::string path = render_to(dir, PdfDocument{}, "empty.pdf");
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(pdf_pages(path), 1);
  EXPECT_TRUE(contains(pdf_text(path), "Página 1 de 1"));
}

TEST(RenderPdf, TextIsLiteralNotMarkupAndBadBytesAreReplaced) {
  TempDir dir;
  PdfDocument doc;
  doc.title = "Acta <b>";
  doc.blocks.push_back(Paragraph{"<b>negrita</b> & <i>x</i>"});
  const char raw[] = "nul\0byte \xff\xfe ok";
  doc.blocks.push_back(Paragraph{std::string(raw, sizeof raw - 1)});
  doc.blocks.push_back(Table{{{"A"}, {"B"}}, {{std::string(4000, 'x'), "corta"}}});
  const std::string path = render_to(dir, doc, "literal.pdf");
  ASSERT_FALSE(path.empty());
  const std::string text = pdf_text(path);
  EXPECT_TRUE(contains(text, "<b>negrita</b> & <i>x</i>")) << text;
  EXPECT_TRUE(contains(text, "Acta <b>"));
  EXPECT_TRUE(contains(text, "ok"));
}

TEST(RenderPdf, HugeCellIsCutToOnePage) {
  PdfDocument doc;
  std::string words;
  for (int i = 0; i < 3000; ++i) words += "palabra" + std::to_string(i) + " ";
  doc.blocks.push_back(KeyValueTable{{{"Descripción", words}}});
  doc.blocks.push_back(Paragraph{"después"});
  TempDir dir;
  const std::string path = render_to(dir, doc, "huge.pdf");
  ASSERT_FALSE(path.empty());
  // The cell fills page 1 and ends in "…" (cairo maps that glyph back to the elided text, so
  // pdftotext still shows it); what follows goes on page 2.
  EXPECT_EQ(pdf_pages(path), 2);
  EXPECT_TRUE(contains(pdf_text(path, 1, 1), "palabra0 "));
  EXPECT_TRUE(contains(pdf_text(path, 2, 2), "después"));
}

TEST(RenderPdf, LongParagraphFlowsOverPages) {
  PdfDocument doc;
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "texto" + std::to_string(i) + " ";
  doc.blocks.push_back(Paragraph{text + "fin."});
  TempDir dir;
  const std::string path = render_to(dir, doc, "long.pdf");
  ASSERT_FALSE(path.empty());
  EXPECT_GE(pdf_pages(path), 2);
  const std::string all = pdf_text(path);
  EXPECT_TRUE(contains(all, "texto0")) << all.substr(0, 200);
  EXPECT_TRUE(contains(all, "texto1499"));
  EXPECT_TRUE(contains(all, "fin."));
}

TEST(RenderPdf, RejectsMalformedBlocks) {
  struct Case {
    Block block;
    const char* id;
  };
  const Case cases[] = {
      {Table{{}, {}}, "docs.table_columns"},
      {Table{{{"A"}, {"B"}}, {{"solo una"}}}, "docs.table_row"},
      {Table{{{"A", 0.7}, {"B", 0.6}}, {}}, "docs.column_width"},
      {Table{{{"A", -0.1}, {"B"}}, {}}, "docs.column_width"},
      {SignatureRow{}, "docs.signatures"},
      {SignatureRow{{{}, {}, {}, {}}}, "docs.signatures"},
      {KeyValueTable{{}, 1.5}, "docs.label_width"},
  };
  for (const Case& c : cases) {
    PdfDocument doc;
    doc.blocks.push_back(c.block);
    Result<std::string> r = render_pdf(doc);
    ASSERT_FALSE(r.ok()) << c.id;
    EXPECT_EQ(r.error().code, Code::invalid_argument);
    EXPECT_EQ(r.error().id, c.id);
  }
  PdfDocument doc;
  doc.created_at = "14/03/2025";
  Result<std::string> r = render_pdf(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "docs.created_at");
}

}  // namespace
}  // namespace pasaprod::docs
