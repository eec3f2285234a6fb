import Foundation
import Testing

@testable import RedressDomain

@Suite("Search text")
struct SearchTextTests {
    func texts(_ s: String) -> [String] { SearchText.tokens(s).map(\.text) }

    @Test func chineseBecomesOverlappingPairsAndItsLastCharacter() {
        // A run's first character stands beside its first pair (same position).
        #expect(texts("申请退款") == ["申请", "申", "请退", "退款", "款"])
        #expect(SearchText.tokens("申请退款").map(\.colocated) == [false, true, false, false, false])
        #expect(texts("退") == ["退"])
        #expect(texts("QQ号被盗") == ["qq", "号被", "号", "被盗", "盗"])
        #expect(texts("Steam 激活码 ABC-123") == ["steam", "激活", "激", "活码", "码", "abc", "123"])
        // Full-width letters and digits read as ASCII; punctuation separates.
        #expect(texts("ＱＱ１２３，退款！") == ["qq123", "退款", "退", "款"])
    }

    @Test func tokensKeepTheirExactByteRanges() {
        let text = "订单DD2026：充值未到账，请退款"
        let bytes = Array(text.utf8)
        for t in SearchText.tokens(text) {
            let original = String(decoding: bytes[t.start..<t.end], as: UTF8.self)
            #expect(original.lowercased() == t.text, "\(t)")
        }
    }

    @Test func queriesArePhrasesOfTokens() throws {
        let q = try #require(try SearchText.Query(parsing: "退款失败  QQ号 款"))
        #expect(q.terms.map(\.tokens) == [["退款", "款失", "失败"], ["qq", "号"], ["款"]])
        #expect(q.terms.map(\.prefix) == [false, false, true])
        #expect(try SearchText.Query(parsing: "   ") == nil)
        #expect(throws: DomainError.self) { try SearchText.Query(parsing: "，。！") }
        #expect(throws: DomainError.self) { try SearchText.Query(parsing: String(repeating: "退", count: 101)) }
        #expect(throws: DomainError.self) { try SearchText.Query(parsing: "a b c d e f g h i") }
        let fts = q.fts5(within: ComplaintQuery(memberId: "AB-12"))
        #expect(fts == "words : \"退款 款失 失败\" AND words : \"qq 号\" AND words : \"款\" * AND tags : uab12 NOT tags : vstaff")
        var staff = ComplaintQuery()
        staff.searchInternal = true
        #expect(q.tsquery(within: staff) == "('退款' <-> '款失' <-> '失败') & ('qq' <-> '号') & ('款':*)")
        var merchant = ComplaintQuery()
        merchant.respondentMerchantId = "shop-1"
        #expect(q.tsquery(within: merchant).hasSuffix("& '#mshop1' & !'#vstaff'"))
    }

    /// Found by the tokens ⇔ found as a substring, for Chinese terms: the property search recall rests on.
    @Test func tokenMatchesAgreeWithSubstringsForChinese() throws {
        let texts = ["充值未到账，客服说要等退款", "账号被盗刷了三次", "申请退款失败", "封号理由不明", "退", "款项已退回"]
        for word in ["退款", "到账", "盗刷", "款", "退", "封号理由", "款项已退回"] {
            let q = try #require(try SearchText.Query(parsing: word))
            for t in texts {
                #expect(!SearchText.matches(of: q, in: t).isEmpty == t.contains(word), "\(word) in \(t)")
            }
        }
    }

    /// A term ending in one character after a word is found where a run starts with that character, without
    /// reading every word that begins with it.
    @Test func aWordThenOneCharacterIsAnExactPhrase() throws {
        let q = try #require(try SearchText.Query(parsing: "QQ号"))
        #expect(q.terms == [SearchText.Query.Term(tokens: ["qq", "号"], prefix: false)])
        for (text, found) in [("我的QQ号是123", true), ("ＱＱ号码被盗", true), ("QQ群号", false), ("号QQ", false)] {
            #expect(!SearchText.matches(of: q, in: text).isEmpty == found, "\(text)")
        }
        #expect(SearchText.snippet(of: q, in: "我的QQ号是123")?.filter(\.match).map(\.text) == ["QQ号"])
    }

    @Test func snippetsMarkWhatWasFound() throws {
        let q = try #require(try SearchText.Query(parsing: "退款 Steam"))
        let text = String(repeating: "前文很长", count: 20) + "我在Steam买的游戏申请退款没有回应" + String(repeating: "后文", count: 60)
        let parts = try #require(SearchText.snippet(of: q, in: text))
        #expect(parts.filter(\.match).map(\.text) == ["Steam", "退款"])
        #expect(parts.first?.text == "…" && parts.last?.text == "…")
        #expect(parts.map(\.text).joined().count < 100)
        // A lone character marks only itself, not the pair it starts.
        let one = try #require(try SearchText.Query(parsing: "款"))
        #expect(SearchText.snippet(of: one, in: "退款失败")?.filter(\.match).map(\.text) == ["款"])
        #expect(SearchText.snippet(of: one, in: "没有") == nil)
    }

    @Test func theIndexHoldsNoPersonalDataAndKeepsInternalNotesApart() throws {
        var draft = Fixtures.draft(narrative: "充值没到账，我的电话 13912345678，身份证 11010519491231002X")
        draft.order.orderNumber = "KM20261201"
        let change = try Fixtures.workflow.file(
            draft, id: "c1", caseNumber: "RD-20261201-000001", memberId: "m1", now: Fixtures.local(2026, 11, 30, 10))
        let events = TimelineEvent.seal(change.events, complaintId: "c1", after: nil)
        let pieces = SearchText.pieces(change.complaint, events: events)
        let words = pieces.map(\.text).joined(separator: " ")
        #expect(!words.contains("13912345678") && !words.contains("11010519491231002X"))
        #expect(words.contains("5678") && words.contains("KM20261201") && words.contains("RD-20261201-000001"))
        let note = EventDraft(
            kind: .internalNote, actor: CaseActor(id: "a", role: .agent), visibility: .internal, occurredAt: Date(),
            payload: ["body": .string("内部备注")])
        let sealed = TimelineEvent.seal([note], complaintId: "c1", after: (events.count, events.last!.hash))
        let notePieces = SearchText.pieces(change.complaint, events: sealed)
        #expect(notePieces.count == 1 && notePieces[0].staffOnly && notePieces[0].number == Int64(events.count + 1) << 4)
        #expect(SearchText.tags(notePieces[0], of: change.complaint) == ["vstaff", "um1"])
    }

    @Test func longTextsAreCutIntoOverlappingChunks() throws {
        let long = String(repeating: "甲乙丙丁", count: 2_500)  // 10,000 characters
        let e = EventDraft(kind: .publicMessage, actor: CaseActor(id: "a", role: .agent), occurredAt: Date(), payload: ["body": .string(long)])
        let sealed = TimelineEvent.seal([e], complaintId: "c1", after: nil)
        let c = try Fixtures.filed()
        let pieces = SearchText.pieces(c, events: sealed)
        #expect(pieces.count == 3)
        #expect(pieces.map { $0.number & 0xF } == [0, 1, 2])
        #expect(pieces.allSatisfy { $0.text.count <= 4_000 })
    }

    @Test func tsvectorsCarryPositionsAndTags() {
        #expect(SearchText.tsvector("退款退款", tags: ["vall"]) == "'退款':1,3 '退':1 '款退':2 '款':4 '#vall'")
    }
}
