import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite("Filing complaints")
struct ComplaintAPITests {
    @Test(arguments: Engine.allCases) func aComplaintIsRoutedClockedAndNumbered(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("a@b.cn")
            let r = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint())
            #expect(r.status == .created)
            #expect((r["caseNumber"] as? String)?.hasPrefix("RD-20261129-") == true)
            #expect(r["status"] as? String == "submitted" && r["tier"] as? String == "l1" && r["queue"] as? String == "l1")
            let deadlines = r["deadlines"] as? [[String: Any]] ?? []
            #expect(deadlines.first?["kind"] as? String == "first_response")
            #expect(deadlines.first?["dueAt"] as? String == "2026-11-30T08:00:00.000Z")
            #expect(r.headers[.location] == "/api/v1/complaints/\(r["id"] as? String ?? "")")
            let big = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(paid: "50001", claimed: "0"))
            #expect(big["queue"] as? String == "risk_control")
            let urgent = try await c.call(
                .post, "/api/v1/complaints", token: m, json: Client.complaint(category: "security.account_stolen", emergency: true))
            #expect(urgent["queue"] as? String == "emergency")
            #expect((urgent["deadlines"] as? [[String: Any]])?.first?["dueAt"] as? String == "2026-11-29T09:00:00.000Z")
        }
    }

    @Test(arguments: Engine.allCases) func idempotencyKeys(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("a@b.cn")
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "retry-1"]
            let a = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(), headers: key)
            let b = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(), headers: key)
            #expect(a.status == .created && b.status == .created)
            #expect(a["id"] as? String == b["id"] as? String)
            #expect(b.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let d = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(narrative: "另一件事"), headers: key)
            #expect(d.status == .unprocessableContent && d.errorCode == "idempotency_key_reused")
            // Another member may use the same key for their own complaint.
            let other = try await c.member("b@b.cn")
            let e = try await c.call(.post, "/api/v1/complaints", token: other, json: Client.complaint(), headers: key)
            #expect(e.status == .created && e["id"] as? String != a["id"] as? String)
            let list = try await c.call(.get, "/api/v1/complaints", token: m)
            #expect(list["total"] as? Int == 1)
        }
    }

    @Test(
        arguments: [
            ("{\"category\":", 400, "malformed_json", nil),
            ("[]", 400, "malformed_json", nil),
            (Client.complaint(category: "transaction.unknown"), 422, "unknown_category", "category"),
            (Client.complaint(paid: "-1"), 422, "negative_amount", "order.amountPaidFen"),
            (Client.complaint(claimed: "99999999999999999999"), 422, "invalid_number", "amountClaimedFen"),
            (Client.complaint(claimed: "12.5"), 422, "invalid_number", "amountClaimedFen"),
            (Client.complaint(paid: "10000000001"), 422, "out_of_range", "order.amountPaidFen"),
            (Client.complaint(paid: "\"100\""), 422, "invalid_type", "order.amountPaidFen"),
            (Client.complaint(narrative: String(repeating: "长", count: 10_001)), 422, "too_long", "narrative"),
            (#"{"category":"transaction.topup_not_credited"}"#, 422, "required", "order"),
            (Client.complaint().replacingOccurrences(of: #""narrative":"充值未到账","#, with: ""), 422, "required", "narrative"),
            (Client.complaint().replacingOccurrences(of: #""refund""#, with: #""money""#), 422, "invalid_value", "remedy.kind"),
            (Client.complaint().replacingOccurrences(of: "2026-11-28T10:00:00+08:00", with: "yesterday"), 422, "invalid_value", "occurredAt"),
        ] as [(String, Int, String, String?)])
    func badInputIsRefusedWithTheFieldNamedAndNothingWritten(body: String, status: Int, code: String, field: String?) async throws {
        let t = try await TestApp()
        try await t.test { c in
            let m = try await c.member("a@b.cn")
            let r = try await c.call(.post, "/api/v1/complaints", token: m, json: body)
            #expect(r.status.code == status, "\(String(buffer: r.body))")
            #expect(r.errorCode == code)
            #expect(r.errorField == field)
            #expect(try await t.store.complaintCount() == 0)
        }
    }

    @Test(arguments: Engine.allCases) func wrongContentTypeOversizedBodyAndWrongRole(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("a@b.cn")
            var r = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(), headers: [.contentType: "text/plain"])
            #expect(r.status == .unsupportedMediaType && r.errorCode == "unsupported_media_type")
            r = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(narrative: String(repeating: "x", count: 1_100_000)))
            #expect(r.status == .contentTooLarge && r.errorCode == "payload_too_large")
            let agent = try await c.login("agent@x.cn")
            r = try await c.call(.post, "/api/v1/complaints", token: agent, json: Client.complaint())
            #expect(r.status == .forbidden && r.errorCode == "members_only")
            r = try await c.call(.post, "/api/v1/complaints", json: Client.complaint())
            #expect(r.status == .unauthorized)
            #expect(try await t.store.complaintCount() == 0)
        }
    }
}

@Suite("Who sees what")
struct AccessAPITests {
    @Test(arguments: Engine.allCases) func anotherMembersCaseIsNotFoundAndInternalNotesStayInternal(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let alice = try await c.member("alice@x.cn")
            let bob = try await c.member("bob@x.cn")
            let agent = try await c.login("agent@x.cn")
            let id = try await c.file(alice)
            for path in ["", "/timeline", "/verify", "/evidence"] {
                let r = try await c.call(.get, "/api/v1/complaints/\(id)\(path)", token: bob)
                #expect(r.status == .notFound && r.errorCode == "complaint_not_found", "\(path)")
            }
            var r = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: bob, json: #"{"body":"hi"}"#)
            #expect(r.status == .notFound)
            r = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"商家有前科","visibility":"internal"}"#)
            #expect(r.status == .created)
            r = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"您好，正在处理","visibility":"public"}"#)
            let memberView = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: alice)
            let kinds = (memberView.json as? [[String: Any]] ?? []).map { $0["kind"] as? String ?? "" }
            #expect(!kinds.contains("internal_note") && kinds.contains("public_message"))
            #expect(!String(buffer: memberView.body).contains("商家有前科"))
            let agentView = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: agent)
            #expect(String(buffer: agentView.body).contains("商家有前科"))
            r = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: alice, json: #"{"body":"x","visibility":"internal"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "visibility")
        }
    }

    @Test(arguments: Engine.allCases) func agentsSeeTheirTiersQueues(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        _ = try await t.staff(.riskControl, login: "risk@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let small = try await c.file(m)
            let big = try await c.file(m, Client.complaint(paid: "80000"))
            let agent = try await c.login("agent@x.cn")
            let risk = try await c.login("risk@x.cn")
            var r = try await c.call(.get, "/api/v1/complaints", token: agent)
            #expect((r["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [small])
            r = try await c.call(.get, "/api/v1/complaints/\(big)", token: agent)
            #expect(r.status == .forbidden && r.errorCode == "outside_your_queues")
            r = try await c.call(.get, "/api/v1/complaints?queue=risk_control", token: agent)
            #expect(r.status == .forbidden)
            r = try await c.call(.get, "/api/v1/complaints", token: risk)
            #expect((r["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [big])
            r = try await c.call(.get, "/api/v1/complaints?status=bogus", token: risk)
            #expect(r.status == .badRequest && r.errorField == "status")
            r = try await c.call(.get, "/api/v1/complaints?limit=0", token: risk)
            #expect(r.status == .badRequest && r.errorField == "limit")
        }
    }

    @Test(arguments: Engine.allCases) func theQueueIsSortedByNearestDeadlineAndFiltersOverdue(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let first = try await c.file(m)
            t.clock.advance(hours: 2)
            let second = try await c.file(m)
            let agent = try await c.login("agent@x.cn")
            var r = try await c.call(.get, "/api/v1/complaints", token: agent)
            #expect((r["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [first, second])
            t.clock.advance(hours: 23)
            let fresh = try await c.login("agent@x.cn")
            r = try await c.call(.get, "/api/v1/complaints?overdue=true", token: fresh)
            let items = r["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["id"] as? String } == [first])
            #expect(items.first?["overdue"] as? Bool == true)
        }
    }
}
