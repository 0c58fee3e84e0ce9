#ifndef CSQLITE_MEMORY_H
#define CSQLITE_MEMORY_H

/// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`), which take a process-wide
/// mutex around every allocation SQLite makes. Only possible before SQLite initializes, that is
/// before the process opens its first connection; returns SQLite's result code (`SQLITE_MISUSE`
/// when it came too late, and nothing changed). `sqlite3_config` is variadic, which Swift cannot
/// call: hence this one C function.
int paysync_sqlite_disable_memory_statistics(void);

#endif
