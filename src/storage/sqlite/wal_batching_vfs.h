// A SQLite VFS that wraps the default one ("unix") and gathers the writes of a commit to the
// write-ahead log into one write.
//
// SQLite appends each WAL frame with two write() calls, its 24-byte header and then its page, so
// an action that changes six B-tree pages costs twelve system calls before the fsync. This VFS
// keeps contiguous appends to a WAL file in memory and writes them with one call before
// anything that depends on them reaches the file or the shared wal-index:
//   - the WAL file's xSync (the commit's fsync, synchronous=FULL), xRead, xTruncate,
//     xFileSize, xFileControl and xClose;
//   - the database file's shared-memory calls (xShmLock, xShmBarrier, xShmUnmap), through which
//     a commit becomes visible to other connections;
//   - a write that does not continue the gathered bytes, or would make them exceed 120 KiB
//     (a commit of up to ~29 pages of 4 KiB is one write; larger ones take several).
// Nothing is acknowledged earlier than with the default VFS: a commit returns only after
// xSync, which writes the gathered bytes and then syncs. A crash before that loses only a
// commit that was never acknowledged; the file format is SQLite's own.
//
// Contract: connections opened with it run with synchronous=FULL (sqlite::Connection always
// does), so the buffer is always empty when a commit is published: xShmBarrier cannot report
// an error; with a lower setting a write failing there would be reported only by the WAL
// file's next call, after the commit was published.
#pragma once

namespace pasaprod::sqlite {

// The name of the VFS, registered with SQLite (not as the default) on the first call;
// thread-safe. Pass it to sqlite3_open_v2.
const char* wal_batching_vfs();

}  // namespace pasaprod::sqlite
