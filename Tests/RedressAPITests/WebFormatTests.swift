import Foundation
import RedressDomain
import Testing

@testable import RedressAPI
@testable import RedressWeb

@Suite("Web formatting")
struct WebFormatTests {
    /// The hand-written formats give what Foundation's formatters give.
    @Test(arguments: [0.0, 1_795_939_200, 1_795_971_599.9, 1_800_000_000, 946_684_799, -86_401])
    func instantsMatchFoundation(_ seconds: Double) {
        let d = Date(timeIntervalSince1970: seconds)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        #expect(WebFormat.instant(d) == f.string(from: d))
        #expect(WebFormat.iso(d) == ISO8601DateFormatter().string(from: d))
    }
}

/// The pages take every word from one table per language: a word a page or template asks for that the table lacks
/// (which a page would show as its key), or a word with an empty translation, fails here.
@Suite("The pages' words")
struct WebTextTests {
    static let web = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/RedressWeb").standardized

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            Range(m.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func everyWordAPageAsksForIsInTheTableInBothLanguages() throws {
        var asked: Set<String> = []
        let files = FileManager.default.enumerator(at: Self.web, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where ["swift", "mustache"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            asked.formUnion(try Self.matches(#"WebText\.word\("([A-Za-z0-9_]+)","#, in: text))
            asked.formUnion(try Self.matches(#"\{\{\{?[#^/]?t\.([A-Za-z0-9_]+)\}"#, in: text))
        }
        #expect(asked.count > 100)
        for key in asked.sorted() {
            let entry = WebText.table[key]
            #expect(entry != nil, "no word for \(key)")
            #expect(entry.map { !$0.zh.isEmpty && !$0.en.isEmpty } ?? true, "\(key) is empty in a language")
        }
    }

    /// A case page's forms post to the addresses `SiteURL` makes (the same names its routes are registered under): a
    /// template asking for an address that has no name would post its form nowhere.
    @Test func everyCaseAddressATemplateUsesExists() throws {
        let templates = Self.web.appendingPathComponent("Resources/templates")
        var used: Set<String> = []
        var named: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            named.formUnion(
                try Self.matches(#"\{\{u\.([A-Za-z]+)\}\}"#, in: String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)))
            used.formUnion(
                try Self.matches(#"\{\{links\.([A-Za-z]+)\}\}"#, in: String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)))
        }
        #expect(used.count > 10 && named.count > 15)
        for key in named { #expect(SiteURL.named[key]?.hasPrefix("/") == true, "no fixed address named \(key)") }
        let links = SiteURL.caseLinks(.staff, "c-1")
        for key in used { #expect(links[key]?.hasPrefix("/") == true, "no address named \(key)") }
        #expect(links["confirmRuling"] == "/work/cases/c-1/rulings/confirm-proposed")
        #expect(SiteURL.caseLinks(.member, "c-1")["messages"] == "/my/cases/c-1/messages")
    }

    /// The policy editor names its settings by a key it makes from the setting's name.
    @Test func everyPolicySettingIsNamed() {
        for chinese in [true, false] {
            for field in AdminPages.fields(.default, chinese: chinese) {
                #expect(field.label != "policy_" + field.name && !field.label.isEmpty, "\(field.name)")
            }
        }
    }

    /// A portal's templates use none of another portal's own words (the member's 补充说明 on the agent's reply box was
    /// one); the browser story checks the rendered pages against the same table.
    @Test func noPortalsTemplateUsesAnotherRolesOwnWords() throws {
        let templates = Self.web.appendingPathComponent("Resources/templates")
        let portalOf: [(prefix: String, portal: String)] = [
            ("member-", "member"), ("my-", "member"), ("new", "member"), ("receipts", "member"), ("staff-", "staff"), ("queue", "staff"),
            ("merchant-case", "merchant"), ("merchant-cases", "merchant"), ("reviewer-", "reviewer"),
        ]
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            guard let portal = portalOf.first(where: { name.hasPrefix($0.prefix) })?.portal else { continue }
            let used = Set(
                try Self.matches(#"\{\{[#^/]?t\.([A-Za-z0-9_]+)\}"#, in: String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)))
            for (other, words) in WebText.own where other != portal {
                for key in words { #expect(!used.contains(key), "\(name) (\(portal)) uses \(other)'s word \(key)") }
            }
            checked += 1
        }
        #expect(checked >= 10)
        for words in WebText.own.values { for key in words { #expect(WebText.table[key] != nil, "\(key)") } }
    }

    @Test func aDomainValueIsNamedInBothLanguages() {
        for a in CaseAction.allCases { #expect(!a.labelZh.isEmpty && a.labelEn != a.rawValue && !a.labelZh.contains("_")) }
        for k in EventKind.allCases { #expect(!k.labelZh.isEmpty && !k.labelEn.isEmpty) }
        for q in Queue.allCases { #expect(q.label(chinese: true) != q.rawValue) }
    }
}
