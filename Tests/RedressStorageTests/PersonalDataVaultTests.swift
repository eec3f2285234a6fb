import Foundation
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
}
