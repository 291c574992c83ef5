// Writes the sample "Informe de pase a producción" to the path given as argument, for looking
// at the layout by eye: docs_sample build-docs/sample.pdf && pdftoppm -png -r 60 ...
#include <cstdio>

#include "docs/pdf_render.h"
#include "pdf_tools.h"
#include "sample_document.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.pdf\n", argv[0]);
    return 2;
  }
  pasaprod::Result<std::string> pdf = pasaprod::docs::render_pdf(pasaprod::docs::testing::sample_report());
  if (!pdf) {
    std::fprintf(stderr, "%s\n", pdf.error().en.c_str());
    return 1;
  }
  return pasaprod::docs::testing::write_file(argv[1], *pdf) ? 0 : 1;
}
