import CSQLite

/// Facts about the SQLite library the store is linked against.
public enum SQLiteLibrary {
    /// The version of the running libsqlite3, e.g. "3.40.1".
    public static var versionText: String {
        String(cString: sqlite3_libversion())
    }

    /// Whether the library was built thread-safe; the store relies on it for one connection per worker.
    public static var isThreadSafe: Bool {
        sqlite3_threadsafe() != 0
    }
}
