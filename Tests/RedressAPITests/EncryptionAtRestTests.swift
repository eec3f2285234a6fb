import Foundation
import HTTPTypes
import NIOCore
import RedressDomain
import RedressDossier
import RedressStorage
import Testing

@testable import RedressAPI
@testable import RedressApp

/// Personal data at rest: sealed under a data key per person, and crypto-shredded at erasure (个人信息保护法 Art. 47,
/// 51), while the evidence log and every dossier still verify.
@Suite("Personal data at rest")
struct EncryptionAtRestTests {
    static let phone = "13912345678"
    static let email = "zhang.wei@example.cn"
    static let idNumber = "110105198808071231"
    static let phrase = "点券充值后一直没有到账"
    static let message = "请尽快核实这笔点券订单"

    /// Every byte of the store as someone copying it would have it: the data folder's files (SQLite, its write-ahead
    /// log, exports) and, on PostgreSQL, a `pg_dump` of the database.
    static func everything(_ t: TestApp) throws -> String {
        var out = Data()
        let fm = FileManager.default
        if let walk = fm.enumerator(atPath: t.directory) {
            for case let name as String in walk where !name.hasSuffix(".keys") {
                if let d = fm.contents(atPath: (t.directory as NSString).appendingPathComponent(name)) { out += d }
            }
        }
        if let db = t.database {
            let dump = Process()
            dump.executableURL = URL(fileURLWithPath: try #require(Self.pgDump))
            dump.arguments = ["--data-only", "postgres://\(db.user):\(db.password ?? "")@\(db.host):\(db.port)/\(db.database)"]
            let pipe = Pipe()
            dump.standardOutput = pipe
            try dump.run()
            out += pipe.fileHandleForReading.readDataToEndOfFile()
            dump.waitUntilExit()
            #expect(dump.terminationStatus == 0)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A little of the text around where `secret` is found, for the failure message.
    static func around(_ secret: String, in text: String) -> String {
        guard let r = text.range(of: secret) else { return "" }
        let from = text.index(r.lowerBound, offsetBy: -80, limitedBy: text.startIndex) ?? text.startIndex
        let to = text.index(r.upperBound, offsetBy: 80, limitedBy: text.endIndex) ?? text.endIndex
        return String(text[from..<to]).filter { $0.isLetter || $0.isNumber || $0.isPunctuation || $0 == " " }
    }

    static func instant(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }

    static let pgDump: String? = {
        let fm = FileManager.default
        let root = "/usr/lib/postgresql"
        let versions = (try? fm.contentsOfDirectory(atPath: root))?.sorted(by: >) ?? []
        return versions.map { "\(root)/\($0)/bin/pg_dump" }.first { fm.isExecutableFile(atPath: $0) }
    }()

    /// A member with a phone log-in, an e-mail, and a case whose words carry their phone and ID numbers, a message and
    /// a file named after their phone number.
    static func member(_ c: Client) async throws -> (token: String, caseId: String) {
        let reg = try await c.call(
            .post, "/api/v1/members", json: #"{"login":"\#(phone)","password":"password-123","displayName":"张伟","phone":"\#(phone)"}"#)
        #expect(reg.status == .created)
        let m = try await c.login(phone)
        #expect(try await c.call(.patch, "/api/v1/me", token: m, json: #"{"email":"\#(email)"}"#).status == .ok)
        let id = try await c.file(m, Client.complaint(narrative: "我是张伟，电话\(phone)，身份证\(idNumber)，\(phrase)"))
        #expect(try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: m, json: #"{"body":"\#(message)"}"#).status == .created)
        let (h, body) = EvidenceAPITests.multipart(EvidenceAPITests.png, name: "付款截图_\(phone).png")
        #expect(try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: m, headers: h, body: body).status == .created)
        return (m, id)
    }

    @Test(arguments: Engine.allCases) func aCopiedStoreHoldsNoContactDetailsIDNumbersOrWords(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let (m, id) = try await Self.member(c)
            // The service reads them back as they were written.
            let me = try await c.call(.get, "/api/v1/me", token: m)
            #expect(me["phone"] as? String == Self.phone && me["email"] as? String == Self.email)
            let seen = try await c.call(.get, "/api/v1/complaints/\(id)", token: m)
            #expect(seen.html.contains(Self.idNumber) && seen.html.contains(Self.phrase))
            let copy = try Self.everything(t)
            #expect(!copy.isEmpty)
            // The search index holds the words as separate tokens (phone, ID and card numbers and e-mail masked before
            // indexing), never a sentence.
            for secret in [Self.phone, Self.email, Self.idNumber, Self.phrase, Self.message] {
                #expect(!copy.contains(secret), "\(engine): the copied store holds \(secret) in plain text: …\(Self.around(secret, in: copy))…")
            }
        }
    }

    /// The demo platform (accounts of every role, cases in every state), copied: none of the demo members' log-ins,
    /// phones or names is in it.
    @Test(arguments: Engine.allCases) func theDemoPlatformCopiedHoldsNoneOfItsMembersDetails(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        #expect(try await DemoData.seed(into: t.store, now: TestApp.start, bcryptCost: 4))
        // Read back through the store, they are there.
        #expect(try await t.store.user(login: "13800138000")?.user.phone == "13800138000")
        let copy = try Self.everything(t)
        for secret in ["13800138000", "member2@demo.redress", "会员 张三", "会员 李四", "admin@demo.redress", "merchant@demo.redress"] {
            #expect(!copy.contains(secret), "\(engine): the copied store holds \(secret): …\(Self.around(secret, in: copy))…")
        }
    }

    @Test(arguments: Engine.allCases) func anErasureCarriedOutLeavesNothingReadableAndEveryRecordVerifies(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let (m, id) = try await Self.member(c)
            let admin = try await c.login("admin@x.cn")
            let agent = try await c.login("agent@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"已联系商家核实"}"#)
            _ = try await c.call(.post, "/api/v1/ledger/heads", token: admin)
            let before = try await LedgerAPITests().dossier(c, id, m)

            // An address the member confirmed for mail in.
            let memberId = try #require(try await t.store.complaint(id: id)?.memberId)
            try await t.store.confirmMailAddress("zhang.wei@mail.example.cn", userId: memberId, at: t.clock.now)
            #expect(try await c.call(.post, "/api/v1/me/erasure", token: m, json: #"{"password":"password-123"}"#).status == .noContent)
            // Queued for an admin with its deadline; nobody else sees the queue.
            #expect(try await c.call(.get, "/api/v1/erasure-requests", token: agent).status == .forbidden)
            let queue = try await c.call(.get, "/api/v1/erasure-requests", token: admin)
            let requests = try #require(queue.json as? [[String: Any]])
            #expect(requests.count == 1)
            let request = requests[0]
            let requestId = try #require(request["id"] as? String)
            let requested = try #require((request["requestedAt"] as? String).flatMap(Self.instant))
            let due = try #require((request["dueAt"] as? String).flatMap(Self.instant))
            // Fifteen working days: close to three weeks, more across holidays.
            #expect(due.timeIntervalSince(requested) >= 18 * 86_400 && due.timeIntervalSince(requested) < 40 * 86_400)
            #expect(request["status"] as? String == "pending" && request["overdue"] as? Bool == false)

            let done = try await c.call(.post, "/api/v1/erasure-requests/\(requestId)/carry-out", token: admin)
            #expect(done.status == .ok && done["status"] as? String == "done" && done["casesHeld"] as? Int == 1, "\(done.html)")
            // Mail from the confirmed address no longer files for the erased account.
            #expect(try await t.store.mailAddressOwner("zhang.wei@mail.example.cn") == nil)
            let again = try await c.call(.post, "/api/v1/erasure-requests/\(requestId)/carry-out", token: admin)
            #expect(again.status == .conflict && again.errorCode == "erasure_already_done")
            #expect((try await c.call(.get, "/api/v1/erasure-requests", token: admin).json as? [Any])?.isEmpty == true)
            #expect((try await c.call(.get, "/api/v1/erasure-requests?status=all", token: admin).json as? [Any])?.count == 1)

            // The record is kept without a word of it: the case, its timeline, its files, search.
            let kept = try await c.call(.get, "/api/v1/complaints/\(id)", token: admin)
            #expect(kept.status == .ok && kept["amountClaimedFen"] as? Int == 9800)
            let timeline = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: admin)
            let files = try await c.call(.get, "/api/v1/complaints/\(id)/evidence", token: admin)
            for r in [kept, timeline, files] {
                for secret in [Self.phone, Self.idNumber, Self.phrase, Self.message, "已联系商家核实", "张伟"] {
                    #expect(!r.html.contains(secret), "\(engine): \(secret) is still readable")
                }
            }
            #expect(timeline.html.contains("contentErased"))
            #expect((try await c.call(.get, "/api/v1/complaints?q=点券", token: admin)["items"] as? [Any])?.isEmpty == true)
            // Every record still verifies: the case's chain and log entries, a dossier made now, and one made before.
            let verify = try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: admin)
            #expect(verify["valid"] as? Bool == true, "\(verify.html)")
            _ = try await c.call(.post, "/api/v1/ledger/heads", token: admin)
            let after = try await LedgerAPITests().dossier(c, id, admin, audience: "court")
            for zip in [before, after] {
                switch DossierArchive.verify(zip: zip, trustedKey: nil) {
                case .success(let report): #expect(report.events >= 4)
                case .failure(let f): Issue.record("a dossier no longer verifies: \(f.message)")
                }
            }
            let afterText = String(decoding: after, as: UTF8.self)
            #expect(!afterText.contains(Self.phrase) && !afterText.contains(Self.message))
            // And the copied store holds none of it.
            let copy = try Self.everything(t)
            for secret in [Self.phone, Self.email, Self.idNumber, Self.phrase, Self.message, "已联系商家核实", "张伟"] {
                #expect(!copy.contains(secret), "\(engine): the store still holds \(secret): …\(Self.around(secret, in: copy))…")
            }
        }
        if engine == .sqlite {
            let report = try await StoreVerifierRun.verify(t)
            #expect(report == nil, "\(report ?? "")")
        }
    }
}

/// The admins' page of erasure requests.
@Suite("Erasure requests page")
struct ErasurePageTests {
    @Test func anAdminSeesTheRequestWithItsDeadlineAndCarriesItOut() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let (m, id) = try await EncryptionAtRestTests.member(c)
            #expect(try await c.call(.post, "/api/v1/me/erasure", token: m, json: #"{"password":"password-123"}"#).status == .noContent)
            var agent = try await WebUser.login(c, "agent@x.cn")
            #expect(try await agent.get(c, "/admin/erasures").status != .ok)
            var admin = try await WebUser.login(c, "admin@x.cn")
            let page = try await admin.get(c, "/admin/erasures")
            #expect(page.status == .ok && page.html.contains("删除请求") && page.html.contains("办理期限") && page.html.contains("待执行"))
            #expect(page.html.contains("执行删除") && !page.html.contains("contentErased"))
            let requestId =
                try #require(try await c.call(.get, "/api/v1/erasure-requests", token: try await c.login("admin@x.cn")).json as? [[String: Any]])
                .first?["id"] as? String
            let forged = try await admin.post(c, "/admin/erasures/\(requestId ?? "")", [:], csrf: false)
            #expect(forged.status == .unprocessableContent)
            let done = try await admin.post(c, "/admin/erasures/\(requestId ?? "")", [:])
            #expect(done.status == .seeOther && done.headers[.location] == "/admin/erasures?done=1")
            let after = try await admin.get(c, "/admin/erasures?done=1")
            #expect(after.html.contains("已执行删除") && after.html.contains("没有删除请求"))
            #expect(try await admin.get(c, "/admin/erasures?status=all").html.contains("已执行"))
            // English, and the case's page shows the erased words as erased.
            let english = try await admin.get(c, "/admin/erasures?status=all&lang=en")
            #expect(english.status == .ok)
            let casePage = try await admin.get(c, "/work/cases/\(id)")
            #expect(
                casePage.html.contains("Words erased at the member&#39;s request") || casePage.html.contains("Words erased at the member's request"),
                "\(casePage.html)")
            #expect(!casePage.html.contains(EncryptionAtRestTests.message))
        }
    }
}

/// `redress verify` over the whole store, as the command runs it.
enum StoreVerifierRun {
    static func verify(_ t: TestApp) async throws -> String? {
        try await RedressStorage.StoreVerifier(store: try await t.reopen()).verifyAll().firstFailure
    }
}
