#include "audit/descent.h"

#include <fmt/format.h>

#include <utility>

#include "audit/chain.h"

namespace pasaprod::audit {
namespace {

constexpr const char* kWhatToDoEs =
    " Las escrituras quedan bloqueadas hasta que se restaure la base de datos que corresponde al "
    "ancla; un administrador debe ejecutar «pasaprod audit verify» y revisar la base de datos y "
    "el ancla (ver docs/audit.md).";
constexpr const char* kWhatToDoEn =
    " Writes are refused until the database that matches the anchor is restored; an "
    "administrator must run \"pasaprod audit verify\" and check the database and the anchor "
    "(see docs/audit.md).";

Error refusal(std::string id, const std::string& es, const std::string& en, std::int64_t seq) {
  return make_error(Code::data_loss, std::move(id), es + kWhatToDoEs, en + kWhatToDoEn)
      .with("seq", std::to_string(seq));
}

}  // namespace

DescentCheck::DescentCheck(std::optional<AnchorHead> anchored, std::optional<AnchorHead> target)
    : anchored_(std::move(anchored)), target_(std::move(target)) {}

std::int64_t DescentCheck::first_seq() const { return anchored_ ? anchored_->seq : 1; }

bool DescentCheck::add(const AuditEvent& e) {
  if (failure_ || reached_target_) return false;
  const std::int64_t expected = last_seq_ == 0 ? first_seq() : last_seq_ + 1;
  if (e.seq != expected) {
    failure_ = refusal("audit.chain_broken",
                       fmt::format("La pista de auditoría está rota: falta el evento {} (sigue el {}).",
                                   expected, e.seq),
                       fmt::format("The audit trail is broken: event {} is missing (event {} follows).",
                                   expected, e.seq),
                       expected);
    return false;
  }
  if (last_seq_ == 0 && anchored_ && e.hash != anchored_->hash) {
    failure_ = refusal(
        "audit.db_beside_anchor",
        fmt::format("La base de datos no es la que registra el ancla de auditoría: su evento {} "
                    "tiene otro hash que el anclado. Se puso en su lugar otra base de datos o se "
                    "reescribió la pista.",
                    e.seq),
        fmt::format("The database is not the one the audit anchor records: its event {} has "
                    "another hash than the anchored one. Another database was put in its place "
                    "or the trail was rewritten.",
                    e.seq),
        e.seq);
    return false;
  }
  const bool linked = last_seq_ == 0 ? (anchored_ || e.prev_hash.empty()) : e.prev_hash == last_hash_;
  if (!linked || event_hash(e) != e.hash) {
    failure_ = refusal("audit.chain_broken",
                       fmt::format("La pista de auditoría está alterada en el evento {}.", e.seq),
                       fmt::format("The audit trail was altered at event {}.", e.seq), e.seq);
    return false;
  }
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  if (target_ && e.seq == target_->seq) {
    reached_target_ = true;
    if (e.hash != target_->hash) {
      failure_ = refusal("audit.chain_broken",
                         fmt::format("El evento {} que se iba a anclar cambió en la base de datos.", e.seq),
                         fmt::format("Event {}, about to be anchored, changed in the database.", e.seq),
                         e.seq);
    }
    return false;
  }
  return true;
}

std::optional<Error> DescentCheck::finish() const {
  if (failure_) return failure_;
  if (anchored_ && last_seq_ < anchored_->seq) {
    return refusal(
        "audit.db_behind_anchor",
        fmt::format("La base de datos está detrás del ancla de auditoría: el ancla registra el "
                    "evento {}, que no está en la base de datos. Se restauró una copia anterior o "
                    "se borraron los eventos más recientes.",
                    anchored_->seq),
        fmt::format("The database is behind the audit anchor: the anchor records event {}, which "
                    "is not in the database. An older copy was put back or the newest events were "
                    "deleted.",
                    anchored_->seq),
        anchored_->seq);
  }
  if (target_ && !reached_target_) {
    return refusal("audit.chain_broken",
                   fmt::format("El evento {} que se iba a anclar no está en la base de datos.", target_->seq),
                   fmt::format("Event {}, about to be anchored, is not in the database.", target_->seq),
                   target_->seq);
  }
  return std::nullopt;
}

}  // namespace pasaprod::audit
