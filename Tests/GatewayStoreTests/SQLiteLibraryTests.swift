import GatewayStore
import Testing

@Test func linksThreadSafeSQLite3() {
    #expect(SQLiteLibrary.versionText.hasPrefix("3."))
    #expect(SQLiteLibrary.isThreadSafe)
}
