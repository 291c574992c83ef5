// Synthetic Spanish titles and summaries for benchmark requests, shared by the benchmarks that
// fill a database (so text-search figures compare across them): release i gets a title made of
// two of twelve words (one of them in ~1/6 of all titles) and a summary with a pseudo-random number.
#pragma once

#include <fmt/format.h>

#include <string>

namespace pasaprod::bench {

inline constexpr const char* kSyntheticWords[] = {
    "planillas", "tesorería", "logística",   "portal",     "reportes", "migración",
    "seguridad", "contratos", "presupuesto", "inventario", "trámite",  "firma"};

inline std::string synthetic_title(long i) {
  return fmt::format("Cambio en {} de {} #{}", kSyntheticWords[i % 12], kSyntheticWords[(i / 12) % 12], i);
}

inline std::string synthetic_summary(long i) {
  return fmt::format("Actualiza el módulo de {} y corrige incidencias ({}).", kSyntheticWords[(i / 7) % 12],
                     i * 7919 % 100003);
}

}  // namespace pasaprod::bench
