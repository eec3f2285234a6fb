import Crypto
import Foundation
import GRDB
import HTTPTypes
import NIOCore
import RedressDossier
import RedressStorage
import Testing

@testable import RedressAPI
@testable import RedressApp
@testable import RedressDomain

@Suite("Evidence log, receipts and dossiers over HTTP")
struct LedgerAPITests {
    static let note = "内部：商家已承认漏发"

    /// A case with a member message, an image and an internal note by an agent; returns tokens and the case id.
    func preparedCase(_ t: TestApp, _ c: Client) async throws -> (member: String, agent: String, admin: String, id: String) {
        _ = try await t.staff(.agent, login: "agent@x.cn")
        _ = try await t.staff(.admin, login: "admin@x.cn")
        let m = try await c.member("m@x.cn")
        let agent = try await c.login("agent@x.cn")
        let admin = try await c.login("admin@x.cn")
        _ = try await c.file(m)
        let id = try await c.file(m, Client.complaint(narrative: "98 元点券没有到账"))
        try #require(try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: m, json: #"{"body":"请尽快处理"}"#).status == .created)
        let (h, body) = EvidenceAPITests.multipart(EvidenceAPITests.png)
        try #require(try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body).status == .created)
        try #require(
            try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"\#(Self.note)","visibility":"internal"}"#)
                .status
                == .created)
        try #require(try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"已联系商家补发"}"#).status == .created)
        return (m, agent, admin, id)
    }

    func key(_ c: Client) async throws -> Curve25519.Signing.PublicKey {
        let r = try await c.call(.get, "/api/v1/ledger/key")
        let raw = try #require(LedgerPublicKey.parse(String(buffer: r.body)))
        return try Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    func head(_ r: Reply) throws -> SignedTreeHead { try JSONDecoder().decode(SignedTreeHead.self, from: Data(buffer: r.body)) }

    @Test func headsKeyAndProofsVerifyIndependently() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let (m, _, admin, _) = try await preparedCase(t, c)
            let key = try await key(c)
            let h1 = try head(try await c.call(.post, "/api/v1/ledger/heads", token: admin))
            #expect(h1.verify(with: key))
            let latest = try head(try await c.call(.get, "/api/v1/ledger/head"))
            #expect(latest == h1)

            _ = try await c.file(m)
            let signed = try await c.call(.post, "/api/v1/ledger/heads", token: admin)
            #expect(signed.status == .created)
            let h2 = try head(signed)
            #expect(h2.treeSize == h1.treeSize + 2 && h2.verify(with: key))
            #expect(try await c.call(.post, "/api/v1/ledger/heads", token: admin).status == .ok)  // nothing new to sign

            let p = try await c.call(.get, "/api/v1/ledger/proofs/consistency?from=\(h1.treeSize)&to=\(h2.treeSize)")
            let proof = (p["proof"] as? [String] ?? []).compactMap(HexCoding.decode)
            #expect(MerkleTree.verifyConsistency(oldSize: h1.treeSize, newSize: h2.treeSize, oldRoot: h1.root!, newRoot: h2.root!, proof: proof))

            for leaf in [0, 3, h2.treeSize - 1] {
                let r = try await c.call(.get, "/api/v1/ledger/proofs/inclusion?leafIndex=\(leaf)&treeSize=\(h2.treeSize)")
                let path = (r["auditPath"] as? [String] ?? []).compactMap(HexCoding.decode)
                let leafHash = HexCoding.decode(r["leafHash"] as? String ?? "") ?? []
                #expect(r["rootHash"] as? String == h2.rootHash)
                #expect(MerkleTree.verifyInclusion(leafHash: leafHash, leafIndex: leaf, treeSize: h2.treeSize, proof: path, root: h2.root!))
            }
            let heads = try await c.call(.get, "/api/v1/ledger/heads?from=\(h1.treeSize)")
            #expect((heads.json as? [[String: Any]])?.compactMap { $0["treeSize"] as? Int } == [h1.treeSize, h2.treeSize])

            // Bad input names the parameter.
            for (query, field) in [
                ("leafIndex=0", "treeSize"), ("treeSize=1", "leafIndex"), ("leafIndex=5&treeSize=5", "leafIndex"),
                ("leafIndex=0&treeSize=0", "treeSize"),
                ("leafIndex=0&treeSize=\(h2.treeSize + 1)", "treeSize"), ("leafIndex=x&treeSize=2", "leafIndex"),
            ] {
                let r = try await c.call(.get, "/api/v1/ledger/proofs/inclusion?\(query)")
                #expect(r.status == .badRequest && r.errorField == field, "\(query): \(String(buffer: r.body))")
            }
            let backwards = try await c.call(.get, "/api/v1/ledger/proofs/consistency?from=5&to=4")
            #expect(backwards.status == .badRequest && backwards.errorField == "from")
            #expect(try await c.call(.post, "/api/v1/ledger/heads", token: m).status == .forbidden)
            #expect(try await c.call(.post, "/api/v1/ledger/heads").status == .unauthorized)
        }
    }

    @Test func receiptsProveEachSubmissionAndHideInternalNotesFromMembers() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let (m, agent, _, id) = try await preparedCase(t, c)
            let key = try await key(c)
            struct Receipts: Decodable { var receipts: [Receipt] }
            let mine = try JSONDecoder().decode(
                Receipts.self, from: Data(buffer: try await c.call(.get, "/api/v1/complaints/\(id)/receipts", token: m).body))
            let all = try JSONDecoder().decode(
                Receipts.self, from: Data(buffer: try await c.call(.get, "/api/v1/complaints/\(id)/receipts", token: agent).body))
            #expect(all.receipts.count == mine.receipts.count + 1)
            #expect(mine.receipts.contains { $0.kind == "evidence_file" && $0.sha256 == sha256Hex(EvidenceAPITests.png) })
            #expect(!mine.receipts.contains { $0.event?.contains(Self.note) == true })
            #expect(all.receipts.contains { $0.event?.contains(Self.note) == true })
            for r in mine.receipts + all.receipts { #expect(r.problem(verifyingWith: key) == nil, "\(r.kind) \(r.sequence ?? -1)") }
            #expect(mine.receipts.contains { $0.event?.contains("请尽快处理") == true })
            let other = try await c.member("other@x.cn")
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/receipts", token: other).status == .notFound)
        }
    }

    func dossier(_ c: Client, _ id: String, _ token: String, audience: String? = nil) async throws -> Data {
        let r = try await c.call(.get, "/api/v1/complaints/\(id)/dossier" + (audience.map { "?audience=\($0)" } ?? ""), token: token)
        #expect(r.status == .ok && r.headers[.contentType] == "application/zip", "\(String(buffer: r.body))")
        return Data(buffer: r.body)
    }

    @Test func membersDossierVerifiesAndWithholdsInternalNotes() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let (m, agent, admin, id) = try await preparedCase(t, c)
            let zip = try await dossier(c, id, m)
            guard case .success(let report) = DossierArchive.verify(zip: zip, trustedKey: nil) else {
                Issue.record("\(DossierArchive.verify(zip: zip, trustedKey: nil))")
                return
            }
            #expect(report.withheld == 1 && report.files == 1 && report.entries == report.events + 1)
            let files = try DossierArchive.read(zip)
            #expect(
                Set(files.keys)
                    == [
                        "README.txt", "summary.html", "manifest.json", "events.jsonl", "ledger/tree-head.json", "ledger/proofs.json",
                        "ledger/public-key.pem", "evidence/\(sha256Hex(EvidenceAPITests.png)).png",
                    ])
            for (path, bytes) in files { #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.note), "\(path) leaks the internal note") }
            let summary = String(decoding: files["summary.html"]!, as: UTF8.self)
            #expect(summary.contains("投诉案件档案") && summary.contains("98 元点券没有到账") && summary.contains("已联系商家补发") && summary.contains("¥98.00"))
            #expect(summary.contains("另有 1 条平台内部记录未列入本版本"))
            #expect(String(decoding: files["README.txt"]!, as: UTF8.self).contains("redress verify-dossier"))
            // The key given independently must match.
            let key = try await key(c)
            guard case .success = DossierArchive.verify(zip: zip, trustedKey: Array(key.rawRepresentation)) else {
                Issue.record("with --key"); return
            }

            // The court export: admins only, internal notes included and said so.
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/dossier?audience=court", token: m).status == .forbidden)
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/dossier?audience=court", token: agent).status == .forbidden)
            let bad = try await c.call(.get, "/api/v1/complaints/\(id)/dossier?audience=press", token: admin)
            #expect(bad.status == .badRequest && bad.errorField == "audience")
            let court = try await dossier(c, id, admin, audience: "court")
            guard case .success(let full) = DossierArchive.verify(zip: court, trustedKey: nil) else { Issue.record("court dossier"); return }
            #expect(full.withheld == 0 && full.events == report.events)
            let courtFiles = try DossierArchive.read(court)
            #expect(String(decoding: courtFiles["events.jsonl"]!, as: UTF8.self).contains(Self.note))
            #expect(String(decoding: courtFiles["summary.html"]!, as: UTF8.self).contains("包含平台内部记录"))
            let manifest = try JSONDecoder().decode(DossierManifest.self, from: Data(courtFiles["manifest.json"]!))
            #expect(manifest.internalNotesIncluded && manifest.audience == "court")
        }
    }

    /// Every way of changing a dossier after it left the platform is caught and named.
    @Test func everyChangeToADossierIsNamed() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let (m, _, _, id) = try await preparedCase(t, c)
            let zip = try await dossier(c, id, m)
            let original = try DossierArchive.read(zip)
            let manifest = try JSONDecoder().decode(DossierManifest.self, from: Data(original["manifest.json"]!))
            let evidencePath = manifest.files[0].path
            var lines = String(decoding: original["events.jsonl"]!, as: UTF8.self).split(separator: "\n").map(String.init)
            func withLines(_ l: [String]) -> [UInt8] { Array((l.joined(separator: "\n") + "\n").utf8) }
            func withManifest(_ change: (inout DossierManifest) -> Void) throws -> [UInt8] {
                var m = manifest
                change(&m)
                return Array(try JSONEncoder().encode(m))
            }
            let otherKey = Curve25519.Signing.PrivateKey()
            var cases: [(String, [String: [UInt8]], [UInt8]?, String)] = []
            func mutated(_ name: String, _ expect: String, key: [UInt8]? = nil, _ change: (inout [String: [UInt8]]) throws -> Void) rethrows {
                var files = original
                try change(&files)
                cases.append((name, files, key, expect))
            }
            mutated("edited event", "event 3 (events.jsonl line 3): its content hashes to") {
                $0["events.jsonl"] = withLines(
                    lines.enumerated().map { $0.offset == 2 ? $0.element.replacingOccurrences(of: "请尽快处理", with: "问题已解决") : $0.element })
            }
            mutated("deleted event", "event 2 (events.jsonl line 2): its content hashes to") {
                $0["events.jsonl"] = withLines(lines.enumerated().filter { $0.offset != 1 }.map(\.element))
            }
            mutated("reordered events", "event 1 (events.jsonl line 1): its content hashes to") {
                var l = lines
                l.swapAt(0, 1)
                $0["events.jsonl"] = withLines(l)
            }
            mutated("inserted event", "event 2 (events.jsonl line 2): its content hashes to") {
                var l = lines
                l.insert(lines[1].replacingOccurrences(of: "\"sequence\":2", with: "\"sequence\":3"), at: 1)
                $0["events.jsonl"] = withLines(l)
            }
            mutated("extra line", "events.jsonl has 1 line(s) more") { $0["events.jsonl"] = withLines(lines + [lines[0]]) }
            try mutated("event dropped from the manifest", "the manifest lists sequence 3 in position 2") {
                $0["manifest.json"] = try withManifest { $0.events.remove(at: 1) }
            }
            try mutated("public event withheld", "event 1 is public but withheld") {
                $0["manifest.json"] = try withManifest { $0.events[0].withheld = true }
                $0["events.jsonl"] = withLines(Array(lines.dropFirst()))
            }
            mutated("edited evidence", "evidence file \(evidencePath) (截图.png): its bytes hash to") { $0[evidencePath]![20] ^= 0xFF }
            mutated("missing evidence", "evidence file \(evidencePath) (截图.png) is missing") { $0[evidencePath] = nil }
            try mutated("altered proof", "does not lead to the signed root") {
                var proofs = try JSONDecoder().decode([DossierProof].self, from: Data($0["ledger/proofs.json"]!))
                proofs[0].auditPath[0] = HexCoding.encode(MerkleTree.leafHash([0]))
                $0["ledger/proofs.json"] = Array(try JSONEncoder().encode(proofs))
            }
            mutated("missing proofs", "ledger/proofs.json is missing") { $0["ledger/proofs.json"] = nil }
            try mutated("altered head", "signature does not verify") {
                $0["manifest.json"] = try withManifest { $0.treeHead.treeSize += 1 }
                $0["ledger/tree-head.json"] = nil
            }
            try mutated("head copies disagree", "ledger/tree-head.json differs") {
                $0["manifest.json"] = try withManifest { $0.treeHead.timestampMs += 1 }
            }
            mutated("wrong key", "wrong key: the tree head was signed by key", key: Array(otherKey.publicKey.rawRepresentation)) { _ in }
            mutated("swapped key", "wrong key") {
                $0["ledger/public-key.pem"] = Array(LedgerPublicKey(raw: Array(otherKey.publicKey.rawRepresentation), createdAtMs: 0).pem.utf8)
            }
            try mutated("unknown version", "unknown dossier format version 2; this verifier reads version 1") {
                var object = try #require(try JSONSerialization.jsonObject(with: Data($0["manifest.json"]!)) as? [String: Any])
                object["version"] = 2
                $0["manifest.json"] = Array(try JSONSerialization.data(withJSONObject: object))
            }
            mutated("not a dossier", "manifest.json is missing") { $0["manifest.json"] = nil }
            lines = []
            for (name, files, key, expected) in cases {
                switch DossierVerifier.verify(files: files, trustedKey: key) {
                case .success: Issue.record("\(name): verified")
                case .failure(let f): #expect(f.message.contains(expected), "\(name): \(f.message)")
                }
            }
            // The archive itself: truncated, corrupted, empty.
            func archiveFailure(_ data: Data) -> String {
                if case .failure(let f) = DossierArchive.verify(zip: data, trustedKey: nil) { return f.message }
                return "verified"
            }
            #expect(archiveFailure(zip.prefix(zip.count / 2)).contains("truncated"))
            #expect(archiveFailure(Data()).contains("empty"))
            #expect(archiveFailure(Data("not a zip at all".utf8)).contains("not a ZIP archive"))
            var corrupt = zip
            let pngStart = try #require(corrupt.firstRange(of: Data(EvidenceAPITests.png.prefix(8))))
            corrupt[pngStart.lowerBound + 50] ^= 0xFF  // inside the stored (uncompressed) image
            #expect(archiveFailure(corrupt).contains("damaged"), "\(archiveFailure(corrupt))")
        }
    }

    /// Changes made to the database behind the server's back: its verify endpoint and a dossier exported afterwards both name them.
    @Test func tamperingIsNamedByTheVerifyEndpointAndTheDossier() async throws {
        let mutations: [(name: String, sql: String, verify: String, dossier: String?)] = [
            (
                "edited leaf",
                "UPDATE ledger_leaves SET leaf_hash = randomblob(32) WHERE leaf_index = (SELECT leaf_index FROM ledger_leaves WHERE complaint_id = ? AND event_sequence = 3)",
                "event 3: log leaf", "event 3: its log entry hashes to leaf"
            ),
            // Leaves 4–7 belong to the case; their subtree is on the audit path of the case's leaves 2 and 3.
            (
                "edited node", "UPDATE ledger_nodes SET hash = randomblob(32) WHERE id = (2 << 40) + 1", "does not prove leaf",
                "does not lead to the signed root"
            ),
            ("edited evidence bytes", "UPDATE evidence_blobs SET bytes = X'89504E470D0A1A0A0102'", "expected SHA-256", "its bytes hash to"),
            (
                "edited event", "UPDATE events SET payload = {event 3 with 请尽快处理 as 已解决} WHERE complaint_id = ? AND sequence = 3", "event 3",
                "its content hashes to"
            ),
            (
                "deleted leaf", "DELETE FROM ledger_leaves WHERE complaint_id = ? AND event_sequence = 4", "event 4 has no entry in the evidence log",
                nil
            ),
            ("deleted event", "DELETE FROM events WHERE complaint_id = ? AND sequence = 3", "event 3", "the manifest lists sequence 4 in position 3"),
            (
                "reordered events",
                "UPDATE events SET sequence = 100 WHERE complaint_id = ? AND sequence = 3; UPDATE events SET sequence = 3 WHERE complaint_id = ? AND sequence = 4; UPDATE events SET sequence = 4 WHERE complaint_id = ? AND sequence = 100",
                "event 3",
                "event 3: it follows"
            ),
            (
                "edited signed head",
                "UPDATE ledger_heads SET root_hash = lower(hex(randomblob(32))) WHERE tree_size = (SELECT MAX(tree_size) FROM ledger_heads)",
                "signature does not verify", "signature does not verify"
            ),
            (
                "leaf recording a case's missing event",
                "INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence) VALUES ((SELECT MAX(leaf_index) + 1 FROM ledger_leaves), randomblob(32), ?, 'event', 99)",
                "lies beyond the log in use", nil
            ),
        ]
        for mutation in mutations {
            let t = try await TestApp()
            try await t.test { c in
                let (m, _, admin, id) = try await preparedCase(t, c)
                _ = try await c.call(.post, "/api/v1/ledger/heads", token: admin)
                let clean = try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: m)
                #expect(clean["valid"] as? Bool == true, "\(String(buffer: clean.body))")
                let edited = try await t.plainPayload(id, sequence: 3, replacing: "请尽快处理", with: "已解决")
                let sql = mutation.sql.replacingOccurrences(of: "{event 3 with 请尽快处理 as 已解决}", with: edited)
                let db = try DatabaseQueue(path: t.directory + "/redress.sqlite")
                try await db.write { db in
                    for trigger in [
                        "events_no_update", "events_no_delete", "evidence_blobs_no_update", "ledger_leaves_no_update", "ledger_leaves_no_delete",
                        "ledger_nodes_no_update", "ledger_heads_no_update",
                    ] {
                        try db.execute(sql: "DROP TRIGGER \(trigger)")
                    }
                    for statement in sql.split(separator: ";") {
                        try db.execute(sql: String(statement), arguments: statement.contains("?") ? [id] : [])
                    }
                }
                let r = try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: m)
                let ledger = r["ledger"] as? [String: Any] ?? [:]
                let named =
                    (ledger["firstFailure"] as? String ?? "") + " "
                    + ((r["firstBreak"] as? [String: Any]).map { "event \($0["position"] ?? "")" } ?? "")
                #expect(r["valid"] as? Bool == false && named.contains(mutation.verify), "\(mutation.name): \(String(buffer: r.body))")
                guard let expected = mutation.dossier else {
                    #expect(try await c.call(.get, "/api/v1/complaints/\(id)/dossier", token: m).status == .serviceUnavailable, "\(mutation.name)")
                    return
                }
                let zip = try await dossier(c, id, m)
                switch DossierArchive.verify(zip: zip, trustedKey: nil) {
                case .success: Issue.record("\(mutation.name): the dossier verified")
                case .failure(let f): #expect(f.message.contains(expected), "\(mutation.name): \(f.message)")
                }
            }
        }
    }
}

@Suite("Log key rotation")
struct LedgerKeyRotationTests {
    @Test func headsSignedBeforeARotationStayVerifiable() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        let first: SignedTreeHead = try await t.test { c in
            let m = try await c.member("m@x.cn")
            _ = try await c.file(m)
            let admin = try await c.login("admin@x.cn")
            return try JSONDecoder().decode(
                SignedTreeHead.self, from: Data(buffer: try await c.call(.post, "/api/v1/ledger/heads", token: admin).body))
        }
        // What `redress ledger rotate-key` does: a new key file, the new public key recorded, the old one retired.
        let newKey = Curve25519.Signing.PrivateKey()
        try newKey.rawRepresentation.write(to: URL(fileURLWithPath: t.configuration.ledgerKeyPath))
        try await t.store.activateLedgerKey(LedgerPublicKey(raw: Array(newKey.publicKey.rawRepresentation), createdAtMs: 1_795_939_300_000))
        try await t.test { c in
            let m = try await c.login("m@x.cn")
            _ = try await c.file(m)
            let admin = try await c.login("admin@x.cn")
            let second = try JSONDecoder().decode(
                SignedTreeHead.self, from: Data(buffer: try await c.call(.post, "/api/v1/ledger/heads", token: admin).body))
            #expect(second.keyId == sha256Hex(newKey.publicKey.rawRepresentation) && second.keyId != first.keyId)
            struct Keys: Decodable {
                struct Key: Decodable {
                    var keyId: String
                    var publicKey: String
                    var retiredAt: String?
                }
                var current: Key
                var keys: [Key]
            }
            let keys = try JSONDecoder().decode(Keys.self, from: Data(buffer: try await c.call(.get, "/api/v1/ledger/key").body))
            #expect(keys.current.keyId == second.keyId && keys.keys.count == 2 && keys.current.retiredAt == nil)
            #expect(keys.keys.first { $0.keyId == first.keyId }?.retiredAt != nil)
            for head in [first, second] {
                let k = try #require(keys.keys.first { $0.keyId == head.keyId })
                let key = try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: k.publicKey)!)
                #expect(head.verify(with: key), "head of size \(head.treeSize)")
            }
            let p = try await c.call(.get, "/api/v1/ledger/proofs/consistency?from=\(first.treeSize)&to=\(second.treeSize)")
            let proof = (p["proof"] as? [String] ?? []).compactMap(HexCoding.decode)
            #expect(
                MerkleTree.verifyConsistency(
                    oldSize: first.treeSize, newSize: second.treeSize, oldRoot: first.root!, newRoot: second.root!, proof: proof))
        }
        #expect(try await StoreVerifier(store: t.store).verifyAll().firstFailure == nil)
    }
}
