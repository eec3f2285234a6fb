import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Accounts and tokens")
struct AuthAPITests {
    @Test func registerLogInAndSeeMyself() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let token = try await c.member("13912345678")
            let me = try await c.call(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me["role"] as? String == "member" && me["login"] as? String == "13912345678")
        }
    }

    @Test func registrationErrorsNameTheField() async throws {
        let t = try await TestApp()
        try await t.test { c in
            var r = try await c.call(.post, "/api/v1/members", json: #"{"login":"not-a-login","password":"password-123","displayName":"x"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "login" && r.errorCode == "invalid_login")
            r = try await c.call(.post, "/api/v1/members", json: #"{"login":"a@b.cn","password":"short","displayName":"x"}"#)
            #expect(r.errorField == "password" && r.errorCode == "password_too_short")
            r = try await c.call(.post, "/api/v1/members", json: #"{"login":"a@b.cn","password":"password-123"}"#)
            #expect(r.status == .unprocessableContent && r.errorField == "displayName" && r.errorCode == "required")
            _ = try await c.member("a@b.cn")
            r = try await c.call(.post, "/api/v1/members", json: #"{"login":"A@B.cn","password":"password-123","displayName":"x"}"#)
            #expect(r.status == .conflict && r.errorCode == "login_taken")
        }
    }

    @Test func wrongPasswordsAreRefusedAndThrottled() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("a@b.cn")
            for _ in 0..<5 {
                let r = try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"wrong-password"}"#)
                #expect(r.status == .unauthorized && r.errorCode == "invalid_credentials")
            }
            let r = try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"password-123"}"#)
            #expect(r.status == .tooManyRequests && r.errorCode == "too_many_attempts")
            #expect(r.headers[.retryAfter] != nil)
            t.clock.advance(hours: 0.5)
            _ = try await c.login("a@b.cn")
        }
    }

    /// Five failures through one server lock the log-in on another server sharing the database, and after a restart.
    @Test(arguments: Engine.allCases) func theLogInThrottleHoldsAcrossServersAndRestarts(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            _ = try await c.member("a@b.cn")
            for _ in 0..<5 {
                let r = try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"wrong-password"}"#)
                #expect(r.status == .unauthorized)
            }
        }
        // Only digests are kept (of the log-in with the client, the client, the log-in, the client's registrations),
        // never the log-in or the address.
        var rows = 0
        if engine == .sqlite {
            let keys = try await DatabaseQueue(path: t.directory + "/redress.sqlite").read {
                try String.fetchAll($0, sql: "SELECT key FROM login_failures")
            }
            rows = keys.count
            #expect(keys.count == 4 && keys.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        }
        let other = try await t.reopen()
        try await t.test(on: other) { c in
            let r = try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"A@b.cn ","password":"password-123"}"#)
            #expect(r.status == .tooManyRequests && r.errorCode == "too_many_attempts", "\(String(buffer: r.body))")
            // Another log-in is not affected.
            _ = try await c.member("c@d.cn")
            t.clock.advance(hours: 0.26)
            _ = try await c.login("a@b.cn")
        }
        // A log-in that succeeded forgets this client's failures for it.
        if engine == .sqlite {
            #expect(
                try await DatabaseQueue(path: t.directory + "/redress.sqlite").read {
                    try Int.fetchOne($0, sql: "SELECT count(*) FROM login_failures")
                } == rows - 1)
        }
    }

    @Test func tokensExpireAndForgeriesAreRefused() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let token = try await c.member("a@b.cn")
            t.clock.advance(hours: 12.01)
            var r = try await c.call(.get, "/api/v1/me", token: token)
            #expect(r.status == .unauthorized && r.errorCode == "token_expired")
            r = try await c.call(.get, "/api/v1/me", token: "abc.def")
            #expect(r.status == .unauthorized && r.errorCode == "invalid_token")
            // A token with its claims edited (role raised to admin) fails the signature.
            let fresh = try await c.login("a@b.cn")
            let parts = fresh.split(separator: ".")
            var claims = String(parts[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while claims.count % 4 != 0 { claims += "=" }
            let json = String(decoding: Data(base64Encoded: claims)!, as: UTF8.self).replacingOccurrences(of: "\"member\"", with: "\"admin\"")
            let forged = Data(json.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") + "." + parts[1]
            r = try await c.call(.get, "/api/v1/users", token: forged)
            #expect(r.status == .unauthorized)
            r = try await c.call(.get, "/api/v1/me")
            #expect(r.status == .unauthorized && r.errorCode == "unauthenticated")
        }
    }

    @Test func adminsManageUsersAndADisabledAccountIsLockedOut() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let member = try await c.member("m@x.cn")
            var r = try await c.call(
                .post, "/api/v1/users", token: admin, json: #"{"login":"agent@x.cn","password":"password-123","displayName":"客服","role":"agent"}"#)
            #expect(r.status == .created)
            let agentId = r["id"] as? String ?? ""
            r = try await c.call(
                .post, "/api/v1/users", token: member, json: #"{"login":"x@x.cn","password":"password-123","displayName":"x","role":"admin"}"#)
            #expect(r.status == .forbidden)
            let agent = try await c.login("agent@x.cn")
            r = try await c.call(.post, "/api/v1/users/\(agentId)/disabled", token: admin, json: #"{"disabled":true}"#)
            #expect(r.status == .ok && r["disabled"] as? Bool == true)
            r = try await c.call(.get, "/api/v1/me", token: agent)
            #expect(r.status == .unauthorized && r.errorCode == "account_disabled")
            r = try await c.call(.get, "/api/v1/users?role=agent", token: admin)
            #expect((r.json as? [[String: Any]])?.count == 1)
        }
    }

    @Test func messagesFollowTheCallersLanguage() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let zh = try await c.call(.get, "/api/v1/me")
            #expect(zh.errorMessage == "请先登录")
            let en = try await c.call(.get, "/api/v1/me", headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect(en.errorMessage == "Sign in first")
        }
    }
}

/// The throttles slow attackers down without handing them a way to lock a member out.
@Suite("Throttles")
struct ThrottleTests {
    static func from(_ address: String) -> HTTPFields { [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9, \(address)"] }

    @Test(arguments: Engine.allCases) func failuresFromOneClientDoNotLockTheMemberOutElsewhere(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            _ = try await c.member("a@b.cn")
            for _ in 0..<12 {
                _ = try await c.call(
                    .post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"wrong-password"}"#, headers: Self.from("10.0.0.1"))
            }
            let attacker = try await c.call(
                .post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"password-123"}"#, headers: Self.from("10.0.0.1"))
            #expect(attacker.status == .tooManyRequests && attacker.headers[.retryAfter] != nil)
            // The member, elsewhere, logs in with the right password (slowed by a second, not refused).
            let member = try await c.call(
                .post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"password-123"}"#, headers: Self.from("10.0.0.2"))
            #expect(member.status == .ok, "\(member.html)")
        }
    }

    @Test func sprayingManyLogInsFromOneClientIsHeldUp() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("a@b.cn")
            for i in 0..<20 {
                let r = try await c.call(
                    .post, "/api/v1/auth/login", json: #"{"login":"user\#(i)@b.cn","password":"password-123"}"#, headers: Self.from("10.0.0.3"))
                #expect(r.status == .unauthorized)
            }
            let held = try await c.call(
                .post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"password-123"}"#, headers: Self.from("10.0.0.3"))
            #expect(held.status == .tooManyRequests && held.errorCode == "too_many_attempts")
            t.clock.advance(hours: 0.26)
            let later = try await c.call(
                .post, "/api/v1/auth/login", json: #"{"login":"a@b.cn","password":"password-123"}"#, headers: Self.from("10.0.0.3"))
            #expect(later.status == .ok)
        }
    }

    @Test func registrationsPerClientAreLimited() async throws {
        let t = try await TestApp()
        try await t.test { c in
            for i in 0..<10 {
                let r = try await c.call(
                    .post, "/api/v1/members", json: #"{"login":"r\#(i)@b.cn","password":"password-123","displayName":"会员"}"#,
                    headers: Self.from("10.0.0.4"))
                #expect(r.status == .created)
            }
            let refused = try await c.call(
                .post, "/api/v1/members", json: #"{"login":"r10@b.cn","password":"password-123","displayName":"会员"}"#,
                headers: Self.from("10.0.0.4"))
            #expect(refused.status == .tooManyRequests && refused.errorCode == "too_many_registrations" && refused.headers[.retryAfter] != nil)
            let other = try await c.call(
                .post, "/api/v1/members", json: #"{"login":"r10@b.cn","password":"password-123","displayName":"会员"}"#,
                headers: Self.from("10.0.0.5"))
            #expect(other.status == .created)
        }
    }
}
