import Foundation
import GRDB
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// The keys of personal data at rest: a master keyring, a data key per person, rotation without a stop.
@Suite("Personal data keys")
struct PersonalDataVaultTests {
    static func keyring(_ f: StoreFixture) -> String { f.directory.appendingPathComponent("master.keys").path }

    @Test func aSealedValueOpensOnlyAsItsOwnersAndNotOnceItsKeyIsDestroyed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString).keys").path
        let vault = try PersonalDataVault(keyringPath: path)
        let a = try vault.mint(owner: "member-a")
        let b = try vault.mint(owner: "member-b")
        let sealed = try vault.seal("电话 13900001111", owner: "member-a")
        #expect(sealed.hasPrefix(PersonalDataVault.prefix) && !sealed.contains("13900001111"))
        #expect(try vault.open(sealed) == "电话 13900001111")
        // Two seals of one value differ (a fresh nonce each), so equal values cannot be told apart at rest.
        #expect(try vault.seal("电话 13900001111", owner: "member-a") != sealed)
        // Moved under another person's key id, it does not open (the key id is the associated data).
        let moved = sealed.replacingOccurrences(of: a.id, with: b.id)
        #expect(throws: StoreError.self) { try vault.open(moved) }
        // A value stored before encryption reads as it is.
        #expect(try vault.open("plain") == "plain")
        vault.forget(owner: "member-a", keyIds: [a.id])
        #expect(try vault.open(sealed) == nil)
        // The keyring file is the server's alone.
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
    }

    @Test(arguments: StoreEngine.allCases) func aNewMasterKeyIsTakenUpAndTheOldOneCanThenBeRemoved(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member("rotate@example.cn")
        let c = try await f.created(m, StoreFixture.draft(narrative: "换钥匙之前写下的投诉内容"))
        let path = Self.keyring(f)
        let old = try String(contentsOfFile: path, encoding: .utf8)
        let vault = try PersonalDataVault(keyringPath: path)
        let first = vault.currentMasterKeyId
        let added = try vault.addMasterKey()
        #expect(added != first && vault.masterKeyIds == [first, added])
        // The store reads the keyring again when it rewraps (a key added while it runs).
        let wrapped = try await f.store.rewrapDataKeys(batch: 1)
        #expect(wrapped >= 2)  // the member's key and the log-in index key, one at a time
        #expect(try await f.store.masterKeysInUse() == [added: wrapped])
        #expect(try await f.store.rewrapDataKeys(batch: 10) == 0)
        // The old key is no longer needed: removed from the keyring, everything still opens.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix(first) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains(first + " "))
        if let p = f.store as? PostgresStore { await p.close() }
        let reopened = try await f.reopen()
        #expect(try await reopened.complaint(id: c.id)?.narrative == "换钥匙之前写下的投诉内容")
        #expect(try await reopened.user(login: "rotate@example.cn")?.user.id == m.id)
        // Another keyring opens nothing: the store refuses in a sentence instead of reading garbage.
        if let p = reopened as? PostgresStore { await p.close() }
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try PersonalDataVault(keyringPath: path + ".other")  // a keyring of its own, made on first use
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: path + ".other", toPath: path)
        do {
            _ = try await f.reopen()
            Issue.record("a store opened with a keyring that holds none of its master keys")
        } catch let e as StoreError {
            #expect("\(e)".contains("master key") && "\(e)".contains(path), "\(e)")
        }
    }

    /// A store from before encryption: what it holds in plain text is sealed by `redress keys seal-existing`, and reads
    /// and verifies the same afterwards.
    @Test(arguments: StoreEngine.allCases) func whatWasStoredBeforeEncryptionIsSealedInPlace(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let c = try await f.created(m, StoreFixture.draft(narrative: "升级之前写下的投诉：电话13900001111"))
        let events = try await f.store.timeline(complaintId: c.id)
        // Written back in plain text, as a store from before encryption holds it.
        let body = String(decoding: c.storageBytes, as: UTF8.self)
        let payloads = events.map { (sequence: $0.sequence, text: String(decoding: CanonicalValue.object($0.payload).canonicalBytes, as: UTF8.self)) }
        switch engine {
        case .sqlite:
            try await f.raw().write { try $0.execute(sql: "DROP TRIGGER events_no_update") }
            try await f.unseal(c.id)
            try await f.raw().write { try $0.execute(sql: SQLiteStore.eventsNoUpdate) }
        case .postgres:
            let p = try #require(f.store as? PostgresStore)
            try await p.rows("ALTER TABLE events DISABLE TRIGGER events_append_only")
            try await p.rows("UPDATE complaints SET body = \(body) WHERE id = \(c.id)")
            for e in payloads { try await p.rows("UPDATE events SET payload = \(e.text) WHERE complaint_id = \(c.id) AND sequence = \(e.sequence)") }
            try await p.rows("ALTER TABLE events ENABLE TRIGGER events_append_only")
        }
        func stored() async throws -> [String] {
            switch engine {
            case .sqlite:
                return try await f.raw().read { db in
                    try String.fetchAll(db, sql: "SELECT body FROM complaints UNION ALL SELECT payload FROM events")
                }
            case .postgres:
                let p = try #require(f.store as? PostgresStore)
                return try await p.rows("SELECT body FROM complaints UNION ALL SELECT payload FROM events").map { try $0.decode(String.self) }
            }
        }
        #expect(try await stored().contains { $0.contains("13900001111") })
        var after: String?
        var sealed = 0
        while true {
            let (n, last) = try await f.store.sealStoredBeforeEncryption(after: after, limit: 1)
            guard let last else { break }
            sealed += n
            after = last
        }
        #expect(sealed == 1 + events.count)
        #expect(try await stored().allSatisfy { $0.hasPrefix(PersonalDataVault.prefix) })
        // Twice is once.
        #expect(try await f.store.sealStoredBeforeEncryption(after: nil, limit: 10).sealed == 0)
        let reopened = try await f.reopen()
        #expect(try await reopened.complaint(id: c.id)?.narrative == c.narrative)
        #expect(try await reopened.timeline(complaintId: c.id) == events)
        #expect(try await StoreVerifier(store: reopened).verifyAll().firstFailure == nil)
        // Events are still append-only afterwards.
        if engine == .sqlite {
            await #expect(throws: (any Error).self) {
                try await f.raw().write { db in try db.execute(sql: "UPDATE events SET kind = kind WHERE complaint_id = ?", arguments: [c.id]) }
            }
        }
    }
}
