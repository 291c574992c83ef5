// Test data: a realistic "Informe de pase a producción" exercising every block kind, with a
// deliverables table long enough to span pages.
#pragma once

#include "docs/pdf_document.h"

namespace pasaprod::docs::testing {

// The verification code printed on the sample.
inline constexpr const char* kSampleCode = "7KQ2-M9XD";

// `deliverables` rows in the long table; 60 makes the document at least three pages.
PdfDocument sample_report(int deliverables = 60);

}  // namespace pasaprod::docs::testing
