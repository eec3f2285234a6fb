import Foundation
import HTTPTypes
import NIOCore
import RedressTestSupport
import Testing

@testable import RedressAPI
@testable import RedressHTTP

@Suite("Evidence uploads")
struct EvidenceAPITests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 200)

    static func multipart(_ bytes: [UInt8], field: String = "file", name: String = "截图.png") -> (HTTPFields, ByteBuffer) {
        let boundary = "----redress\(UUID().uuidString)"
        var body = ByteBuffer()
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], body)
    }

    @Test(arguments: Engine.allCases) func uploadListAndDownload(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let (h, body) = Self.multipart(Self.png)
            let r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body)
            #expect(r.status == .created, "\(String(buffer: r.body))")
            let evidence = r["evidence"] as? [String: Any] ?? [:]
            let sha = evidence["sha256"] as? String ?? ""
            #expect(evidence["mediaType"] as? String == "image/png" && evidence["fileName"] as? String == "截图.png")
            let events = r["events"] as? [[String: Any]] ?? []
            #expect((events.first?["payload"] as? [String: Any])?["sha256"] as? String == sha)
            let again = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body)
            #expect(again.status == .ok && again["alreadyPresent"] as? Bool == true)
            let list = try await c.call(.get, "/api/v1/complaints/\(id)/evidence", token: m)
            #expect((list.json as? [[String: Any]])?.count == 1)
            let file = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(sha)", token: m)
            #expect(file.status == .ok && Array(file.body.readableBytesView) == Self.png)
            #expect(file.headers[.contentType] == "image/png")
            let missing = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(String(repeating: "0", count: 64))", token: m)
            #expect(missing.status == .notFound && missing.errorCode == "evidence_not_found")
            let bad = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/nothex", token: m)
            #expect(bad.status == .badRequest)
        }
    }

    @Test(arguments: Engine.allCases) func refusedUploadsSayWhyAndWriteNothing(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            var (h, body) = Self.multipart(Array("MZ\u{90}\u{0}\u{3}\u{0}".utf8), name: "virus.png")
            var r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body)
            #expect(r.status == .unsupportedMediaType && r.errorCode == "unsupported_media_type")
            (h, body) = Self.multipart(Self.png, field: "photo")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body)
            #expect(r.status == .unprocessableContent && r.errorField == "file")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, json: "{}")
            #expect(r.status == .unsupportedMediaType)
            // The size limit is policy: an admin lowers it to 1 KiB.
            let admin = try await c.login("admin@x.cn")
            var policy = try await c.call(.get, "/api/v1/policy", token: admin).object
            var evidence = policy["evidence"] as? [String: Any] ?? [:]
            evidence["maxFileBytes"] = 1024
            policy["evidence"] = evidence
            let json = String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self)
            r = try await c.call(.put, "/api/v1/policy", token: admin, json: json)
            #expect(r.status == .ok, "\(String(buffer: r.body))")
            (h, body) = Self.multipart(Self.png + Array(repeating: 0, count: 2000))
            r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body)
            #expect(r.status == .contentTooLarge && r.errorCode == "evidence_too_large")
            #expect(try await t.store.evidence(complaintId: id).isEmpty)
            #expect(try await t.store.timeline(complaintId: id).count == 2)
        }
    }
}

@Suite("Multipart bodies")
struct MultipartTests {
    @Test(arguments: Engine.allCases) func hostileBodiesAreRefusedNotCrashed(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let boundary = "XyZ"
            let bodies: [[UInt8]] = [
                // A header name with bytes ≥ 0x80 (this stopped the server with the previous parser).
                Array("--XyZ\r\n".utf8) + [0xE6, 0x96, 0x87, 0x3A, 0x20, 0x61, 0x0D, 0x0A, 0x0D, 0x0A] + Array("abc\r\n--XyZ--\r\n".utf8),
                Array("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno closing delimiter".utf8),
                Array("no delimiter at all".utf8),
                Array("--XyZ\r\nno-colon-header\r\n\r\nx\r\n--XyZ--".utf8),
                [0xFF, 0xFE, 0x00, 0x80],
                [],
            ]
            for body in bodies {
                var buffer = ByteBuffer()
                buffer.writeBytes(body)
                let r = try await c.call(
                    .post, "/api/v1/complaints/\(id)/evidence", token: m, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: buffer)
                #expect(r.status == .badRequest || r.status == .unprocessableContent, "\(r.status)")
            }
            // The server is still answering.
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)", token: m).status == .ok)
        }
    }

    @Test func partsAreFoundWithTheirNames() throws {
        let body = Array(
            "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"截图.png\"\r\nContent-Type: image/png\r\n\r\n\u{1}\u{2}\r\n--b--\r\nepilogue"
                .utf8)
        let form = try MultipartFormData(body: body, boundary: "b")
        #expect(form.parts.count == 2)
        let file = try #require(form.file(named: "file"))
        #expect(Array(file.bytes) == [1, 2])
        #expect(form.file(named: "note").map { Array($0.bytes) } == Array("hello".utf8))
        #expect(file.fileName == "截图.png")
    }
}

/// One member cannot fill the disk or hold a thousand streams open.
@Suite("Quotas")
struct QuotaTests {
    @Test(arguments: Engine.allCases) func filesPerCaseAndBytesPerMemberFollowThePolicy(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            var policy = (try await c.call(.get, "/api/v1/policy", token: admin)).object
            policy["evidence"] = ["maxFileBytes": 1024, "maxFilesPerCase": 2, "maxBytesPerMember": 1024]
            let saved = try await c.call(
                .put, "/api/v1/policy", token: admin, json: String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self))
            #expect(saved.status == .ok, "\(saved.html)")
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            func upload(_ byte: UInt8, count: Int = 300, to caseId: String) async throws -> Reply {
                let (h, body) = EvidenceAPITests.multipart(
                    [UInt8]("plain text evidence\n".utf8) + Array(repeating: byte, count: count), name: "证据\(byte).txt")
                return try await c.call(.post, "/api/v1/complaints/\(caseId)/evidence", token: m, headers: h, body: body)
            }
            #expect(try await upload(65, to: id).status == .created)
            #expect(try await upload(66, to: id).status == .created)
            let third = try await upload(67, to: id)
            #expect(third.status == .unprocessableContent && third.errorCode == "too_many_files", "\(third.html)")
            // The same file again is still answered as present.
            #expect(try await upload(66, to: id).status == .ok)
            let other = try await c.file(m)
            let over = try await upload(68, count: 600, to: other)
            #expect(over.status == .unprocessableContent && over.errorCode == "member_quota_exceeded", "\(over.html)")
        }
    }

    @Test func oneUserHoldsAFewLiveStreamsNotAThousand() {
        let open = OpenStreams()
        for _ in 0..<LiveRoutes.streamsPerUser { #expect(open.acquire("u", limit: LiveRoutes.streamsPerUser)) }
        #expect(!open.acquire("u", limit: LiveRoutes.streamsPerUser))
        #expect(open.acquire("v", limit: LiveRoutes.streamsPerUser))
        open.release("u")
        #expect(open.acquire("u", limit: LiveRoutes.streamsPerUser))
    }
}

/// Uploads are scanned by clamd before they are accepted.
@Suite("Virus scanning")
struct ScanningTests {
    static func upload(_ c: Client, _ token: String, _ id: String, _ bytes: [UInt8], name: String) async throws -> Reply {
        let (h, body) = EvidenceAPITests.multipart(bytes, name: name)
        return try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: token, headers: h, body: body)
    }

    @Test(arguments: Engine.allCases) func infectedFilesAreRefusedAndCleanOnesKept(_ engine: Engine) async throws {
        guard let clamd = ClamdForTests.location else {
            #expect(!ClamdForTests.required, "REDRESS_TEST_CLAMD is not set, and the scanning tests are required")
            return
        }
        var app = try await TestApp(engine)
        app.clamd = clamd
        let t = app
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let clean = try await Self.upload(c, m, id, Array("充值记录：2026-11-28 648 元\n".utf8), name: "记录.txt")
            #expect(clean.status == .created, "\(clean.html)")
            for (bytes, name) in [(ClamdForTests.sample, "sample.txt"), (ClamdForTests.eicar, "eicar.txt")] {
                let r = try await Self.upload(c, m, id, bytes, name: name)
                #expect(r.status == .unprocessableContent && r.errorCode == "infected_file" && r.errorField == "file", "\(name): \(r.html)")
                #expect(r.html.contains("Redress.Test"))
            }
            let files = try await c.call(.get, "/api/v1/complaints/\(id)/evidence", token: m)
            #expect((files.json as? [[String: Any]])?.count == 1)
        }
    }

    @Test func aScannerThatDoesNotAnswerRefusesOrQuarantinesAsThePolicySays() async throws {
        var app = try await TestApp()
        app.clamd = try TemporaryFolders.make("no-clamd").path + "/clamd.sock"
        let t = app
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let refused = try await Self.upload(c, m, id, Array("截图说明\n".utf8), name: "a.txt")
            #expect(refused.status == .serviceUnavailable && refused.errorCode == "scanner_unavailable" && refused.headers[.retryAfter] != nil)
            let admin = try await c.login("admin@x.cn")
            var policy = (try await c.call(.get, "/api/v1/policy", token: admin)).object
            var evidence = policy["evidence"] as? [String: Any] ?? [:]
            evidence["whenScannerDown"] = "quarantine"
            policy["evidence"] = evidence
            let saved = try await c.call(
                .put, "/api/v1/policy", token: admin, json: String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self))
            #expect(saved.status == .ok, "\(saved.html)")
            let kept = try await Self.upload(c, m, id, Array("截图说明\n".utf8), name: "a.txt")
            #expect(kept.status == .created, "\(kept.html)")
            let sha = (kept["evidence"] as? [String: Any])?["sha256"] as? String ?? ""
            let held = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(sha)", token: m)
            #expect(held.status == .conflict && held.errorCode == "file_quarantined")
            // A rescan that finds it clean (what `redress rescan` records) serves it again.
            try await t.store.recordScan(sha256: sha, status: "clean", signature: nil, at: t.clock.now)
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(sha)", token: m).status == .ok)
        }
    }
}
