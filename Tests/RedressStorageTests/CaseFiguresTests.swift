import Foundation
import RedressDomain
import RedressStorage
import Testing

/// The maintained aggregates are what a recomputation from the cases gives, on both engines, after any history: a
/// random sequence of the actions people take (and the sweeper's), refused ones included.
@Suite("Maintained aggregates")
struct CaseFiguresTests {
    /// A small deterministic generator, so a failing history can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func recompute(_ store: any RedressStore) async throws -> [String: FigureTotals] {
        var out: [String: FigureTotals] = [:]
        for id in try await store.complaintIds(after: nil, limit: 10_000) {
            guard let c = try await store.complaint(id: id) else { continue }
            for (key, counters) in CaseFigures.contribution(of: c) { out[key.respondent, default: FigureTotals()].add(counters) }
        }
        return out
    }

    @Test(arguments: StoreEngine.allCases)
    func theAggregatesEqualARecomputationFromTheCasesAfterARandomHistory(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let wf = try await f.workflow()
        let member = try await f.member()
        var rng = Generator(state: 2026)
        var now = StoreFixture.now
        let categories = wf.taxonomy.categories.map(\.code)
        var ids: [String] = []
        for i in 0..<30 {
            let respondent = ["", "M-A", "M-B"][i % 3]
            var draft = StoreFixture.draft(paid: Int64.random(in: 100...90_000, using: &rng), category: categories.randomElement(using: &rng)!)
            if !respondent.isEmpty {
                draft.order.respondent = .merchant
                draft.order.merchantId = respondent
            }
            now = now.addingTimeInterval(Double.random(in: 60...20_000, using: &rng))
            ids.append(try await f.created(member, draft, at: now).id)
        }
        let people = [
            CaseActor(id: "agent", role: .agent), CaseActor(id: "l2", role: .specialist), CaseActor(id: "risk", role: .riskControl),
            CaseActor(id: member.id, role: .member),
        ]
        for _ in 0..<400 {
            now = now.addingTimeInterval(Double.random(in: 60...30_000, using: &rng))
            let at = now
            let id = ids.randomElement(using: &rng)!
            let pick = Int.random(in: 0..<10, using: &rng)
            let who = people.randomElement(using: &rng)!
            let action = CaseAction.allCases.randomElement(using: &rng)!
            let score = Int.random(in: 1...5, using: &rng)
            _ = try? await f.store.update(complaintId: id) { c in
                switch pick {
                case 0: return try? wf.message(on: c, by: CaseActor(id: "shop", role: .merchant), body: "商家答复", visibility: .public, now: at)
                case 1: return try? wf.message(on: c, by: CaseActor(id: "agent", role: .agent), body: "已受理", visibility: .public, now: at)
                case 2: return try? wf.rate(c, attitude: score, speed: score, overall: score, comment: nil, by: people[3], now: at)
                case 3: return wf.sweep(c, now: at)
                case 4: return try? wf.escalate(c, by: who, reason: "升级", now: at)
                case 5:
                    return try? wf.offerRemedy(
                        c, remedy: Remedy(kind: .refund), amountFen: 100, note: "退款", by: CaseActor(id: "shop", role: .merchant), now: at)
                case 6: return try? wf.rule(c, outcome: .forMember, remedy: nil, amountFen: nil, reason: "支持", by: people[1], now: at)
                default:
                    let note: String? = action == .proposeResolution ? "方案" : nil
                    return try? wf.act(action, on: c, by: who, input: ActionInput(note: note, rejectionReason: .duplicate), now: at)
                }
            }
        }
        let expected = try await Self.recompute(f.store)
        #expect(expected["*"]?.filed == 30 && expected.keys.count == 4)
        #expect((expected["*"]?[.answered] ?? 0) > 0 && (expected["*"]?[.finished] ?? 0) > 0, "the history reached answers and endings")
        for store in [f.store, try await f.reopen()] {
            for respondent in ["", "M-A", "M-B", "*"] {
                #expect(try await store.figures(respondent: respondent, fromDay: 0) == expected[respondent], "\(engine) \(respondent)")
            }
        }
        // A window counts only the cases filed in it.
        let lastDay = CaseFigures.day(of: now) + 1
        #expect(try await f.store.figures(respondent: "*", fromDay: lastDay).filed == 0)
        // The supervisor's dashboard read from the aggregates is the one counted from the cases, over any window.
        var cases: [Complaint] = []
        for id in ids { if let c = try await f.store.complaint(id: id) { cases.append(c) } }
        let span = CaseFigures.day(of: now) - CaseFigures.day(of: StoreFixture.now) + 1
        #expect(try await !f.store.figureRows(fromDay: 0).isEmpty)
        for days in [1, 3, span] {
            let fromDay = CaseFigures.day(of: now) - days + 1
            let read = Dashboard.compute(figures: try await f.store.figureRows(fromDay: fromDay), days: days, now: now)
            let counted = Dashboard.compute(cases, days: days, now: now)
            #expect(read == counted, "\(engine), \(days) days")
            if days == span {
                #expect(read.cases == 30 && read.merchants.count == 2 && read.platform.cases == 10)
                #expect(read.firstResponseBuckets.reduce(0, +) > 0 && !read.deadlines.isEmpty, "the history met and missed deadlines")
            }
        }
    }

    /// Changes committed together (many filings and actions at once, so each group commit holds several, some of them
    /// refused) leave the aggregates equal to the recomputation: a batch's additions are summed before they are written.
    @Test(arguments: StoreEngine.allCases)
    func theAggregatesStayEqualWhenManyChangesAreCommittedTogether(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let wf = try await f.workflow()
        let member = try await f.member()
        let store = f.store
        let categories = wf.taxonomy.categories.map(\.code)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<60 {
                var draft = StoreFixture.draft(paid: Int64(100 + i * 1_500), category: categories[i % categories.count])
                if i % 2 == 0 {
                    draft.order.respondent = .merchant
                    draft.order.merchantId = ["M-A", "M-B"][i % 4 / 2]
                }
                let at = StoreFixture.now.addingTimeInterval(Double(i) * 900)
                group.addTask { try await f.created(member, draft, at: at).id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let agent = CaseActor(id: "agent", role: .agent)
        let actions: [CaseAction] = CaseAction.allCases
        await withTaskGroup(of: Void.self) { group in
            for round in 0..<240 {
                let id = ids[(round * 7) % ids.count]
                let at = StoreFixture.now.addingTimeInterval(Double(60 * 900 + round * 1_200))
                let action = actions[round % actions.count]
                group.addTask {
                    _ = try? await store.update(complaintId: id) { c in
                        switch round % 4 {
                        case 0: return try? wf.message(on: c, by: agent, body: "已受理", visibility: .public, now: at)
                        case 1: return wf.sweep(c, now: at)
                        // Refused as often as not: the job is rolled back inside its batch.
                        default: return try wf.act(action, on: c, by: agent, input: ActionInput(note: "处理", rejectionReason: .duplicate), now: at)
                        }
                    }
                }
            }
        }
        let expected = try await Self.recompute(store)
        #expect(expected["*"]?.filed == 60)
        for respondent in ["", "M-A", "M-B", "*"] {
            #expect(try await store.figures(respondent: respondent, fromDay: 0) == expected[respondent], "\(engine) \(respondent)")
        }
    }
}

@Suite("Maintained aggregates at upgrade")
struct CaseFiguresUpgradeTests {
    /// A store from before the aggregates existed is counted once when it is opened by this version.
    @Test func aStoreFromBeforeTheAggregatesIsCountedOnceAtUpgrade() async throws {
        let f = try await StoreFixture(.sqlite)
        let member = try await f.member()
        for i in 0..<12 {
            var draft = StoreFixture.draft(paid: Int64(1_000 + i))
            if i % 2 == 0 {
                draft.order.respondent = .merchant
                draft.order.merchantId = "M-UP"
            }
            _ = try await f.created(member, draft, at: StoreFixture.now.addingTimeInterval(Double(i) * 3_600))
        }
        let expected = try await CaseFiguresTests.recompute(f.store)
        // As the store was before: no aggregates table, the migration not yet run.
        try await f.raw().write { db in
            try db.execute(sql: "DROP TABLE case_figures")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v6_create_case_figures', 'v14_dashboard_figures')")
        }
        let upgraded = try f.reopenSQLite()
        for respondent in ["", "M-UP", "*"] {
            #expect(try await upgraded.figures(respondent: respondent, fromDay: 0) == expected[respondent], "\(respondent)")
        }
        #expect(try await upgraded.figures(respondent: "M-UP", fromDay: 0).filed == 6)
    }
}
