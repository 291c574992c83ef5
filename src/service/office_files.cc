// Deliverable files: streamed uploads and removal (office.h).
#include <filesystem>
#include <fstream>

#include "core/manifest.h"
#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

class LibraryUpload final : public Upload {
 public:
  LibraryUpload(Office& office, Caller caller, std::string number, std::string slot, std::string name,
                std::unique_ptr<BlobWriter> writer)
      : office_(office), caller_(std::move(caller)), number_(std::move(number)), slot_(std::move(slot)),
        name_(std::move(name)), writer_(std::move(writer)) {}

  Status write(const char* data, std::size_t size) override { return writer_->write(data, size); }

  Result<DeliverableFile> finish() override;

  const Office* office() const { return &office_; }
  const Caller& caller() const { return caller_; }
  const std::string& number() const { return number_; }
  // Stores the content in the library (pinned until Office::settle_blobs); the file to record.
  Result<std::pair<DeliverableFile, StoredBlob>> store(Timestamp now) {
    auto blob = writer_->commit();
    if (!blob) return blob.error();
    return std::make_pair(DeliverableFile{slot_, name_, blob->size, blob->sha256, caller_.username, now}, *blob);
  }
  BlobWriter& writer() { return *writer_; }

 private:
  Office& office_;
  Caller caller_;
  std::string number_, slot_, name_;
  std::unique_ptr<BlobWriter> writer_;
};

// Office::finish_uploads: stores each upload's content in the library, then records them all
// in one transaction; on any error removes the blobs these uploads wrote (unless a concurrent
// add of the same content recorded them meanwhile). REQUIRES: non-empty, one caller and request.
Result<std::vector<DeliverableFile>> finish_together(Office& office, const std::vector<LibraryUpload*>& parts) {
  std::vector<DeliverableFile> files;
  std::vector<BlobWriter*> pins;
  std::vector<std::string> new_blobs;
  Result<std::vector<DeliverableFile>> recorded = std::vector<DeliverableFile>{};
  for (LibraryUpload* p : parts) {
    auto stored = p->store(office.now());
    if (!stored) {
      recorded = stored.error();
      break;
    }
    files.push_back(stored->first);
    if (!stored->second.already_present) new_blobs.push_back(stored->second.sha256);
  }
  if (recorded) recorded = office.commit_files(parts.front()->caller(), parts.front()->number(), std::move(files));
  for (LibraryUpload* p : parts) pins.push_back(&p->writer());
  office.settle_blobs(pins, new_blobs, recorded.ok());
  return recorded;
}

Result<DeliverableFile> LibraryUpload::finish() {
  auto files = finish_together(office_, {this});
  if (!files) return files.error();
  return files->front();
}

}  // namespace

Status Office::discard_blob(const std::string& sha256) {
  return library_.discard_unreferenced(sha256, [&] {
    bool referenced = true;  // when in doubt, keep it
    Status st = store_.read([&](ReadTx& tx) -> Status {
      referenced = tx.blob_referenced(sha256);
      return ok_status();
    });
    return !st.ok() || referenced;
  });
}

void Office::settle_blobs(const std::vector<BlobWriter*>& pins, const std::vector<std::string>& new_blobs, bool recorded) {
  for (BlobWriter* pin : pins) pin->release_pin();  // the use is recorded (or not): a discard may look now
  if (recorded) return;
  for (const std::string& sha : new_blobs) (void)discard_blob(sha);  // a leftover is only space
}

Result<int> Office::recover_interrupted_uploads() {
  return library_.recover_interrupted_adds([this](const std::string& sha256) { return discard_blob(sha256); });
}

Result<std::vector<DeliverableFile>> Office::commit_files(const Caller& caller, const std::string& number,
                                                          std::vector<DeliverableFile> files) {
  Status st = store_.write([&](WriteTx& tx) -> Status {
    const Timestamp now = clock_.now();
    for (DeliverableFile& file : files) {  // each file sees the request as the ones before left it
      Release rel;
      if (auto s = check_upload(tx, caller, number, file.slot, file.name, now, &rel, false); !s) return s;
      json before = nullptr;
      for (const auto& old : rel.files) {
        if (old.slot == file.slot && old.name == file.name) before = {{"sha256", old.sha256}, {"size", old.size}};
      }
      file.uploaded_at = now;
      if (auto s = tx.put_file(number, file); !s) return s;
      if (auto s = tx.bump_release(number, rel.row_version, rel.state, now); !s) return s;
      json after = {{"slot", file.slot}, {"name", file.name}, {"size", file.size}, {"sha256", file.sha256}};
      auto e = tx.append_event(event(caller, now, before.is_null() ? "deliverable.add" : "deliverable.replace", number, before, after));
      if (!e) return e.error();
    }
    return ok_status();
  });
  if (!st) return st.error();
  return files;
}

Result<std::vector<DeliverableFile>> Office::finish_uploads(std::vector<std::unique_ptr<Upload>> uploads) {
  std::vector<LibraryUpload*> parts;
  for (const auto& u : uploads) {
    auto* p = dynamic_cast<LibraryUpload*>(u.get());
    const bool fits = p != nullptr && p->office() == this &&
                      (parts.empty() || (p->caller().username == parts.front()->caller().username &&
                                         p->number() == parts.front()->number()));
    if (!fits) {
      return make_error(Code::invalid_argument, "upload.mixed",
                        "Los archivos que se registran juntos deben ser de una misma solicitud y de un mismo usuario; "
                        "súbalos por separado.",
                        "Files recorded together must be for one request and by one user; upload them separately.");
    }
    parts.push_back(p);
  }
  if (parts.empty()) return std::vector<DeliverableFile>{};
  return finish_together(*this, parts);
}

Status Office::check_upload(ReadTx& tx, const Caller& caller, const std::string& number, const std::string& slot,
                            const std::string& name, Timestamp now, Release* out_release, bool removing) {
  auto actor = tx.user(caller.username);
  if (!actor) return office_internal::unknown_user(caller.username);
  auto rel = tx.release(number);
  if (!rel) return office_internal::not_found("La solicitud", "Request", number);
  auto sys = tx.system(rel->system);
  if (!sys) return sys.error();
  auto proc = edition_of(tx, rel->edition);
  if (!proc) return proc.error();
  Situation s = make_situation(**proc, *rel, *sys, now);
  Status st = removing ? plan_remove(s, *actor, slot, name) : plan_upload(s, *actor, slot, name);
  *out_release = std::move(*rel);
  return st;
}

Result<std::unique_ptr<Upload>> Office::begin_upload(const Caller& caller, const std::string& number, const std::string& slot,
                                                     const std::string& name, std::optional<std::string> expected_sha256,
                                                     std::int64_t max_size) {
  // Fail fast, before any byte is streamed; commit_files checks the same again at the end.
  Status checked = store_.read([&](ReadTx& tx) -> Status {
    Release rel;
    return check_upload(tx, caller, number, slot, name, clock_.now(), &rel, false);
  });
  if (!checked) return checked.error();
  auto writer = library_.begin_add(std::move(expected_sha256), max_size);
  if (!writer) return writer.error();
  return std::unique_ptr<Upload>(new LibraryUpload(*this, caller, number, slot, name, std::move(*writer)));
}

Result<DeliverableFile> Office::add_deliverable_file(const Caller& caller, const std::string& number, const std::string& slot,
                                                     const std::string& path, const std::string& name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {  // FIFOs and devices stream fine
    return make_error(Code::invalid_argument, "file.not_regular", "«" + path + "» no es un archivo (¿es una carpeta?). Indique la ruta de un archivo.",
                      "\"" + path + "\" is not a file (a folder?). Give the path of a file.");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Code::not_found, "file.unreadable", "No se puede leer el archivo «" + path + "».", "Cannot read the file \"" + path + "\".");
  }
  auto upload = begin_upload(caller, number, slot, name, std::nullopt, Library::kNoLimit);
  if (!upload) return upload.error();
  std::vector<char> buffer(std::size_t{1} << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = in.gcount();
    if (n <= 0) break;
    if (auto st = (*upload)->write(buffer.data(), static_cast<std::size_t>(n)); !st) return st.error();
  }
  if (in.bad()) {
    return make_error(Code::invalid_argument, "file.read_failed", "No se pudo leer «" + path + "» hasta el final; revise el archivo y vuelva a intentar.",
                      "Reading \"" + path + "\" failed before its end; check the file and try again.");
  }
  return (*upload)->finish();
}

Status Office::remove_deliverable(const Caller& caller, const std::string& number, const std::string& slot, const std::string& name) {
  return store_.write([&](WriteTx& tx) -> Status {
    Release rel;
    const Timestamp now = clock_.now();
    if (auto s = check_upload(tx, caller, number, slot, name, now, &rel, true); !s) return s;
    json before;
    for (const auto& f : rel.files) {
      if (f.slot == slot && f.name == name) before = {{"slot", slot}, {"name", name}, {"sha256", f.sha256}, {"size", f.size}};
    }
    if (auto s = tx.remove_file(number, slot, name); !s) return s;
    if (auto s = tx.bump_release(number, rel.row_version, rel.state, now); !s) return s;
    auto e = tx.append_event(event(caller, now, "deliverable.remove", number, before, nullptr));
    return e ? ok_status() : Status(e.error());
  });
}

}  // namespace pasaprod
