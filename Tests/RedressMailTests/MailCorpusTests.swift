import Crypto
import Foundation
import Testing

@testable import RedressMail

/// The corpus of `scripts/mail-corpus.py`: each message read as `expected.json` says, byte for byte.
@Suite struct MailCorpusTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    struct Expected: Decodable {
        struct File: Decodable {
            var fileName: String
            var size: Int
            var sha256: String
            var inline: Bool
        }
        var error: String?
        var subject: String?
        var fromAddress: String?
        var fromName: String?
        var replyTo: String?
        var to: [String]?
        var inReplyTo: [String]?
        var references: [String]?
        var textContains: [String]?
        var textExcludes: [String]?
        var newText: String?
        var fromHTML: Bool?
        var attachments: [File]?
        var automatic: String?
    }

    static func expectations() throws -> [(String, Expected)] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode([String: Expected].self, from: data).sorted { $0.key < $1.key }
    }

    @Test func theCorpusHasAtLeastThirtyMessages() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count >= 30)
        #expect(Set(files) == Set(try Self.expectations().map(\.0)))
    }

    @Test(arguments: try MailCorpusTests.expectations().map(\.0))
    func message(_ name: String) throws {
        let expected = try #require(try Self.expectations().first { $0.0 == name }?.1)
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let parsed: MailMessage
        do {
            parsed = try MailMessage.parse(bytes)
        } catch {
            #expect(error.code == expected.error, "\(name): \(error)")
            return
        }
        #expect(expected.error == nil, "\(name) should have been refused with \(expected.error ?? "")")
        if let s = expected.subject { #expect(parsed.subject == s, "\(name)") }
        if let a = expected.fromAddress { #expect(parsed.from?.address == a, "\(name)") }
        if let n = expected.fromName { #expect(parsed.from?.name == n, "\(name)") }
        if let r = expected.replyTo { #expect(parsed.replyTo?.address == r, "\(name)") }
        if let to = expected.to { #expect(parsed.to.map(\.address) == to, "\(name)") }
        if let ids = expected.inReplyTo { #expect(parsed.inReplyTo == ids, "\(name)") }
        if let ids = expected.references { #expect(parsed.references == ids, "\(name)") }
        for t in expected.textContains ?? [] { #expect(parsed.text.contains(t), "\(name): \(parsed.text) lacks \(t)") }
        for t in expected.textExcludes ?? [] { #expect(!parsed.text.contains(t), "\(name): \(parsed.text) has \(t)") }
        if let n = expected.newText { #expect(ReplyText.newText(parsed.text) == n, "\(name): \(ReplyText.newText(parsed.text))") }
        #expect(parsed.fromHTML == (expected.fromHTML ?? false), "\(name)")
        #expect(parsed.automatic?.rawValue == expected.automatic, "\(name)")
        if let files = expected.attachments {
            #expect(parsed.attachments.map(\.fileName) == files.map(\.fileName), "\(name)")
            #expect(parsed.attachments.map(\.bytes.count) == files.map(\.size), "\(name)")
            #expect(parsed.attachments.map { sha256Hex($0.bytes) } == files.map(\.sha256), "\(name)")
            #expect(parsed.attachments.map(\.inline) == files.map(\.inline), "\(name)")
        }
    }

    /// The Linux converters: gb2312, gbk and their aliases must all reach GB18030 (the GBK_95 and EUC_CN converters
    /// return nil or fail on GBK-only characters such as 镕).
    @Test func gbkLabelsAllReadGBKOnlyCharacters() {
        let gbk: [UInt8] = [0xE9, 0x46, 0xD6, 0xD0, 0xCE, 0xC4]  // 镕中文
        for label in ["gb2312", "GBK", "x-gbk", "cp936", "gb18030", "GB2312", "\"gbk\""] {
            #expect(MailCharset.decode(gbk, charset: label) == "镕中文", "\(label)")
        }
        #expect(MailCharset.decode([0xA4, 0xA4, 0xA4, 0xE5], charset: "big5") == "中文")
    }

    @Test func encodedWordsKeepTheSpaceBetweenAWordAndText() {
        #expect(EncodedWords.decode("=?UTF-8?B?5oqV6K+J?= TS1") == "投诉 TS1")
        #expect(EncodedWords.decode("a =?UTF-8?Q?b?= =?UTF-8?Q?c?= d") == "a bc d")
        // A malformed word is left as it was.
        #expect(EncodedWords.decode("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=")
    }

    @Test func htmlTextDropsActiveContent() {
        let t = MailHTML.text("<p>a</p><script>evil()</script><SCRIPT>x</SCRIPT><iframe src=x>y</iframe><img src=http://t/x.gif>b &#x9000;&#27454;")
        #expect(t == "a\nb 退款")
    }

    func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
