#include "audit/chain.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "util/sha256.h"

namespace pasaprod::audit {
namespace {

// Appends one length-prefixed field: <len>:<bytes>,
void put_field(Sha256& h, std::string_view bytes) {
  std::string prefix = std::to_string(bytes.size());
  prefix += ':';
  h.update(prefix);
  h.update(bytes);
  h.update(",");
}

AuditProblem problem(std::int64_t seq, std::string id, std::string es, std::string en) {
  return AuditProblem{seq, std::move(id), std::move(es), std::move(en)};
}

}  // namespace

std::string event_hash(const AuditEvent& e) {
  Sha256 h;
  h.update("pasaprod-audit-v1\n");
  put_field(h, e.prev_hash);
  put_field(h, std::to_string(e.seq));
  put_field(h, std::to_string(e.at));
  put_field(h, e.actor);
  put_field(h, e.action);
  put_field(h, e.subject);
  put_field(h, e.before);
  put_field(h, e.after);
  return h.hex_digest();
}

ChainVerifier::ChainVerifier(VerifyOptions options) : options_(std::move(options)) {
  if (options_.anchor && options_.anchor->seq <= 0) options_.anchor.reset();
}

void ChainVerifier::add_problem(AuditProblem p) {
  ++report_.problems_total;
  report_.ok = false;
  if (report_.problems.size() < options_.max_problems) report_.problems.push_back(std::move(p));
}

void ChainVerifier::add(const AuditEvent& e) {
  ++report_.events_checked;
  const std::int64_t expected = report_.last_seq + 1;
  bool check_link = true;
  if (e.seq > expected) {
    check_link = false;  // the broken link is a consequence of the gap
    if (e.seq == expected + 1) {
      add_problem(problem(expected, "audit.gap", fmt::format("falta el evento {}", expected),
                          fmt::format("event {} is missing", expected)));
    } else {
      add_problem(problem(expected, "audit.gap",
                          fmt::format("faltan los eventos {} a {}", expected, e.seq - 1),
                          fmt::format("events {} to {} are missing", expected, e.seq - 1)));
    }
  } else if (e.seq < expected) {
    add_problem(problem(e.seq, "audit.order",
                        fmt::format("evento {} fuera de orden (después del evento {})", e.seq,
                                    report_.last_seq),
                        fmt::format("event {} out of order (after event {})", e.seq,
                                    report_.last_seq)));
  }
  if (check_link && e.prev_hash != report_.last_hash) {
    add_problem(problem(
        e.seq, "audit.broken_link",
        fmt::format("el evento {} no enlaza con el evento anterior ({})", e.seq, expected - 1),
        fmt::format("event {} does not link to the previous event ({})", e.seq, expected - 1)));
  }
  if (event_hash(e) != e.hash) {
    add_problem(problem(e.seq, "audit.altered", fmt::format("evento {} alterado", e.seq),
                        fmt::format("event {} altered", e.seq)));
  }
  if (options_.anchor && e.seq == options_.anchor->seq) {
    anchor_seen_ = true;
    if (e.hash != options_.anchor->hash) {
      add_problem(problem(
          e.seq, "audit.anchor_mismatch",
          fmt::format("el evento {} no coincide con el ancla: el registro fue reescrito", e.seq),
          fmt::format("event {} does not match the anchor: the trail was rewritten", e.seq)));
    }
  }
  if (options_.witnessed && e.seq == options_.witnessed->seq) {
    witnessed_seen_ = true;
    if (e.hash != options_.witnessed->hash) {
      add_problem(problem(
          e.seq, "audit.witness_mismatch",
          fmt::format("el evento {} no coincide con la cabeza sellada en el tiempo: el registro fue reescrito después del sello",
                      e.seq),
          fmt::format("event {} does not match the time-stamped head: the trail was rewritten after the stamp", e.seq)));
    }
  }
  if (e.seq > report_.last_seq) report_.last_seq = e.seq;
  report_.last_hash = e.hash;
}

AuditVerifyReport ChainVerifier::finish() {
  if (options_.anchor && !anchor_seen_) {
    const std::int64_t anchored = options_.anchor->seq;
    if (report_.last_seq < anchored) {
      add_problem(problem(
          report_.last_seq, "audit.cut_tail",
          fmt::format("faltan eventos después del {}: el ancla registra {}", report_.last_seq,
                      anchored),
          fmt::format("events missing after {}: the anchor records {}", report_.last_seq,
                      anchored)));
    } else {
      add_problem(problem(anchored, "audit.anchor_missing_event",
                          fmt::format("falta el evento {} registrado en el ancla", anchored),
                          fmt::format("event {} recorded by the anchor is missing", anchored)));
    }
  }
  if (options_.witnessed && !witnessed_seen_) {
    const std::int64_t seq = options_.witnessed->seq;
    add_problem(problem(seq, "audit.witness_missing_event",
                        fmt::format("falta el evento {}, cuya cabeza fue sellada en el tiempo: se cortó o se reemplazó el registro", seq),
                        fmt::format("event {}, whose head was time-stamped, is missing: the trail was cut or replaced", seq)));
  }
  if (!options_.anchor && options_.anchor_expected && report_.events_checked > 0) {
    add_problem(problem(
        0, "audit.no_anchor",
        fmt::format("el registro tiene {} eventos pero el ancla no registra ninguno: "
                    "pudo ser borrada",
                    report_.events_checked),
        fmt::format("the trail has {} events but the anchor records none: it may have been "
                    "deleted",
                    report_.events_checked)));
  }
  return std::move(report_);
}

AuditVerifyReport verify_chain(const EventSource& next, const VerifyOptions& options) {
  ChainVerifier v(options);
  while (std::optional<AuditEvent> e = next()) v.add(*e);
  return v.finish();
}

}  // namespace pasaprod::audit
