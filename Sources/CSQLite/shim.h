// Umbrella over SQLite 3 (Debian libsqlite3-dev).
#ifndef G60_CSQLITE_SHIM_H
#define G60_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
