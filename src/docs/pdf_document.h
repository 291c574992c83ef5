// A small, domain-independent model of a printable document: a title page header and a flow of
// blocks (headings, paragraphs, tables, signature rows) that render_pdf() paginates onto A4.
//
//   docs::PdfDocument doc;
//   doc.institution = "Ministerio de Educación — Oficina de Tecnologías de la Información";
//   doc.title = "Informe de pase a producción";
//   doc.verification_code = docs::verification_code_for(secret, document_id);
//   doc.blocks.push_back(docs::Heading{"1. Datos de la solicitud"});
//   doc.blocks.push_back(docs::KeyValueTable{{{"Sistema", "SIAGIE"}, {"Versión", "3.2.0"}}});
//   Result<std::string> pdf = docs::render_pdf(doc);
//
// All text is plain UTF-8 and is rendered literally (no markup is interpreted).
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"  // Lang

namespace pasaprod::docs {

// A section title. Level 1 is a main section (larger, with a rule under it); level 2 and above
// is a subsection. A heading is never left alone at the bottom of a page.
struct Heading {
  std::string text;
  int level = 1;
};

// Running text, wrapped and justified to the body width. "\n" starts a new line; a blank line
// ("\n\n") separates paragraphs. May split across pages between lines.
struct Paragraph {
  std::string text;
  bool small = false;  // smaller, grey text (notes, legal boilerplate)
};

// Two columns of label → value pairs (the data of a request, say). Labels are bold. Values wrap;
// a row never splits across pages.
struct KeyValueTable {
  std::vector<std::pair<std::string, std::string>> rows;
  double label_width = 0.30;  // fraction of the body width taken by labels, in (0, 1)
};

// One column of a Table.
struct Column {
  std::string title;
  double width = 0;        // fraction of the body width; 0 = share the remainder equally
  bool monospace = false;  // for digests, codes and versions
};

// A table with a header row that repeats at the top of every page the table continues on.
// Cells wrap (long words such as digests break anywhere); a row never splits across pages.
// A cell too tall for a whole page is cut with "…".
// Widths: columns with width 0 share what the others leave; when no width is 0 the widths are
// scaled to fill the body.
// REQUIRES (checked, invalid_argument): at least one column, every row has exactly one cell per
// column, widths are >= 0 and sum to at most 1, leaving >= 0.02 per column of width 0.
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
};

// One signature box: a space and a line to sign on, then name, role and date.
struct Signature {
  std::string name;
  std::string role;
  // Shown as "Fecha: <date>"; empty prints a blank to fill in by hand.
  std::string date;
  // When true the space above the line reads "Firmado digitalmente por <name> el <date>".
  bool signed_digitally = false;
};

// A row of signature boxes, kept together on one page.
// REQUIRES (checked, invalid_argument): 1 to 3 signatures.
struct SignatureRow {
  std::vector<Signature> signatures;
};

// Vertical space, in points (1/72 inch). Dropped at the top of a page.
struct Spacer {
  double points = 12;
};

using Block = std::variant<Heading, Paragraph, KeyValueTable, Table, SignatureRow, Spacer>;

struct PdfDocument {
  std::string institution;        // running header, left, on every page
  std::string title;              // big on page 1; running header, right, on every page
  std::string subtitle;           // under the title on page 1 (e.g. "N° 012-2025 — SIAGIE 3.2.0")
  std::string verification_code;  // footer of every page and PDF keywords; "" = omitted
  std::string footer_note;        // small text above the footer line on every page; "" = none
  // PDF creation date, "YYYY-MM-DDThh:mm:ss" with optional "Z" or "±hh:mm". Set it to make the
  // output byte-for-byte reproducible; "" = the time of rendering.
  std::string created_at;
  // Language of the page furniture render_pdf() adds (footer labels "Código de verificación" /
  // "Verification code", "Página N de M" / "Page N of M", PDF keywords). Blocks are literal.
  Lang lang = Lang::es;
  std::vector<Block> blocks;
};

}  // namespace pasaprod::docs
