import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RedressDomain
import Testing

/// Input an attacker (or a careless client) sends, refused clearly instead of being taken as something else.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func aLogInsNextAddressCannotLeadToAnotherSite() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            for next in ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example", "//evil.example", "/ /evil.example"] {
                var u = WebUser()
                _ = try await u.get(c, "/login")
                let r = try await u.post(c, "/login", ["login": "m@x.cn", "password": "password-123", "next": next])
                #expect(r.status == .seeOther && r.headers[.location] == "/my", "\(next.debugDescription) → \(r.headers[.location] ?? "")")
            }
            var u = WebUser()
            _ = try await u.get(c, "/login")
            let ok = try await u.post(c, "/login", ["login": "m@x.cn", "password": "password-123", "next": "/my/new"])
            #expect(ok.headers[.location] == "/my/new")
        }
    }

    @Test func impossibleDatesUnknownMerchantsOtherMediaTypesEmptyFiltersAndFarYearsAreRefused() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let feb30 = Client.complaint().replacingOccurrences(of: "2026-11-28T10:00:00+08:00", with: "2026-02-30T10:00:00+08:00")
            let r1 = try await c.call(.post, "/api/v1/complaints", token: member, json: feb30)
            #expect(r1.status == .badRequest || r1.status == .unprocessableContent, "\(r1.html)")
            let unknown = Client.complaint().replacingOccurrences(
                of: #""respondent":"platform""#, with: #""respondent":"merchant","merchantId":"M-NOBODY""#)
            let r2 = try await c.call(.post, "/api/v1/complaints", token: member, json: unknown)
            #expect(r2.status == .unprocessableContent && r2.html.contains("unknown_merchant"), "\(r2.html)")
            var patch = HTTPFields()
            patch[.contentType] = "application/json-patch+json"
            let r3 = try await c.call(.post, "/api/v1/complaints", token: member, json: Client.complaint(), headers: patch)
            #expect(r3.status == .unsupportedMediaType)
            var charset = HTTPFields()
            charset[.contentType] = "application/json; charset=utf-8"
            #expect(try await c.call(.post, "/api/v1/complaints", token: member, json: Client.complaint(), headers: charset).status == .created)
            let agent = try await c.login("agent@x.cn")
            #expect(try await c.call(.get, "/api/v1/complaints?status=,,,", token: agent).status == .badRequest)
            #expect(try await c.call(.get, "/api/v1/complaints?status=submitted,", token: agent).status == .badRequest)
            #expect(try await c.call(.get, "/api/v1/calendar/deadline?start=9999-01-01T10:00:00%2B08:00&hours=1").status == .badRequest)
            #expect(try await c.call(.get, "/api/v1/calendar/deadline?start=2026-11-30T10:00:00%2B08:00&hours=1").status == .ok)
        }
    }

    @Test func logInsAreNormalisedAndFileNamesLoseWhatMakesThemLookLikeOthers() async throws {
        // Full-width letters are the letters they look like; invisible characters are refused.
        #expect(try AccountRules.normalisedLogin("ＡＤＭＩＮ＠ｘ．ｃｎ") == "admin@x.cn")
        #expect(try AccountRules.normalisedLogin("１３８００１３８０００") == "13800138000")
        #expect(throws: DomainError.self) { try AccountRules.normalisedLogin("adm\u{200B}in@x.cn") }
        let t = try await TestApp()
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
            for (sent, stored) in [("evil\u{202E}gnp.exe", "evilgnp.exe"), ("a;b=c.png", "a;b=c.png"), ("zero\u{200B}width.png", "zerowidth.png")] {
                let boundary = "b0undary"
                var body = ByteBuffer(
                    string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(sent)\"\r\nContent-Type: image/png\r\n\r\n")
                body.writeBytes(png + Array(sent.utf8))
                body.writeString("\r\n--\(boundary)--\r\n")
                var h = HTTPFields()
                h[.contentType] = "multipart/form-data; boundary=\(boundary)"
                let r = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: member, headers: h, body: body)
                #expect(r.status == .created, "\(r.html)")
                let names = try await t.store.evidence(complaintId: id).map(\.fileName)
                #expect(names.contains(stored), "\(sent.debugDescription) stored as \(names)")
            }
            // Personal data is never kept by a cache: case JSON and evidence downloads.
            let json = try await c.call(.get, "/api/v1/complaints/\(id)", token: member)
            #expect(json.headers[.cacheControl] == "no-store")
            let sha = try #require(try await t.store.evidence(complaintId: id).first?.sha256)
            let file = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(sha)", token: member)
            #expect(file.status == .ok && file.headers[.cacheControl]?.contains("no-store") == true)
        }
    }
}

@Suite("Contact details in errors")
struct ContactMaskingTests {
    /// A mail server's refusal names the recipient: what the outbox stores, serves and logs has it masked.
    @Test func aMailServersRefusalKeepsNoAddressOrPhoneNumber() {
        let refusal = "msmtp: recipient address member.zhang@example.com not accepted by the server; 550 5.1.1 <a.b-c@mail.example.cn>, 13912345678"
        let masked = PersonalData.maskContacts(refusal)
        #expect(!masked.contains("member.zhang") && masked.contains("m***@example.com"))
        #expect(!masked.contains("a.b-c@") && masked.contains("a***@mail.example.cn"))
        #expect(!masked.contains("13912345678") && masked.contains("not accepted by the server"))
    }
}

@Suite("Log-out")
struct LogoutTests {
    /// A session cookie or bearer token copied before log-out no longer works after it, here and after a restart.
    @Test func aCopiedCookieOrTokenDoesNotOutliveTheLogOut() async throws {
        let t = try await TestApp()
        let (cookieCopy, tokenCopy): (WebUser, String) = try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            #expect(try await u.get(c, "/my").status == .ok)
            let copy = u
            #expect(try await u.post(c, "/logout", [:]).status == .seeOther)
            var stolen = copy
            let page = try await stolen.get(c, "/my")
            #expect(page.status == .seeOther && (page.headers[.location] ?? "").hasPrefix("/login"), "\(page.status)")
            #expect(try await c.call(.get, "/api/v1/me", headers: copy.header).status == .unauthorized)
            let token = try await c.login("m@x.cn")
            #expect(try await c.call(.get, "/api/v1/me", token: token).status == .ok)
            #expect(try await c.call(.post, "/api/v1/auth/logout", token: token).status == .noContent)
            #expect(try await c.call(.get, "/api/v1/me", token: token).status == .unauthorized)
            return (copy, token)
        }
        // Another server on the same store (or this one restarted) knows it too.
        let header = cookieCopy.header
        try await t.test(on: try await t.reopen()) { (c: Client) async throws -> Void in
            let bearer = try await c.call(.get, "/api/v1/me", token: tokenCopy)
            let cookie = try await c.call(.get, "/api/v1/me", headers: header)
            #expect(bearer.status == .unauthorized && cookie.status == .unauthorized)
        }
    }
}
