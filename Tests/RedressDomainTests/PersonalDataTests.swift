import Foundation
import RedressDomain
import Testing

/// What a respondent merchant reads of a member's words: personal data masked, everything else as written.
@Suite("Personal data in free text")
struct PersonalDataTests {
    static let member = PersonalData.KnownValues(names: ["王小明"], contacts: ["13912345678", "wangxm@example.com"])

    struct Line {
        var text: String
        var hidden: [String]
        var kept: [String]
    }

    static func corpus() throws -> [Line] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/personal-data.tsv")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { raw in
            guard !raw.hasPrefix("#") else { return nil }
            let cols = raw.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func list(_ i: Int) -> [String] { i < cols.count ? cols[i].split(separator: "|").map(String.init) : [] }
            return Line(text: cols[0], hidden: list(1), kept: list(2))
        }
    }

    /// The figures the README states: at least 200 sentences, no personal data left readable (false negatives) and
    /// nothing else changed (false positives: a value that must stay readable altered, or a sentence without personal
    /// data changed at all).
    @Test func theCorpusIsMaskedWithoutMissesAndWithoutHarmingOrderNumbers() throws {
        let lines = try Self.corpus()
        #expect(lines.count >= 200)
        var missed: [String] = []
        var harmed: [String] = []
        var items = 0
        for line in lines {
            let shown = PersonalData.redact(line.text, knowing: Self.member)
            for h in line.hidden {
                items += 1
                if shown.contains(h) { missed.append("\(h) in \(shown)") }
            }
            for k in line.kept where !shown.contains(k) { harmed.append("\(k) in \(shown)") }
            if line.hidden.isEmpty && shown != line.text { harmed.append("changed: \(line.text) → \(shown)") }
        }
        #expect(items >= 150)
        #expect(missed.isEmpty, "false negatives: \(missed.count) of \(items)\n\(missed.joined(separator: "\n"))")
        #expect(harmed.isEmpty, "false positives: \(harmed.count)\n\(harmed.joined(separator: "\n"))")
    }

    @Test func eachKindIsMaskedInItsOwnWay() {
        func shown(_ s: String) -> String { PersonalData.redact(s, knowing: Self.member) }
        #expect(shown("电话 +86 138-0013-8000") == "电话 138****8000")
        #expect(shown("身份证11010519491231002X") == "身份证110105********002X")
        // A wrong check character is not an ID number (an 18-digit order number stays as it is).
        #expect(shown("单据110105194912310021") == "单据110105194912310021")
        #expect(shown("卡号 6222 0212 3456 7890") == "卡号 ************7890")
        #expect(shown("邮箱lihua88@163.com") == "邮箱l***@163.com")
        #expect(shown("QQ：123456789") == "QQ：12*******")
        #expect(shown("姓名：李四，会员到期") == "姓名：李*，会员到期")
        #expect(shown("我是王小明") == "我是王**")
        #expect(shown("ＱＱ号１２３４５６７８") == "ＱＱ号12******")
        #expect(shown("座机 0755-86013388") == "座机 0755-******88")
        #expect(shown("订单号6222021234567890") == "订单号6222021234567890")
    }

    @Test func residentIDsAndCardNumbersAreCheckedByTheirCheckDigits() {
        #expect(ResidentID.isValid("11010519491231002X"))
        #expect(!ResidentID.isValid("110105194912310021"))
        #expect(ResidentID.withCheck("11010519491231002") == "11010519491231002X")
        #expect(PersonalData.luhn("4539578763621486"))
        #expect(!PersonalData.luhn("4539578763621487"))
    }

    @Test func theMerchantsCopyOfACaseMasksEveryTextAndKeepsTheStoredOne() throws {
        var c = try Fixtures.filed()
        c.narrative = "我是王小明，电话13912345678"
        c.remedy = Remedy(kind: .other, text: "退到卡号6222021234567890123")
        c.rating = SatisfactionRating(attitude: 1, speed: 1, overall: 1, comment: "加我微信 wxid_abc12345", ratedAt: c.createdAt)
        let shown = c.redacted(knowing: Self.member)
        #expect(shown.narrative == "我是王**，电话139****5678")
        #expect(shown.remedy.text?.contains("6222021234567890123") == false)
        #expect(shown.rating?.comment == "加我微信 wx***********")
        #expect(c.narrative == "我是王小明，电话13912345678")
        let f = EvidenceFile(
            sha256: String(repeating: "a", count: 64), sizeBytes: 1, mediaType: .png, fileName: "付款截图_13912345678.png",
            uploadedBy: Fixtures.member, uploadedAt: c.createdAt)
        #expect(f.redacted(knowing: .none).fileName == "付款截图_139****5678.png")
    }
}
