#include "storage/anchored_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "audit/descent.h"
#include "storage/replay.h"

namespace pasaprod {

namespace {

Error anchor_failed(const std::string& why) {
  return make_error(Code::internal, "audit.anchor_failed",
                    fmt::format("El ancla de auditoría no se pudo actualizar: {}. Un "
                                "administrador debe ejecutar «pasaprod audit verify» y revisar "
                                "el archivo del ancla.",
                                why),
                    fmt::format("The audit anchor could not be updated: {}. An administrator "
                                "must run \"pasaprod audit verify\" and check the anchor file.",
                                why));
}

}  // namespace

AnchoredStore::AnchoredStore(std::unique_ptr<Store> backend, AuditAnchor* anchor, Options options)
    : backend_(std::move(backend)), anchor_(anchor), options_(options) {
  if (anchor_ == nullptr) return;
  backend_->set_commit_listener([this](const AnchorHead& head) { record_head(head); });
  {
    std::lock_guard<std::mutex> io(anchor_io_mu_);
    std::optional<AnchorHead> anchored;
    anchor_error_ = check_against_anchor(std::nullopt, &anchored);
  }
  if (options_.mode == AnchorMode::background) anchor_thread_ = std::thread([this] { anchor_loop(); });
}

AnchoredStore::~AnchoredStore() {
  if (anchor_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(anchor_mu_);
      stopping_ = true;
    }
    anchor_cv_.notify_all();
    stop_cv_.notify_all();
    anchor_thread_.join();
  }
  if (anchor_ != nullptr) (void)advance_anchor();  // a failure stays visible to audit verify
}

void AnchoredStore::set_commit_listener(CommitListener) {}

Status AnchoredStore::read(const std::function<Status(ReadTx&)>& fn) { return backend_->read(fn); }

Status AnchoredStore::write(const std::function<Status(WriteTx&)>& fn) {
  if (anchor_ == nullptr) return backend_->write(fn);
  if (Status ready = anchor_ready(); !ready) return ready;
  std::optional<AnchorHead> mine;
  Status st = backend_->write([&](WriteTx& tx) {
    Status s = fn(tx);
    mine = tx.appended_head();
    return s;
  });
  if (!st || !mine) return st;
  if (options_.mode == AnchorMode::background) {
    anchor_cv_.notify_one();
    return st;
  }
  if (Status adv = advance_anchor(); !adv) {
    Error e = adv.error();
    e.es = "El cambio se guardó, pero no quedó anclado. " + e.es;
    e.en = "The change was saved, but it is not anchored. " + e.en;
    return e.with("seq", std::to_string(mine->seq));
  }
  return st;
}

std::int64_t AnchoredStore::anchor_lag() const {
  if (anchor_ == nullptr) return 0;
  std::lock_guard lock(anchor_mu_);
  return std::max<std::int64_t>(0, latest_head_.seq - anchored_seq_);
}

Status AnchoredStore::flush_anchor() {
  if (anchor_ == nullptr) return ok_status();
  return advance_anchor();
}

void AnchoredStore::record_head(const AnchorHead& committed) {
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (committed.seq > latest_head_.seq) latest_head_ = committed;
}

Status AnchoredStore::anchor_ready() {
  {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    if (!anchor_error_) return ok_status();
  }
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  return advance_locked(/*recheck=*/true);
}

Status AnchoredStore::advance_anchor() {
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  return advance_locked(/*recheck=*/false);
}

Status AnchoredStore::advance_locked(bool recheck) {
  AnchorHead target;
  bool behind = false;
  {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    behind = anchored_seq_ < latest_head_.seq;
    target = latest_head_;
    if (!behind && !recheck) return anchor_error_ ? Status(*anchor_error_) : ok_status();
  }
  std::optional<AnchorHead> anchored;
  std::optional<Error> refused = check_against_anchor(
      behind ? std::optional<AnchorHead>(target) : std::nullopt, &anchored);
  if (!refused && behind && (!anchored || anchored->seq < target.seq)) {
    try {
      anchor_->advance(target);  // also checks the current anchor
      known_anchor_ = target;
    } catch (const std::exception& e) {
      refused = anchor_failed(e.what());
    }
  }
  if (refused) {
    std::lock_guard<std::mutex> lock(anchor_mu_);
    anchor_error_ = refused;
    return *refused;
  }
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (behind) anchored_seq_ = target.seq;
  anchor_error_.reset();
  return ok_status();
}

std::optional<Error> AnchoredStore::check_against_anchor(const std::optional<AnchorHead>& target,
                                                       std::optional<AnchorHead>* anchored) {
  try {
    *anchored = anchor_->load();
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  const auto missing = [](const std::string& es, const std::string& en) {
    return make_error(
        Code::data_loss, "audit.anchor_missing",
        es + " Las escrituras quedan bloqueadas: restaure el ancla (y su clave) desde donde se "
             "guardan, o ejecute «pasaprod audit verify» y vea docs/audit.md.",
        en + " Writes are refused: restore the anchor (and its key) from where they are kept, "
             "or run \"pasaprod audit verify\" and see docs/audit.md.");
  };
  if (!*anchored) {
    if (known_anchor_) {
      return missing("El ancla de auditoría desapareció mientras el servidor la usaba.",
                     "The audit anchor vanished while the server was using it.");
    }
    if (!target) {
      bool any = false;
      try {
        scan_events(0, [&](const AuditEvent&) { return !(any = true); });
      } catch (const std::exception& e) {
        return anchor_failed(e.what());
      }
      if (any) {
        return missing("La pista de auditoría tiene eventos pero no hay ancla de auditoría.",
                       "The audit trail has events but there is no audit anchor.");
      }
      return std::nullopt;
    }
  } else {
    if (known_anchor_ && (*anchored)->seq < known_anchor_->seq) {
      return missing(fmt::format("El ancla de auditoría retrocedió del evento {} al {}.",
                                 known_anchor_->seq, (*anchored)->seq),
                     fmt::format("The audit anchor moved back from event {} to {}.",
                                 known_anchor_->seq, (*anchored)->seq));
    }
    known_anchor_ = *anchored;
  }
  // Another process may have anchored past our target already: then only the anchored head
  // needs to be on the trail.
  std::optional<AnchorHead> until = target;
  if (until && *anchored && (*anchored)->seq >= until->seq) until.reset();
  audit::DescentCheck check(*anchored, until);
  try {
    scan_events(check.first_seq() - 1, [&](const AuditEvent& e) { return check.add(e); });
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  return check.finish();
}

Result<std::int64_t> AnchoredStore::reanchor() {
  if (anchor_ == nullptr) return std::int64_t{0};
  std::lock_guard<std::mutex> io(anchor_io_mu_);
  bool present = true;
  try {
    present = anchor_->load().has_value();
  } catch (const std::exception&) {
    present = true;  // invalid, but there
  }
  if (present) {
    return make_error(Code::failed_precondition, "audit.anchor_present",
                      "Ya hay un ancla de auditoría. Para volver a anclar, primero apártela (muévala a "
                      "otra carpeta) y conserve la copia como evidencia.",
                      "An audit anchor exists. To re-anchor, first set it aside (move it to another "
                      "folder) and keep the copy as evidence.");
  }
  audit::ChainVerifier verifier;
  scan_events(0, [&](const AuditEvent& e) {
    verifier.add(e);
    return true;
  });
  audit::AuditVerifyReport report = verifier.finish();
  if (!report.ok) {
    return make_error(Code::data_loss, "audit.reanchor_refused",
                      fmt::format("La cadena de eventos no se verifica ({} problema(s)); no se "
                                  "ancla una pista alterada. Ejecute «pasaprod audit verify».",
                                  report.problems_total),
                      fmt::format("The event chain does not verify ({} problem(s)); an altered "
                                  "trail is not anchored. Run \"pasaprod audit verify\".",
                                  report.problems_total));
  }
  if (report.last_seq == 0) return std::int64_t{0};
  const AnchorHead head{report.last_seq, report.last_hash};
  try {
    anchor_->advance(head);
  } catch (const std::exception& e) {
    return anchor_failed(e.what());
  }
  known_anchor_ = head;
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (anchored_seq_ < head.seq) anchored_seq_ = head.seq;
  if (latest_head_.seq < head.seq) latest_head_ = head;
  anchor_error_.reset();
  return head.seq;
}

void AnchoredStore::anchor_loop() {
  std::unique_lock<std::mutex> lock(anchor_mu_);
  for (;;) {
    // After a failure, wait for the next write() to retry synchronously (anchor_ready).
    anchor_cv_.wait(lock, [&] {
      return stopping_ || (!anchor_error_ && latest_head_.seq > anchored_seq_);
    });
    if (stopping_) return;  // the destructor makes the last advance
    lock.unlock();
    (void)advance_anchor();
    lock.lock();
    stop_cv_.wait_for(lock, options_.interval, [&] { return stopping_; });
  }
}

void AnchoredStore::scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) {
  Status st = backend_->read([&](ReadTx& tx) {
    tx.scan_events(after_seq, fn);
    return ok_status();
  });
  if (!st) throw std::runtime_error(st.error().en);
}

audit::AuditVerifyReport AnchoredStore::verify_audit(std::optional<AnchorHead> witnessed) {
  audit::VerifyOptions options;
  options.witnessed = std::move(witnessed);
  std::optional<audit::AuditProblem> anchor_problem;
  if (anchor_ != nullptr) {
    (void)flush_anchor();  // a failure shows below as the anchor's problem, or as a cut tail
    options.anchor_expected = true;
    try {
      std::lock_guard<std::mutex> lock(anchor_io_mu_);
      options.anchor = anchor_->load();  // before the snapshot: see the header
    } catch (const std::exception& e) {
      options.anchor_expected = false;
      anchor_problem = audit::AuditProblem{
          0, "audit.anchor_invalid",
          fmt::format("el ancla de auditoría no es válida o no se puede leer: {}", e.what()),
          fmt::format("the audit anchor is invalid or unreadable: {}", e.what())};
    }
  }
  audit::ChainVerifier verifier(options);
  if (anchor_problem) verifier.add_problem(*anchor_problem);
  Status st = backend_->read([&](ReadTx& tx) {  // one snapshot
    for (audit::AuditProblem& p : tx.trail_protection_problems()) verifier.add_problem(std::move(p));
    tx.scan_events(0, [&](const AuditEvent& e) {
      verifier.add(e);
      return true;
    });
    return ok_status();
  });
  if (!st) throw std::runtime_error(st.error().en);
  return verifier.finish();
}

std::vector<audit::AuditProblem> AnchoredStore::replay_differences() {
  std::vector<audit::AuditProblem> out;
  Status st = backend_->read([&](ReadTx& tx) {
    out = replay_trail(tx);
    return ok_status();
  });
  if (!st) throw std::runtime_error(st.error().en);
  return out;
}

}  // namespace pasaprod
