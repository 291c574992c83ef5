// Office: state web forms keep between requests (web/flash.h, web/once.h), in the store so
// that every server node sees it. Not audited: it records no decision, only what a page shows
// once or where a form already led.
#include <limits>

#include "service/office.h"

namespace pasaprod {

Status Office::put_form_state(const FormState& state, Timestamp now, std::int64_t max_states) {
  return store_.write([&](WriteTx& tx) -> Status {
    if (Status st = tx.expire_form_states(now, 100); !st) return st;
    if (tx.form_state_count() >= max_states) {
      if (Status st = tx.expire_form_states(std::numeric_limits<Timestamp>::max(), 100); !st) return st;
    }
    return tx.insert_form_state(state);
  });
}

Result<std::optional<FormState>> Office::take_form_state(const std::string& key, const std::string& owner,
                                                         const std::string& path, Timestamp now) {
  std::optional<FormState> taken;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    taken.reset();  // the write may run again
    std::optional<FormState> found = tx.form_state(key);
    if (!found || found->owner != owner || found->path != path || found->expires_at <= now) return ok_status();
    if (Status d = tx.delete_form_state(key); !d) return d;
    taken = std::move(found);
    return ok_status();
  });
  if (!st) return st.error();
  return taken;
}

Result<std::optional<FormState>> Office::form_state(const std::string& key) {
  std::optional<FormState> found;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    found = tx.form_state(key);
    return ok_status();
  });
  if (!st) return st.error();
  return found;
}

Status Office::set_form_state_body(const std::string& key, const std::string& body) {
  return store_.write([&](WriteTx& tx) { return tx.set_form_state_body(key, body); });
}

Status Office::delete_form_state(const std::string& key) {
  return store_.write([&](WriteTx& tx) { return tx.delete_form_state(key); });
}

}  // namespace pasaprod
