#include "storage/store.h"

namespace pasaprod {

Result<AuditEvent> WriteTx::append_event(AuditEvent event) {
  // lock_chain_head holds off every other appender until this transaction ends, so the next
  // seq and prev_hash read here are still the head's when the event is inserted.
  const std::optional<AuditEvent> head = lock_chain_head();
  event.seq = head ? head->seq + 1 : 1;
  event.prev_hash = head ? head->hash : "";
  event.hash = audit::event_hash(event);
  if (Status st = insert_event(event); !st) return st.error();
  appended_head_ = AnchorHead{event.seq, event.hash};
  return event;
}

}  // namespace pasaprod
