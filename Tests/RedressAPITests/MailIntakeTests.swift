import Foundation
import HTTPTypes
import Logging
import NIOCore
import RedressDomain
import RedressMail
import Testing

@testable import RedressApp

/// Mail in through the gateway endpoint, on both engines: held until the sender confirms, filed, threaded by the
/// notice's tag, never answered when a machine wrote it, kept aside with a reason when it cannot be read.
@Suite("Mail in")
struct MailIntakeTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RedressMailTests/Corpus")
    static let member = "zhang.wei@mail.example.cn"

    static func corpus(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name))) }

    static func post(_ c: Client, _ raw: [UInt8], recipient: String? = nil, token: String? = TestApp.mailgateToken) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "message/rfc822"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let query = recipient.map { "?recipient=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } ?? ""
        return try await c.call(.post, "/api/v1/mail/inbound" + query, headers: headers, body: ByteBuffer(bytes: raw))
    }

    static func caseIds(_ c: Client, _ token: String) async throws -> [String] {
        let r = try await c.call(.get, "/api/v1/complaints", token: token)
        return ((r["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    static func evidence(_ c: Client, _ id: String, _ token: String) async throws -> [[String: Any]] {
        let r = try await c.call(.get, "/api/v1/complaints/\(id)/evidence", token: token)
        return (r.json as? [[String: Any]]) ?? (r["items"] as? [[String: Any]]) ?? (r["evidence"] as? [[String: Any]]) ?? []
    }

    @Test(arguments: Engine.allCases) func theGatewayEndpointAsksForItsCredential(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let raw = try Self.corpus("01-utf8-plain-8bit.eml")
            #expect(try await Self.post(c, raw, token: nil).status == .unauthorized)
            let wrong = try await Self.post(c, raw, token: "not-the-token-at-all-00000")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "bad_gateway_token")
            let member = try await c.member(Self.member)
            // A member's token is not the gateway's.
            #expect(try await Self.post(c, raw, token: member).status == .unauthorized)
            let typed = try await c.call(
                .post, "/api/v1/mail/inbound", headers: [.authorization: "Bearer \(TestApp.mailgateToken)", .contentType: "text/plain"],
                body: ByteBuffer(bytes: raw))
            #expect(typed.status == .unsupportedMediaType)
        }
    }

    @Test(arguments: Engine.allCases) func mailFromAnUnconfirmedAddressIsHeldUntilTheMemberConfirmsIt(_ engine: Engine) async throws {
        var setup = try await TestApp(engine)
        setup.captureMail = true
        let t = setup
        try await t.test { c in
            let member = try await c.member(Self.member)
            // A GBK message with a GBK-only character.
            let first = try Self.corpus("02-gbk-base64.eml")
            let held = try await Self.post(c, first)
            #expect(held.status == .accepted, "\(String(buffer: held.body))")
            #expect(held["status"] as? String == "held")
            #expect(held["reason"] as? String == "unknown_sender")
            #expect(try await Self.caseIds(c, member).isEmpty)
            // The sender is asked to confirm, by an answer no auto-responder answers again.
            let answers = try t.sentMail()
            #expect(answers.count == 1)
            let answer = try MailMessage.parse(Array(try #require(answers.first).utf8))
            #expect(answer.to.map(\.address) == [Self.member])
            #expect(answer.headers.text("Auto-Submitted") == "auto-replied")
            #expect(answer.inReplyTo == ["m2@mail.example.cn"])
            let link = try #require(answer.text.split(separator: "\n").first { $0.contains("/my/mail/") })
            let token = String(link.split(separator: "/").last ?? "")

            // The member sees what is held, then confirms it with a category.
            let shown = try await c.call(.get, "/api/v1/mail/held/\(token)", token: member)
            #expect(shown.status == .ok)
            #expect((shown["text"] as? String)?.contains("朱镕") == true)
            let confirmed = try await c.call(
                .post, "/api/v1/mail/held/\(token)/confirm", token: member, json: #"{"category":"service.membership_not_activated"}"#)
            #expect(confirmed.status == .created, "\(String(buffer: confirmed.body))")
            #expect(confirmed["channel"] as? String == "email")
            #expect((confirmed["category"] as? [String: Any])?["code"] as? String == "service.membership_not_activated")
            #expect((confirmed["narrative"] as? String)?.contains("朱镕") == true)
            // The order number the text named.
            #expect((confirmed["order"] as? [String: Any])?["orderNumber"] as? String == "DD20261207002")
            let caseId = try #require(confirmed["id"] as? String)
            let files = try await Self.evidence(c, caseId, member)
            #expect(files.map { $0["mediaType"] as? String } == ["message/rfc822"])
            // The link works once.
            #expect(try await c.call(.post, "/api/v1/mail/held/\(token)/confirm", token: member, json: "{}").status == .notFound)

            // Handed over again by the mail system: taken once.
            let again = try await Self.post(c, first)
            #expect(again.status == .ok)
            #expect(again["duplicate"] as? Bool == true)
            #expect(again["caseNumber"] as? String == confirmed["caseNumber"] as? String)

            // The address is now the member's: the next message files at once, with its JPEG whose GB18030 name came in
            // RFC 2231 continuations.
            let second = try await Self.post(c, try Self.corpus("10-rfc2231-gb18030-filename.eml"))
            #expect(second.status == .created, "\(String(buffer: second.body))")
            #expect(second["status"] as? String == "filed")
            let ids = try await Self.caseIds(c, member)
            #expect(ids.count == 2)
            let newId = try #require(ids.first { $0 != caseId })
            let names = try await Self.evidence(c, newId, member).compactMap { $0["fileName"] as? String }
            #expect(names.contains("充值截图.jpg"))
            #expect(names.contains { $0.hasSuffix(".eml") })
            let filed = try await c.call(.get, "/api/v1/complaints/\(newId)", token: member)
            #expect(filed["channel"] as? String == "email")
            #expect((filed["category"] as? [String: Any])?["code"] as? String == "other.other")
            #expect((filed["order"] as? [String: Any])?["orderNumber"] as? String == "邮件未注明订单号")
        }
    }

    /// A reply joins its case with the tag its notice carried for the sender's address; the same reply under a
    /// forged From is kept aside and answered.
    @Test(arguments: Engine.allCases) func repliesThreadByTheNoticesTagAndAForgedFromDoesNot(_ engine: Engine) async throws {
        var setup = try await TestApp(engine)
        setup.captureMail = true
        let t = setup
        let clock = t.clock
        try await t.test { c in
            let member = try await c.member(Self.member)
            let id = try await c.file(member)
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            _ = try await Outbox(store: t.store, configuration: t.configuration, now: { clock.now }, logger: quiet).runOnce()
            let notices = try t.sentMail().map { try MailMessage.parse(Array($0.utf8)) }
            let notice = try #require(notices.first { $0.to.map(\.address) == [Self.member] })
            let noticeId = try #require(notice.messageId)
            let replyTo = try #require(notice.replyTo?.address)
            #expect(replyTo.hasPrefix("complaints+r.\(id)."))
            #expect(notice.headers.text("Auto-Submitted") == "auto-generated")

            func reply(from: String, inReplyTo: String?, id n: Int) -> [UInt8] {
                let body = "补充：商家已读不回。\r\n\r\n-----原始邮件-----\r\n发件人: 维权台\r\n发送时间: 2026年12月7日\r\n\(notice.subject)"
                var lines = [
                    "From: \"张伟\" <\(from)>", "To: complaints@redress.test",
                    "Subject: =?UTF-8?B?\(Data("回复: \(notice.subject)".utf8).base64EncodedString())?=",
                    "Message-ID: <reply-\(n)@mail.example.cn>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=GBK",
                    "Content-Transfer-Encoding: base64",
                ]
                if let r = inReplyTo { lines += ["In-Reply-To: <\(r)>", "References: <\(r)>"] }
                let gbk = body.data(using: MailCharset.encoding("gbk")!)!
                return Array((lines + ["", gbk.base64EncodedString(), ""]).joined(separator: "\r\n").utf8)
            }

            // Forged: the member's notice id, someone else's address.
            let forged = try await Self.post(c, reply(from: "attacker@evil.example", inReplyTo: noticeId, id: 1))
            #expect(forged.status == .accepted)
            #expect(forged["status"] as? String == "kept_aside")
            #expect(forged["reason"] as? String == "reply_not_verified")
            // Forged the other way: the member's address with a made-up tag.
            let madeUp = noticeId.split(separator: ".").dropLast(2).joined(separator: ".") + ".0000000000000000@redress.test"
            let guessed = try await Self.post(c, reply(from: Self.member, inReplyTo: madeUp, id: 2))
            #expect(guessed["status"] as? String == "kept_aside")
            var timeline = String(buffer: try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: member).body)
            #expect(!timeline.contains("商家已读不回"))
            // From a confirmed address, naming the case in the subject but carrying no tag: kept aside and answered, never
            // filed as a new complaint.
            try await t.store.confirmMailAddress(Self.member, userId: try #require(try await t.store.complaint(id: id)?.memberId), at: t.clock.now)
            let answersBefore = try t.sentMail().count
            let named = try await Self.post(c, reply(from: Self.member, inReplyTo: nil, id: 5))
            #expect(named["status"] as? String == "kept_aside", "\(String(buffer: named.body))")
            #expect(named["reason"] as? String == "reply_not_verified")
            #expect(try t.sentMail().count == answersBefore + 1)
            #expect(try await Self.caseIds(c, member).count == 1)

            // The member's Outlook-style reply: its new words only, as the member's message.
            let real = try await Self.post(c, reply(from: Self.member, inReplyTo: noticeId, id: 3))
            #expect(real.status == .created, "\(String(buffer: real.body))")
            #expect(real["status"] as? String == "appended")
            timeline = String(buffer: try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: member).body)
            #expect(timeline.contains("补充：商家已读不回。"))
            #expect(!timeline.contains("原始邮件"))
            // Through the reply address alone (no In-Reply-To), as a client that drops the headers sends it.
            let byAddress = try await Self.post(c, reply(from: Self.member, inReplyTo: nil, id: 4), recipient: replyTo)
            #expect(byAddress["status"] as? String == "appended")
            #expect(try await Self.evidence(c, id, member).filter { $0["mediaType"] as? String == "message/rfc822" }.count == 2)
        }
    }

    @Test(arguments: Engine.allCases) func machineMailIsKeptAndNeverAnswered(_ engine: Engine) async throws {
        var setup = try await TestApp(engine)
        setup.captureMail = true
        setup.mailPerHour = 3
        let t = setup
        try await t.test { c in
            let member = try await c.member(Self.member)
            for (name, reason) in [("18-bounce-dsn.eml", "bounce"), ("19-auto-submitted.eml", "auto_reply"), ("21-precedence-bulk.eml", "bulk")] {
                let r = try await Self.post(c, try Self.corpus(name))
                #expect(r.status == .accepted)
                #expect(r["status"] as? String == "ignored", "\(name)")
                #expect(r["reason"] as? String == reason, "\(name)")
            }
            #expect(try t.sentMail().isEmpty)
            // Over the sender's hourly allowance: kept, not answered.
            for n in 1...4 {
                var raw = try Self.corpus("01-utf8-plain-8bit.eml")
                raw = Array(
                    String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "<m1@", with: "<rate\(n)@")
                        .replacingOccurrences(of: Self.member, with: "li.si@mail.example.cn").utf8)
                let r = try await Self.post(c, raw)
                #expect(r["status"] as? String == (n <= 3 ? "held" : "ignored"), "message \(n)")
                if n > 3 { #expect(r["reason"] as? String == "rate_limited") }
            }
            #expect(try t.sentMail().count == 3)
            #expect(try await Self.caseIds(c, member).isEmpty)
        }
    }

    @Test(arguments: Engine.allCases) func unreadableMailIsKeptAsideForAdminsAndTooLargeMailIsRefused(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            for (name, code) in [
                ("23-broken-boundary.eml", "broken_boundary"), ("25-invalid-base64.eml", "invalid_base64"), ("26-header-bomb.eml", "header_bomb"),
            ] {
                let r = try await Self.post(c, try Self.corpus(name))
                #expect(r.status == .accepted, "\(name)")
                #expect(r["status"] as? String == "kept_aside", "\(name)")
                #expect(r["reason"] as? String == "unreadable:\(code)", "\(name)")
            }
            let admin = try await c.login("admin@x.cn")
            let aside = try await c.call(.get, "/api/v1/mail/inbound?status=kept_aside", token: admin)
            #expect(aside.status == .ok)
            #expect((aside.json as? [[String: Any]])?.count == 3)
            #expect(try await c.call(.get, "/api/v1/mail/inbound", token: try await c.login("agent@x.cn")).status == .forbidden)
            #expect(try await c.call(.get, "/api/v1/mail/inbound?status=nope", token: admin).errorField == "status")

            // Ten MiB and one byte: refused with the reason, nothing kept.
            var big = Array("From: a@b.cn\r\nSubject: big\r\n\r\n".utf8)
            big += [UInt8](repeating: 0x41, count: 10 * 1_048_576 + 1 - big.count)
            let refused = try await Self.post(c, big)
            #expect(refused.status == .contentTooLarge)
            #expect(refused.errorCode == "message_too_large")
            #expect((try await c.call(.get, "/api/v1/mail/inbound", token: admin).json as? [[String: Any]])?.count == 3)
        }
        // A restarted server reads the sealed subjects (their keys are read from the store first).
        try await t.test(on: try await t.reopen()) { c in
            let list = try await c.call(.get, "/api/v1/mail/inbound", token: try await c.login("admin@x.cn"))
            #expect(list.status == .ok, "\(String(buffer: list.body))")
            #expect(Set(((list.json as? [[String: Any]]) ?? []).compactMap { $0["subject"] as? String }) == ["broken", "bad", ""])
        }
    }

    /// The confirmation link on the pages: the member signs in, sees the message in Chinese, picks a category and
    /// files it; admins see what came in.
    @Test func aMemberConfirmsAHeldMessageOnThePageAndAdminsSeeTheMailReceived() async throws {
        var setup = try await TestApp()
        setup.captureMail = true
        let t = setup
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            _ = try await c.member(Self.member)
            #expect(try await Self.post(c, try Self.corpus("05-big5-q-subject.eml"))["status"] as? String == "held")
            #expect(try await Self.post(c, try Self.corpus("23-broken-boundary.eml"))["status"] as? String == "kept_aside")
            // 05 is from chen@example.tw: an answer went there.
            let answer = try MailMessage.parse(Array(try #require(try t.sentMail().first).utf8))
            let link = try #require(answer.text.split(separator: "\n").first { $0.contains("/my/mail/") })
            let path = "/my/mail/" + (link.split(separator: "/").last.map(String.init) ?? "")

            // Not signed in: to the log-in page, and back here after it.
            var visitor = WebUser()
            let away = try await visitor.get(c, path)
            #expect(away.status == .seeOther)
            #expect(away.headers[.location]?.contains("/login") == true)

            var u = try await WebUser.login(c, Self.member)
            let page = try await u.get(c, path)
            #expect(page.status == .ok)
            #expect(page.html.contains("儲值卡無法使用"))
            #expect(page.html.contains("确认来信"))
            #expect(!page.html.contains("heldMail"))
            let refused = try await u.post(c, path, ["category": "other.other"], csrf: false)
            #expect(refused.status == .unprocessableContent)
            let filed = try await u.post(c, path, ["category": "transaction.topup_not_credited"])
            #expect(filed.status == .seeOther, "\(filed.html)")
            #expect(filed.headers[.location]?.hasPrefix("/my/cases/") == true)
            let gone = try await u.get(c, path)
            #expect(gone.status == .notFound)
            #expect(gone.html.contains("该确认链接无效、已使用或已过期"))

            var admin = try await WebUser.login(c, "admin@x.cn")
            let received = try await admin.get(c, "/admin/mail")
            #expect(received.status == .ok)
            #expect(received.html.contains("已立案"))
            #expect(received.html.contains("邮件无法解析（broken_boundary）"))
            let aside = try await admin.get(c, "/admin/mail?status=kept_aside")
            #expect(aside.html.contains("<td>broken</td>"))
            #expect(!aside.html.contains("儲值卡無法使用"))
        }
    }

    /// The mail system's side: the exit status tells it to keep a message queued while the server is away.
    @Test func theGatewayAsksTheMailSystemToTryAgainWhenTheServerIsDown() async throws {
        let (status, message) = await MailGateway.deliver(Array("From: a@b.cn\r\n\r\nx".utf8), url: "http://127.0.0.1:9", token: "t", recipient: nil)
        #expect(status == MailGateway.tryLater)
        #expect(message.contains("stays queued"))
    }
}
