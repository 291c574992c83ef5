// A Store that passes every call to another; a test derives from it and overrides what it
// watches or changes.
#pragma once

#include <functional>
#include <string>

#include "storage/store.h"

namespace pasaprod {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}
  Status read(const std::function<Status(ReadTx&)>& fn) override { return inner_.read(fn); }
  Status write(const std::function<Status(WriteTx&)>& fn) override { return inner_.write(fn); }
  std::string describe() const override { return inner_.describe(); }

 protected:
  Store& inner_;
};

}  // namespace pasaprod
