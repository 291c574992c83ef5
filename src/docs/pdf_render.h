// Renders a PdfDocument to PDF bytes with Cairo and Pango.
//
//   Result<std::string> pdf = docs::render_pdf(doc);
//   if (!pdf) return pdf.error();
//   library.put(*pdf);
//
// Page: A4 portrait. Page 1 opens with the title and subtitle, centred. Every page carries a running header (institution, title) and a footer
// (footer note, "Código de verificación: XXXX-XXXX", "Página N de M" — in English when
// doc.lang is English). Blocks flow over pages;
// headings stay with what follows, table rows and signature rows never split, table headers
// repeat. Fonts: "DejaVu Sans" and "DejaVu Sans Mono" (Debian: fonts-dejavu-core); fontconfig
// substitutes another family when they are missing.
//
// Thread-safe: each call builds its own font map, Pango context and Cairo surface and shares
// no mutable state, so several threads may render at once.
#pragma once

#include <string>

#include "core/status.h"
#include "docs/pdf_document.h"

namespace pasaprod::docs {

// The PDF of `doc`. Metadata: Title = title, Author = institution, Subject = subtitle,
// Creator = "pasaprod", Keywords = "pasaprod; código de verificación <code>"
// ("pasaprod; verification code <code>" in English), CreationDate =
// doc.created_at when set.
// Errors: invalid_argument ("docs.*") when a block breaks its REQUIRES (see pdf_document.h) or
// created_at is malformed; internal ("docs.render_failed") when Cairo fails.
Result<std::string> render_pdf(const PdfDocument& doc);

}  // namespace pasaprod::docs
