// A Store that passes every call to another; a test derives from it and overrides what it
// watches or changes.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "storage/store.h"

namespace pasaprod {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}
  Status read(const std::function<Status(ReadTx&)>& fn) override { return inner_.read(fn); }
  Status write(const std::function<Status(WriteTx&)>& fn) override { return inner_.write(fn); }
  std::string describe() const override { return inner_.describe(); }
  void set_commit_listener(CommitListener listener) override { inner_.set_commit_listener(std::move(listener)); }
  std::size_t writers_waiting() const override { return inner_.writers_waiting(); }

 protected:
  Store& inner_;
};

}  // namespace pasaprod
