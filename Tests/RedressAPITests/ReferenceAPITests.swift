import Foundation
import HTTPTypes
import Testing

@Suite("Reference data, policy and system endpoints")
struct ReferenceAPITests {
    @Test func workingDayDeadlines() async throws {
        let t = try await TestApp()
        try await t.test { c in
            var r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-09-30T10:00:00%2B08:00&workingDays=7")
            #expect(r.status == .ok)
            #expect(r["deadline"] as? String == "2026-10-15T15:59:59.000Z" && r["calendarCovered"] as? Bool == true)
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-12-30T10:00:00Z&workingDays=3")
            #expect(r["calendarCovered"] as? Bool == false && r["note"] != nil)
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-09-24T10:00:00Z&days=7")
            #expect(r["deadline"] as? String == "2026-10-08T15:59:59.000Z")
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-09-30T10:00:00Z&hours=48")
            #expect(r["deadline"] as? String == "2026-10-02T10:00:00.000Z")
            r = try await c.call(.get, "/api/v1/calendar/deadline?workingDays=7")
            #expect(r.status == .badRequest && r.errorField == "start")
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=soon&workingDays=7")
            #expect(r.status == .badRequest && r.errorField == "start")
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-09-30T10:00:00Z&workingDays=7&hours=3")
            #expect(r.status == .badRequest)
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-09-30T10:00:00Z&workingDays=-1")
            #expect(r.status == .badRequest && r.errorField == "workingDays")
        }
    }

    @Test func anAdminChangesRoutingAndCalendarsWithoutARestart() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let agent = try await c.login("agent@x.cn")
            var policy = try await c.call(.get, "/api/v1/policy", token: admin).object
            var routing = policy["routing"] as? [String: Any] ?? [:]
            routing["riskControlThresholdFen"] = 1_000
            policy["routing"] = routing
            let json = String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self)
            var r = try await c.call(.put, "/api/v1/policy", token: agent, json: json)
            #expect(r.status == .forbidden)
            r = try await c.call(.put, "/api/v1/policy", token: admin, json: json)
            #expect(r.status == .ok)
            let m = try await c.member("m@x.cn")
            r = try await c.call(.post, "/api/v1/complaints", token: m, json: Client.complaint(paid: "1500", claimed: "0"))
            #expect(r["queue"] as? String == "risk_control")
            r = try await c.call(
                .put, "/api/v1/policy", token: admin,
                json: json.replacingOccurrences(of: "\"firstResponseHours\":24", with: "\"firstResponseHours\":0"))
            #expect(r.status == .unprocessableContent && r.errorField == "deadlines.firstResponseHours")

            // A 2027 calendar: with it on file, 2027 deadlines are covered.
            let year = #"{"year":2027,"region":"CN","timeZone":"Asia/Shanghai","daysOff":["2027-01-01"],"workingWeekends":[]}"#
            r = try await c.call(.put, "/api/v1/calendar/years/2027", token: admin, json: year)
            #expect(r.status == .ok)
            r = try await c.call(.get, "/api/v1/calendar/deadline?start=2026-12-30T10:00:00Z&workingDays=3")
            #expect(r["calendarCovered"] as? Bool == true)
            // Jan 1 2027 is now a day off: Dec 31 (1), Jan 4 (2), Jan 5 (3).
            #expect(r["deadline"] as? String == "2027-01-05T15:59:59.000Z")
            r = try await c.call(
                .put, "/api/v1/calendar/years/2027", token: admin,
                json: year.replacingOccurrences(of: "\"workingWeekends\":[]", with: "\"workingWeekends\":[\"2027-01-06\"]"))
            #expect(r.status == .unprocessableContent && r.errorCode == "invalid_calendar")
        }
    }

    @Test func taxonomyHealthMetricsAndTheOpenAPIDocument() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let tax = try await c.call(.get, "/api/v1/taxonomy", headers: [.acceptLanguage: "en"])
            let items = tax.json as? [[String: Any]] ?? []
            #expect(items.count == 10)
            #expect(items.first?["label"] as? String == "Top-up paid but not credited")
            let m = try await c.member("m@x.cn")
            _ = try await c.file(m)
            // Anyone learns that the server is up; the case count and the metrics need the metrics token.
            let health = try await c.call(.get, "/health")
            #expect(health["status"] as? String == "ok" && health["complaints"] == nil)
            let monitor: HTTPFields = [.authorization: "Bearer \(TestApp.metricsToken)"]
            let counted = try await c.call(.get, "/health", headers: monitor)
            #expect(counted["status"] as? String == "ok" && counted["complaints"] as? Int == 1)
            #expect(try await c.call(.get, "/metrics").status == .unauthorized)
            #expect(try await c.call(.get, "/metrics", token: m).status == .unauthorized)
            #expect(try await c.call(.get, "/metrics", headers: [.authorization: "Bearer test-metrics-token-0123456788"]).status == .unauthorized)
            let metrics = try await c.call(.get, "/metrics", headers: monitor)
            #expect(String(buffer: metrics.body).contains("redress_complaints_created_total 1"))
            let doc = try await c.call(.get, "/openapi.json")
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = doc["paths"] as? [String: Any] ?? [:]
            for p in [
                "/api/v1/complaints", "/api/v1/complaints/{id}/evidence", "/api/v1/calendar/deadline", "/api/v1/auth/login", "/health", "/metrics",
            ] {
                #expect(paths[p] != nil, "\(p) is not in the OpenAPI document")
            }
            let nowhere = try await c.call(.get, "/api/v1/nowhere")
            #expect(nowhere.status == .notFound && nowhere.errorCode == "not_found")
        }
    }
}
