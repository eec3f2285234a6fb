import Foundation
import HTTPTypes
import NIOCore
import RedressApp
import RedressDomain
import Testing

@testable import RedressAPI
@testable import RedressHTTP

/// Sessions end when they should: a password change, a reset or a disable ends every token and cookie issued before,
/// and a web session ends after the policy's idle time and absolute lifetime.
@Suite("Sessions")
struct SessionTests {
    @Test(arguments: Engine.allCases) func aPasswordChangeEndsEveryOtherSessionAndKeepsTheOneThatChangedIt(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let first = try await c.member("m@x.cn")
            let second = try await c.login("m@x.cn")
            var browser = try await WebUser.login(c, "m@x.cn")
            let copied = browser.cookies
            t.clock.advance(hours: 0.001)

            let wrong = try await c.call(
                .post, "/api/v1/me/password", token: first, json: #"{"currentPassword":"nope-nope-nope","newPassword":"new-password-456"}"#)
            #expect(wrong.status == .forbidden && wrong.html.contains("wrong_password"), "\(wrong.html)")
            let short = try await c.call(
                .post, "/api/v1/me/password", token: first, json: #"{"currentPassword":"password-123","newPassword":"short"}"#)
            #expect(
                short.status == .unprocessableContent && (short["error"] as? [String: Any])?["field"] as? String == "newPassword", "\(short.html)")
            // Nothing changed by the refusals.
            #expect(try await c.call(.get, "/api/v1/me", token: second).status == .ok)

            let changed = try await c.call(
                .post, "/api/v1/me/password", token: first, json: #"{"currentPassword":"password-123","newPassword":"new-password-456"}"#)
            #expect(changed.status == .ok, "\(changed.html)")
            let fresh = changed["token"] as? String ?? ""
            #expect(try await c.call(.get, "/api/v1/me", token: fresh).status == .ok)
            #expect(try await c.call(.get, "/api/v1/me", token: first).status == .unauthorized)
            #expect(try await c.call(.get, "/api/v1/me", token: second).status == .unauthorized)
            browser.cookies = copied
            let page = try await browser.get(c, "/my")
            #expect(page.status == .seeOther && (page.headers[.location] ?? "").hasPrefix("/login"), "\(page.status)")
            #expect(try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"m@x.cn","password":"password-123"}"#).status == .unauthorized)
            #expect(try await c.login("m@x.cn", "new-password-456").isEmpty == false)
        }
    }

    @Test(arguments: Engine.allCases) func aResetOrADisableEndsTheAccountsSessionsForGood(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let member = try await c.member("m@x.cn")
            let me = try await c.call(.get, "/api/v1/me", token: member)
            let id = me["id"] as? String ?? ""
            t.clock.advance(hours: 0.001)
            #expect(
                try await c.call(.post, "/api/v1/users/\(id)/password", token: member, json: #"{"newPassword":"reset-password-1"}"#).status
                    == .forbidden)
            let reset = try await c.call(.post, "/api/v1/users/\(id)/password", token: admin, json: #"{"newPassword":"reset-password-1"}"#)
            #expect(reset.status == .ok, "\(reset.html)")
            #expect(try await c.call(.get, "/api/v1/me", token: member).status == .unauthorized)
            let again = try await c.login("m@x.cn", "reset-password-1")
            t.clock.advance(hours: 0.001)
            _ = try await c.call(.post, "/api/v1/users/\(id)/disabled", token: admin, json: #"{"disabled":true}"#)
            _ = try await c.call(.post, "/api/v1/users/\(id)/disabled", token: admin, json: #"{"disabled":false}"#)
            // Enabled again, the account's old token stays ended; a new log-in works.
            #expect(try await c.call(.get, "/api/v1/me", token: again).status == .unauthorized)
            #expect(try await c.call(.get, "/api/v1/me", token: try await c.login("m@x.cn", "reset-password-1")).status == .ok)
            #expect(
                try await c.call(.post, "/api/v1/users/nobody/password", token: admin, json: #"{"newPassword":"reset-password-1"}"#).status
                    == .notFound)
            // An admin's own password is not reset with a token alone.
            let adminId = try await c.call(.get, "/api/v1/me", token: admin)["id"] as? String ?? ""
            let own = try await c.call(.post, "/api/v1/users/\(adminId)/password", token: admin, json: #"{"newPassword":"reset-password-1"}"#)
            #expect(own.status == .conflict && own.errorCode == "reset_own_password")
        }
    }

    @Test func aWebSessionEndsWhenIdleIsRenewedByUseAndEndsAtItsAbsoluteLifetime() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            var policy = (try await c.call(.get, "/api/v1/policy", token: admin)).object
            policy["sessions"] = ["idleMinutes": 30, "absoluteHours": 2]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self)
            let saved = try await c.call(.put, "/api/v1/policy", token: admin, json: body)
            #expect(saved.status == .ok, "\(saved.html)")
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            // Used every 20 minutes, the session lives on past the idle limit (each use renews its cookie)…
            for _ in 0..<4 {
                t.clock.advance(hours: 20.0 / 60)
                let r = try await u.get(c, "/my")
                #expect(r.status == .ok, "\(r.status)")
                #expect(r.headers[values: .setCookie].contains { $0.hasPrefix("redress_session=") })
            }
            // …until two hours after the password was given.
            t.clock.advance(hours: 0.75)
            #expect(try await u.get(c, "/my").status == .seeOther)
            // Left alone for more than the idle limit, a session ends.
            var idle = try await WebUser.login(c, "m@x.cn")
            t.clock.advance(hours: 31.0 / 60)
            #expect(try await idle.get(c, "/my").status == .seeOther)
        }
    }

    @Test func thePasswordPageChangesThePassword() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            let form = try await u.get(c, "/account/password")
            #expect(form.status == .ok && form.html.contains("修改密码"))
            let wrong = try await u.post(c, "/account/password", ["currentPassword": "x", "newPassword": "new-password-456"])
            #expect(wrong.status == .forbidden && wrong.html.contains("当前密码不正确"))
            let done = try await u.post(c, "/account/password", ["currentPassword": "password-123", "newPassword": "new-password-456"])
            #expect(done.status == .seeOther && done.headers[.location] == "/account/password?changed=1")
            #expect(try await u.get(c, "/my").status == .ok)
        }
    }
}

/// What a copied data folder and a curious local user can read.
@Suite("The data folder")
struct DataFolderTests {
    @Test func theDataFolderIsTheServersAloneWhateverItWasBefore() async throws {
        let t = try await TestApp()
        try await t.test { c in _ = try await c.member("m@x.cn") }
        let fm = FileManager.default
        func mode(_ p: String) throws -> Int { (try fm.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1 }
        #expect(try mode(t.directory) == 0o700)
        for name in try fm.contentsOfDirectory(atPath: t.directory) {
            let p = t.directory + "/" + name
            let m = try mode(p)
            #expect(m & 0o077 == 0, "\(name) is \(String(m, radix: 8))")
        }
        // A folder made by an earlier version (0755, files 0644) is narrowed at start.
        let old = t.directory + "/older"
        try fm.createDirectory(atPath: old, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(fm.createFile(atPath: old + "/redress.sqlite", contents: Data(), attributes: [.posixPermissions: 0o644]))
        try DataFolder.prepare(old)
        #expect(try mode(old) == 0o700 && mode(old + "/redress.sqlite") == 0o600)
    }
}
