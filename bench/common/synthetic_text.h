// Synthetic requests for benchmarks, shared by those that fill a database (so their figures
// compare): release i gets a title made of two of twelve Spanish words (one of them in ~1/6 of
// all titles), a summary with a pseudo-random number, and is spread over 40 systems, 4 kinds,
// 12 states, 150 requesters and three years.
#pragma once

#include <fmt/format.h>

#include <string>

#include "core/model.h"

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

// A draft request for the action benchmarks (bump_release + add_transition + append_event).
inline Release action_release(std::string number) {
  Release r;
  r.number = std::move(number);
  r.system = "SIGA";
  r.kind = "maintenance";
  r.version = "2.4";
  r.title = "Benchmark";
  r.requester = "ana";
  r.state = "draft";
  r.edition = "02";
  return r;
}

// Request i (1-based) of a synthetic office, numbered `number`.
inline Release synthetic_release(long i, std::string number) {
  static constexpr const char* kStates[] = {"draft",     "in_qa",    "qa_approved", "submitted",
                                            "validated", "approved", "deployed",    "closed",
                                            "closed",    "closed",   "rejected",    "cancelled"};
  static constexpr const char* kKinds[] = {"project", "maintenance", "maintenance", "emergency"};
  Release r;
  r.number = std::move(number);
  r.system = fmt::format("SYS{:02}", i % 40);
  r.kind = kKinds[i % 4];
  r.version = fmt::format("{}.{}", i % 9 + 1, i % 17);
  r.title = synthetic_title(i);
  r.summary = synthetic_summary(i);
  r.requester = fmt::format("user{:03}", i % 150);
  r.state = kStates[(i * 7) % 12];
  r.edition = "02";
  r.created_at = 1'704'067'200'000 + static_cast<std::int64_t>(i) * 940'000;  // ~3 years
  r.updated_at = r.created_at;
  return r;
}

}  // namespace pasaprod::bench
