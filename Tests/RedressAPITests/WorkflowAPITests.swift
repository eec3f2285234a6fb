import Foundation
import GRDB
import HTTPTypes
import RedressAPI
import RedressStorage
import Testing

@testable import RedressApp
@testable import RedressDomain

@Suite("Working a case")
struct WorkflowAPITests {
    @Test(arguments: Engine.allCases) func agentActionsAndTheirErrors(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let agent = try await c.login("agent@x.cn")
            var r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"acknowledge"}"#)
            #expect(r.status == .ok && (r["complaint"] as? [String: Any])?["status"] as? String == "acknowledged")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"close"}"#)
            #expect(r.status == .conflict && r.errorCode == "illegal_transition")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: m, json: #"{"action":"start_work"}"#)
            #expect(r.status == .forbidden && r.errorCode == "action_not_permitted")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"reject"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "reason")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"reject","reason":"because"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "reason")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"fly"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "action")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"assign","assigneeId":"nobody"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "assigneeId")
            // The failed requests wrote nothing: submitted, routed, acknowledged.
            let events = try await t.store.timeline(complaintId: id)
            #expect(events.count == 3)
        }
    }

    @Test(arguments: Engine.allCases) func aReadAfterAChangeShowsTheChangeInEachLanguage(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            var r = try await c.call(.get, "/api/v1/complaints/\(id)", token: m)
            #expect(r["statusLabel"] as? String == "已提交")
            r = try await c.call(.get, "/api/v1/complaints/\(id)", token: m, headers: [.acceptLanguage: "en"])
            #expect(r["statusLabel"] as? String == "Submitted")
            let agent = try await c.login("agent@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"acknowledge"}"#)
            r = try await c.call(.get, "/api/v1/complaints/\(id)", token: m)
            #expect(r["status"] as? String == "acknowledged" && r["statusLabel"] as? String == "已受理")
            r = try await c.call(.get, "/api/v1/complaints/\(id)", token: m, headers: [.acceptLanguage: "en"])
            #expect(r["statusLabel"] as? String == "Acknowledged")
        }
    }

    @Test(arguments: Engine.allCases) func proposeAcceptAndCloseWithTheChainIntact(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let agent = try await c.login("agent@x.cn")
            var r = try await c.call(
                .post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"propose_resolution","note":"退款 98 元"}"#)
            #expect(r.status == .ok)
            r = try await c.call(.post, "/api/v1/complaints/\(id)/confirm", token: agent, json: #"{"accept":true}"#)
            #expect(r.status == .forbidden)
            r = try await c.call(.post, "/api/v1/complaints/\(id)/confirm", token: m, json: #"{"accept":true}"#)
            #expect((r["complaint"] as? [String: Any])?["status"] as? String == "resolved")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"close"}"#)
            #expect((r["complaint"] as? [String: Any])?["status"] as? String == "closed")
            r = try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: m)
            #expect(r["valid"] as? Bool == true && r["eventCount"] as? Int == 5)
        }
    }

    @Test(arguments: Engine.allCases) func aMemberEscalatesOnlyOnceTheFirstResponseIsLate(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            var r = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: m, json: #"{"reason":"没人理"}"#)
            #expect(r.status == .conflict && r.errorCode == "escalation_not_yet_allowed")
            r = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: m, json: #"{"reason":""}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "reason")
            t.clock.advance(hours: 11.9)
            r = try await c.call(.get, "/api/v1/complaints/\(id)", token: m)
            #expect(r["memberMayEscalate"] as? Bool == false)
            t.clock.advance(hours: 12.2)
            let fresh = try await c.login("m@x.cn")
            r = try await c.call(.get, "/api/v1/complaints/\(id)", token: fresh)
            #expect(r["memberMayEscalate"] as? Bool == true)
            r = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: fresh, json: #"{"reason":"24 小时无人回复"}"#)
            #expect(r.status == .ok)
            let complaint = r["complaint"] as? [String: Any] ?? [:]
            #expect(complaint["tier"] as? String == "l2" && complaint["queue"] as? String == "l2")
        }
    }

    @Test(arguments: Engine.allCases) func theSweeperEscalatesOnceAcrossRestarts(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        let id = try await t.test { c in
            let m = try await c.member("m@x.cn")
            return try await c.file(m)
        }
        #expect(try await t.sweeper().sweepOnce() == 0)
        t.clock.advance(hours: 24.5)
        #expect(try await t.sweeper().sweepOnce() == 1)
        #expect(try await t.sweeper().sweepOnce() == 0)
        // A restarted server opens the same store and sweeps again: nothing more happens.
        let restarted = try await t.reopen()
        let clock = t.clock
        #expect(try await DeadlineSweeperFactory.make(restarted, clock).sweepOnce() == 0)
        let c = try #require(try await restarted.complaint(id: id))
        #expect(c.tier == .l2 && c.queue == .l2)
        let kinds = try await restarted.timeline(complaintId: id).map(\.kind)
        #expect(kinds == [.submitted, .routed, .deadlineBreached, .escalated])
        #expect(kinds.filter { $0 == .deadlineBreached }.count == 1)
    }

    @Test(arguments: Engine.allCases) func theVerifyEndpointNamesATamperedEvent(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let id = try await c.file(m)
            let edited = try await t.plainPayload(id, sequence: 1, replacing: "9800", with: "980")
            try await t.tamper(
                sqlite: [
                    "DROP TRIGGER events_no_update",
                    "UPDATE events SET payload = \(edited) WHERE complaint_id = '\(id)' AND sequence = 1",
                ],
                postgres: [
                    "ALTER TABLE events DISABLE TRIGGER events_append_only",
                    "UPDATE events SET payload = \(edited) WHERE complaint_id = '\(id)' AND sequence = 1",
                ])
            let admin = try await c.login("admin@x.cn")
            let r = try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: admin)
            #expect(r["valid"] as? Bool == false)
            let broken = r["firstBreak"] as? [String: Any] ?? [:]
            #expect(broken["position"] as? Int == 1 && broken["reason"] as? String == "hash_mismatch")
        }
    }
}

enum DeadlineSweeperFactory {
    static func make(_ store: any RedressStore, _ clock: TestClock) -> DeadlineSweeper { DeadlineSweeper(store: store, now: { clock.now }) }
}

/// A staff queue pages with a cursor in the API and on the queue page.
@Suite("Queue pages")
struct QueuePageTests {
    @Test(arguments: Engine.allCases) func theQueuePagesWithACursor(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            var filed: Set<String> = []
            for _ in 0..<55 { filed.insert(try await c.file(m)) }
            let agent = try await c.login("agent@x.cn")
            let first = try await c.call(.get, "/api/v1/complaints?limit=50", token: agent)
            #expect(first.status == .ok && first["total"] as? Int == 55 && first["totalIsLowerBound"] as? Bool == false)
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await c.call(.get, "/api/v1/complaints?limit=50&cursor=\(cursor)", token: agent)
            #expect(second["nextCursor"] is NSNull)
            let ids = ((first["items"] as? [[String: Any]] ?? []) + (second["items"] as? [[String: Any]] ?? [])).compactMap { $0["id"] as? String }
            #expect(ids.count == 55 && Set(ids) == filed)
            #expect(try await c.call(.get, "/api/v1/complaints?cursor=nonsense", token: agent).errorField == "cursor")
            #expect(try await c.call(.get, "/api/v1/complaints?cursor=\(cursor)", token: m).status == .badRequest)

            var web = try await WebUser.login(c, "agent@x.cn")
            let page = try await web.get(c, "/work")
            let next = try #require(page.html.components(separatedBy: #"<a class="button" href=""#).dropFirst().first?.prefix { $0 != "\"" })
            #expect(next.contains("cursor="))
            let later = try await web.get(c, String(next).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(later.status == .ok && later.html.contains("回到第一页") && !later.html.contains("下一页"))
        }
    }
}
