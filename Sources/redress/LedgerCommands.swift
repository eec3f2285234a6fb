import ArgumentParser
import Crypto
import Foundation
import RedressDomain
import RedressDossier
import RedressStorage

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `redress verify-dossier`: checks a dossier with no server and no database.
struct VerifyDossier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-dossier",
        abstract: "Verify a case dossier offline: file hashes, the event chain, every entry's inclusion in the signed head, the head's signature.",
        discussion: "Prints OK with the counts, or the first failure (which file or event, what was expected, what was found) and exits 1.")

    @Argument(help: "The dossier ZIP file.")
    var file: String

    @Option(
        name: .long,
        help:
            "The log's public key, obtained independently: a file holding PEM, hex, base64 or the JSON of GET /api/v1/ledger/key (or the key itself)."
    )
    var key: String?

    func run() async throws {
        var trusted: [UInt8]?
        if let key {
            let text = FileManager.default.contents(atPath: key).map { String(decoding: $0, as: UTF8.self) } ?? key
            guard let raw = LedgerPublicKey.parse(text) else {
                throw ValidationError(
                    "--key: \(key) is neither a readable key file nor a key (PEM, 64 hex digits, base64 of 32 bytes, or the JSON of /ledger/key)")
            }
            trusted = raw
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            print("FAILED: cannot read \(file)")
            throw ExitCode(2)
        }
        switch DossierArchive.verify(zip: data, trustedKey: trusted) {
        case .success(let r):
            let withheld = r.withheld > 0 ? " (\(r.withheld) internal note(s) withheld, their hashes checked)" : ""
            print(
                "OK: case \(r.caseNumber): \(r.events) event(s)\(withheld), \(r.files) evidence file(s); \(r.entries) log entries included in the signed head of tree size \(r.treeSize), signed by key \(r.keyId)\(key == nil ? " (the key shipped in the dossier; pass --key to check against a key you obtained yourself)" : "")"
            )
        case .failure(let f):
            print("FAILED: \(f.message)")
            throw ExitCode(1)
        }
    }
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The evidence log: watch a server's log for rewritten history, rotate the signing key.",
        subcommands: [LedgerWatch.self, LedgerRotateKey.self])
}

/// `redress ledger watch`: a monitor that fails loudly when the log contradicts a head it signed before.
struct LedgerWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Fetch the latest signed head, check it extends the head seen last (consistency proof), and remember it.",
        discussion:
            "Exit status: 0 consistent, 1 history rewritten or signature invalid, 2 a head signed by a key not trusted yet, 3 the server could not be read."
    )

    @Option(name: .long, help: "The Redress server, e.g. http://127.0.0.1:8080")
    var server: String

    @Option(name: .long, help: "Where the last accepted head and the trusted keys are kept (created on the first run).")
    var state: String

    @Option(name: .long, help: "Keep watching, checking every this many seconds.")
    var every: Double?

    @Flag(name: .long, help: "Trust a key the server publishes that this monitor has not seen (after checking it out of band).")
    var acceptNewKey = false

    func run() async throws {
        guard let base = URL(string: server), base.scheme == "http" || base.scheme == "https" else {
            throw ValidationError("--server must be an http(s) URL, e.g. http://127.0.0.1:8080")
        }
        if let every, every <= 0 { throw ValidationError("--every must be a positive number of seconds") }
        while true {
            do {
                try await checkOnce(base)
            } catch let e as ExitCode where e.rawValue == 3 && every != nil {
                // Unreachable: report and try again; a rewritten log stops the monitor at once.
            }
            guard let every else { return }
            try await Task.sleep(for: .milliseconds(Int(every * 1000)))
        }
    }

    func checkOnce(_ base: URL) async throws {
        var previous: LedgerWatchState?
        if let data = FileManager.default.contents(atPath: state) {
            guard let s = try? JSONDecoder().decode(LedgerWatchState.self, from: data) else {
                throw ValidationError("--state: \(state) is not a state file written by redress ledger watch")
            }
            previous = s
        }
        struct KeysDocument: Decodable { var keys: [LedgerPublicKey] }
        struct PublishedKey: Decodable {
            var keyId: String
            var publicKey: String
        }
        struct PublishedKeys: Decodable { var keys: [PublishedKey] }
        struct ConsistencyDocument: Decodable { var proof: [String] }
        let keys = try await fetch(PublishedKeys.self, base, "api/v1/ledger/key").keys.compactMap { k -> LedgerPublicKey? in
            guard let raw = Data(base64Encoded: k.publicKey) else { return nil }
            let key = LedgerPublicKey(raw: [UInt8](raw), createdAtMs: 0)
            return key.keyId == k.keyId ? key : nil
        }
        let head = try await fetch(SignedTreeHead.self, base, "api/v1/ledger/head")
        var proof: [MerkleTree.Hash]?
        if let need = LedgerMonitor.proofNeeded(previous: previous, head: head) {
            let doc = try await fetch(ConsistencyDocument.self, base, "api/v1/ledger/proofs/consistency?from=\(need.from)&to=\(need.to)")
            proof = doc.proof.compactMap(HexCoding.decode)
            if proof?.count != doc.proof.count { proof = nil }
        }
        let (verdict, next) = LedgerMonitor.check(
            server: base.absoluteString, previous: previous, head: head, publishedKeys: keys, acceptNewKey: acceptNewKey, consistencyProof: proof,
            now: Date())
        let stamp = ISO8601DateFormatter().string(from: Date())
        switch verdict {
        case .consistent(let message):
            if let next {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let temporary = state + ".new"
                try encoder.encode(next).write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, state) == 0 else { throw ValidationError("cannot write \(state)") }
            }
            print("\(stamp) OK: \(message)")
        case .rewritten(let message):
            print("\(stamp) LEDGER HISTORY REWRITTEN: \(message)")
            print("The state file \(state) still holds the last good head; keep it as evidence.")
            throw ExitCode(1)
        case .untrustedKey(let message):
            print("\(stamp) UNTRUSTED KEY: \(message)")
            throw ExitCode(2)
        }
    }

    func fetch<T: Decodable>(_ type: T.Type, _ base: URL, _ path: String) async throws -> T {
        guard let url = URL(string: path, relativeTo: base.appendingPathComponent("/")) else { throw ExitCode(3) }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(from: url)
        } catch {
            print("\(ISO8601DateFormatter().string(from: Date())) UNREACHABLE: \(url.absoluteString): \(error.localizedDescription)")
            throw ExitCode(3)
        }
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            print("UNREADABLE: \(url.absoluteString) answered HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            throw ExitCode(3)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            print("UNREADABLE: \(url.absoluteString) did not return the expected JSON: \(error)")
            throw ExitCode(3)
        }
    }
}

/// `redress ledger rotate-key`: a new signing key; the old public key stays on record so that old heads verify.
struct LedgerRotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Replace the log's signing key. Run with the server stopped; heads signed with the old key stay verifiable.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { c, db in
            let key = Curve25519.Signing.PrivateKey()
            let now = Date().millisecondsSince1970
            let publicKey = LedgerPublicKey(raw: Array(key.publicKey.rawRepresentation), createdAtMs: now)
            let temporary = c.ledgerKeyPath + ".new"
            guard FileManager.default.createFile(atPath: temporary, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(temporary)")
            }
            try await db.activateLedgerKey(publicKey)
            guard rename(temporary, c.ledgerKeyPath) == 0 else { throw ValidationError("cannot replace \(c.ledgerKeyPath)") }
            print("New log signing key \(publicKey.keyId) is active; earlier keys are kept (retired) in the store so their heads still verify.")
        }
    }
}

/// The master keyring of personal data (`PersonalDataVault`).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "The master keys that wrap every person's data key: add one, see which wrap how many, wrap again.",
        subcommands: [KeysAdd.self, KeysStatus.self, KeysRewrap.self, KeysSealExisting.self])
}

struct KeysAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract:
            "Add a new current master key to the keyring (REDRESS_MASTER_KEY_FILE, or master.keys in the data folder); running servers wrap every data key by it within minutes, no stop needed."
    )
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let path = PersonalDataVault.keyringPath(folder: store.configuration().dataDirectory)
        let vault = try PersonalDataVault(keyringPath: path)
        let id = try vault.addMasterKey()
        print("master key \(id) added to \(path) and made current.")
        print(
            "Servers sharing the database need the same keyring file; keep the older lines until `redress keys status` shows no data key under them.")
    }
}

struct KeysStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the keyring's master keys and how many live data keys each wraps (SQLite: the server stopped).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { c, db in
            let path = PersonalDataVault.keyringPath(folder: c.dataDirectory)
            let ids = try PersonalDataVault(keyringPath: path).masterKeyIds
            let inUse = try await db.masterKeysInUse()
            print("keyring \(path)")
            for id in ids { print("  \(id)\(id == ids.last ? " (current)" : "")  wraps \(inUse[id] ?? 0) data keys") }
            for (id, n) in inUse where !ids.contains(id) { print("  \(id) (NOT IN THE KEYRING)  wraps \(n) data keys") }
        }
    }
}

struct KeysRewrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrap", abstract: "Wrap every data key by the current master key now (what running servers do by themselves each minute).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { _, db in
            let n = try await db.rewrapDataKeys(batch: 1_000)
            print("\(n) data keys wrapped by the current master key")
        }
    }
}

struct KeysSealExisting: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal-existing",
        abstract:
            "Seal what a store from before encryption holds in plain text (case bodies, events' words, file names), 200 cases per transaction (SQLite: the server stopped)."
    )
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { _, db in
            var after: String?
            var cases = 0
            var sealed = 0
            while true {
                let (n, last) = try await db.sealStoredBeforeEncryption(after: after, limit: 200)
                guard let last else { break }
                sealed += n
                cases += 200
                after = last
                if cases % 10_000 == 0 { print("… \(cases) cases, \(sealed) values sealed") }
            }
            print("\(sealed) values sealed")
        }
    }
}
