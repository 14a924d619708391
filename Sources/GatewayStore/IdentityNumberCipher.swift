/// What the store needs to keep identity numbers encrypted at rest: authenticated encryption bound to a context.
///
/// GatewayStore does not link OpenSSL; the node injects an implementation through `SQLiteStoreOptions`
/// (GatewayCrypto's AES-256-GCM `FieldCipher`, keyed from the configuration's `identityKey.*`, never from the
/// database). `open` must fail when the sealed bytes were altered or sealed under another `context`: the store
/// passes the row's identity hash and document type, so a ciphertext copied into another row does not open.
public protocol IdentityNumberCipher: Sendable {
    /// Encrypts `plaintext` bound to `context` (a fresh nonce per call).
    func seal(_ plaintext: [UInt8], context: [UInt8]) throws -> [UInt8]
    /// Decrypts what `seal` produced under the same key and `context`; throws on any mismatch.
    func open(_ sealed: [UInt8], context: [UInt8]) throws -> [UInt8]
}

/// How the store seals the rows of `identity_sealed`.
enum IdentitySealing {
    /// The additional authenticated data of one row: table, format and the row's key columns.
    static func context(hash: String, documentType: String) -> [UInt8] {
        Array("g60.identity_sealed.v1\u{0}\(hash)\u{0}\(documentType)".utf8)
    }

    static func seal(
        _ cipher: (any IdentityNumberCipher)?, clear: String, hash: String, documentType: String, what: String
    ) throws -> [UInt8] {
        guard let cipher else {
            throw StoreError(
                StoreError.identityKeyMissing,
                "\(what) carries a clear identity number (\(hash.prefix(20))…) but the store has no identity key: "
                    + "configure identityKey.file, identityKey.hex or identityKey.demo; nothing was stored")
        }
        do {
            return try cipher.seal(Array(clear.utf8), context: context(hash: hash, documentType: documentType))
        } catch {
            throw StoreError(
                StoreError.identityUnreadable, "cannot encrypt the identity number of \(what)",
                underlying: "\(error)")
        }
    }

    static func open(_ cipher: (any IdentityNumberCipher)?, sealed: [UInt8], hash: String, documentType: String)
        throws -> String
    {
        guard let cipher else {
            throw StoreError(
                StoreError.identityKeyMissing,
                "the identity number for \(hash) is encrypted and the store has no identity key to read it: "
                    + "configure identityKey.file, identityKey.hex or identityKey.demo")
        }
        do {
            let clear = try cipher.open(sealed, context: context(hash: hash, documentType: documentType))
            return String(decoding: clear, as: UTF8.self)
        } catch {
            throw StoreError(
                StoreError.identityUnreadable,
                "the encrypted identity number stored for \(hash) (\(documentType)) does not open: it was altered, "
                    + "copied from another row, or sealed under another identity key",
                underlying: "\(error)")
        }
    }
}
