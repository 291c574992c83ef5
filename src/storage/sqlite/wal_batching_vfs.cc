#include "storage/sqlite/wal_batching_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace pasaprod::sqlite {
namespace {

// The default VFS writes at most 0x1ffff bytes per call (it masks the length, so a larger
// write can come out short and be reported as a full disk): one flush stays below that.
constexpr std::size_t kMaxGathered = 120u << 10;

// What SQLite allocates per open file (vfs.szOsFile bytes): this header, then the wrapped
// file of the default VFS at kRealOffset.
struct ShimFile {
  sqlite3_file base;  // first: SQLite's view of the file
  sqlite3_file* real;
  // WAL file: appended bytes not written yet, starting at offset `gathered_at`. Null for other
  // files.
  std::vector<unsigned char>* gathered;
  sqlite3_int64 gathered_at;
  // A write that failed where it could not be reported (xShmBarrier): every later call on the
  // WAL file fails with it, as the file no longer holds what SQLite wrote.
  int deferred_error;
  ShimFile* db;        // WAL file: its database file, while both are open
  ShimFile* wal;       // database file: its WAL file, while both are open
};
static_assert(std::is_standard_layout_v<ShimFile> && std::is_trivially_copyable_v<ShimFile>);
constexpr int kRealOffset = (sizeof(ShimFile) + 15) / 16 * 16;

ShimFile* shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return shim(f)->real; }
const sqlite3_io_methods* ops(sqlite3_file* f) { return real(f)->pMethods; }
sqlite3_vfs* root(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// Writes the gathered bytes of a WAL file (no-op for other files or an empty buffer).
int flush(ShimFile* f) {
  if (f == nullptr || f->gathered == nullptr) return SQLITE_OK;
  if (f->deferred_error != SQLITE_OK) return f->deferred_error;
  if (f->gathered->empty()) return SQLITE_OK;
  int rc = f->real->pMethods->xWrite(f->real, f->gathered->data(), static_cast<int>(f->gathered->size()),
                                     f->gathered_at);
  f->gathered->clear();
  return rc;
}
int flush(sqlite3_file* f) { return flush(shim(f)); }

int x_close(sqlite3_file* f) {
  ShimFile* s = shim(f);
  int rc = flush(s);
  if (s->db != nullptr) s->db->wal = nullptr;
  if (s->wal != nullptr) s->wal->db = nullptr;
  delete s->gathered;
  s->gathered = nullptr;
  int closed = ops(f)->xClose(real(f));
  return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return ops(f)->xRead(real(f), out, amount, offset);
}

int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  ShimFile* s = shim(f);
  if (s->gathered == nullptr) return ops(f)->xWrite(real(f), data, amount, offset);
  if (s->deferred_error != SQLITE_OK) return s->deferred_error;
  std::vector<unsigned char>& g = *s->gathered;
  const auto size = static_cast<std::size_t>(amount);
  const bool continues = !g.empty() && offset == s->gathered_at + static_cast<sqlite3_int64>(g.size());
  if (!continues || g.size() + size > kMaxGathered) {
    if (int rc = flush(s); rc != SQLITE_OK) return rc;
    if (size > kMaxGathered) return ops(f)->xWrite(real(f), data, amount, offset);
    s->gathered_at = offset;
  }
  const auto* bytes = static_cast<const unsigned char*>(data);
  g.insert(g.end(), bytes, bytes + size);
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return ops(f)->xTruncate(real(f), size);
}

int x_sync(sqlite3_file* f, int flags) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return ops(f)->xSync(real(f), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return ops(f)->xFileSize(real(f), size);
}

int x_lock(sqlite3_file* f, int level) { return ops(f)->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return ops(f)->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return ops(f)->xCheckReservedLock(real(f), out); }

int x_file_control(sqlite3_file* f, int op, void* arg) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return ops(f)->xFileControl(real(f), op, arg);
}

int x_sector_size(sqlite3_file* f) { return ops(f)->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) { return ops(f)->xDeviceCharacteristics(real(f)); }

int x_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  return ops(f)->xShmMap(real(f), page, page_size, extend, out);
}

int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (int rc = flush(shim(f)->wal); rc != SQLITE_OK) return rc;
  return ops(f)->xShmLock(real(f), offset, n, flags);
}

void x_shm_barrier(sqlite3_file* f) {
  if (ShimFile* wal = shim(f)->wal; wal != nullptr) wal->deferred_error = flush(wal);
  ops(f)->xShmBarrier(real(f));
}

int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  if (int rc = flush(shim(f)->wal); rc != SQLITE_OK) return rc;
  return ops(f)->xShmUnmap(real(f), delete_flag);
}

int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return ops(f)->xFetch(real(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) { return ops(f)->xUnfetch(real(f), offset, p); }

const sqlite3_io_methods kMethods = {
    3,           x_close,        x_read,       x_write,     x_truncate,       x_sync,
    x_file_size, x_lock,         x_unlock,     x_check_reserved, x_file_control, x_sector_size,
    x_device_characteristics,    x_shm_map,    x_shm_lock,  x_shm_barrier,    x_shm_unmap,
    x_fetch,     x_unfetch,
};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* s = shim(file);
  std::memset(s, 0, sizeof(ShimFile));
  s->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  int rc = root(vfs)->xOpen(root(vfs), name, s->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;  // base.pMethods stays null: SQLite will not call x_close
  if (s->real->pMethods->iVersion < 3) {  // the default VFS always has shm and mmap
    s->real->pMethods->xClose(s->real);
    return SQLITE_CANTOPEN;
  }
  s->base.pMethods = &kMethods;
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    s->gathered = new (std::nothrow) std::vector<unsigned char>();
    sqlite3_file* db = name != nullptr ? sqlite3_database_file_object(name) : nullptr;
    if (db != nullptr && db->pMethods == &kMethods) {
      s->db = shim(db);
      shim(db)->wal = s;
    }
  }
  return SQLITE_OK;
}

sqlite3_vfs make_vfs() {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  sqlite3_vfs v{};
  v.iVersion = 3;
  v.szOsFile = kRealOffset + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = "pasaprod-wal-batching";
  v.pAppData = base;
  v.xOpen = x_open;
  v.xDelete = [](sqlite3_vfs* s, const char* n, int sync) { return root(s)->xDelete(root(s), n, sync); };
  v.xAccess = [](sqlite3_vfs* s, const char* n, int f, int* out) { return root(s)->xAccess(root(s), n, f, out); };
  v.xFullPathname = [](sqlite3_vfs* s, const char* n, int size, char* out) {
    return root(s)->xFullPathname(root(s), n, size, out);
  };
  v.xDlOpen = [](sqlite3_vfs* s, const char* n) { return root(s)->xDlOpen(root(s), n); };
  v.xDlError = [](sqlite3_vfs* s, int size, char* out) { root(s)->xDlError(root(s), size, out); };
  v.xDlSym = [](sqlite3_vfs* s, void* h, const char* sym) { return root(s)->xDlSym(root(s), h, sym); };
  v.xDlClose = [](sqlite3_vfs* s, void* h) { root(s)->xDlClose(root(s), h); };
  v.xRandomness = [](sqlite3_vfs* s, int n, char* out) { return root(s)->xRandomness(root(s), n, out); };
  v.xSleep = [](sqlite3_vfs* s, int us) { return root(s)->xSleep(root(s), us); };
  v.xCurrentTime = [](sqlite3_vfs* s, double* out) { return root(s)->xCurrentTime(root(s), out); };
  v.xGetLastError = [](sqlite3_vfs* s, int n, char* out) { return root(s)->xGetLastError(root(s), n, out); };
  v.xCurrentTimeInt64 = [](sqlite3_vfs* s, sqlite3_int64* out) { return root(s)->xCurrentTimeInt64(root(s), out); };
  v.xSetSystemCall = [](sqlite3_vfs* s, const char* n, sqlite3_syscall_ptr p) {
    return root(s)->xSetSystemCall(root(s), n, p);
  };
  v.xGetSystemCall = [](sqlite3_vfs* s, const char* n) { return root(s)->xGetSystemCall(root(s), n); };
  v.xNextSystemCall = [](sqlite3_vfs* s, const char* n) { return root(s)->xNextSystemCall(root(s), n); };
  return v;
}

}  // namespace

const char* wal_batching_vfs() {
  // Registered once and never changed or unregistered: SQLite keeps a pointer to it.
  static sqlite3_vfs vfs = make_vfs();
  static const int registered = sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  (void)registered;
  return vfs.zName;
}

}  // namespace pasaprod::sqlite
