import Foundation
import GRDB
import RedressDomain
import RedressStorage
import RedressTestSupport
import Testing

/// The storage engines every conformance test runs against (one suite, not a copy per engine). PostgreSQL joins
/// when `REDRESS_TEST_POSTGRES_URL` names a server the tests may create databases on (the test command starts one).
enum StoreEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var allCases: [StoreEngine] { PostgresTestServer.location == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// Opens (creating) the engine's store in `directory` (SQLite's file) or in the database named after it.
    func open(in directory: URL) async throws -> any RedressStore {
        switch self {
        case .sqlite: try SQLiteStore(path: directory.appendingPathComponent("redress.sqlite").path)
        case .postgres:
            try await PostgresStore.open(
                try PostgresTestServer.database(for: directory),
                vault: try PersonalDataVault(keyringPath: directory.appendingPathComponent("master.keys").path))
        }
    }
}

/// The PostgreSQL server of the test run: one new database per test folder.
enum PostgresTestServer {
    static var location: PostgresLocation? {
        ProcessInfo.processInfo.environment["REDRESS_TEST_POSTGRES_URL"].flatMap { try? PostgresLocation(url: $0) }
    }

    /// The database of a test folder, created on first use.
    static func database(for directory: URL) async throws -> PostgresLocation {
        guard let server = location else { throw StoreError.unavailable("REDRESS_TEST_POSTGRES_URL is not set") }
        let name = "redress_" + directory.lastPathComponent.lowercased().filter { $0.isLetter || $0.isNumber }
        try await PostgresStore.createDatabase(name, on: server)
        return server.database(name)
    }
}

/// A fresh store in its own temporary folder.
struct StoreFixture {
    let engine: StoreEngine
    let directory: URL
    let store: any RedressStore

    init(_ engine: StoreEngine = .sqlite) async throws {
        self.engine = engine
        directory = try TemporaryFolders.make("redress-store")
        store = try await engine.open(in: directory)
    }

    /// Opens the same store again, as a restarted server (or another server sharing the database) would.
    func reopen() async throws -> any RedressStore { try await engine.open(in: directory) }

    // SQLite only: the file itself, as someone with access to the disk would have it.
    var path: String { directory.appendingPathComponent("redress.sqlite").path }
    var sqlite: SQLiteStore {
        get throws {
            guard let s = store as? SQLiteStore else { throw StoreError.unavailable("not a SQLite store") }
            return s
        }
    }
    func reopenSQLite() throws -> SQLiteStore { try SQLiteStore(path: path) }
    func raw() throws -> DatabaseQueue { try DatabaseQueue(path: path) }

    /// A case's sealed body, payloads and file names written back in plain text, as someone holding the master key
    /// and the file would leave them before editing (the triggers must be gone): what the tampering tests start from.
    func unseal(_ complaintId: String) async throws {
        let c = try #require(try await store.complaint(id: complaintId))
        let events = try await store.timeline(complaintId: complaintId)
        let files = try await store.evidence(complaintId: complaintId)
        try await raw().write { db in
            try db.execute(sql: "UPDATE complaints SET body = ? WHERE id = ?", arguments: [String(decoding: c.storageBytes, as: UTF8.self), c.id])
            for e in events {
                try db.execute(
                    sql: "UPDATE events SET payload = ? WHERE complaint_id = ? AND sequence = ?",
                    arguments: [String(decoding: CanonicalValue.object(e.payload).canonicalBytes, as: UTF8.self), c.id, e.sequence])
            }
            for f in files {
                try db.execute(
                    sql: "UPDATE complaint_evidence SET file_name = ? WHERE complaint_id = ? AND sha256 = ?", arguments: [f.fileName, c.id, f.sha256])
            }
        }
    }

    func workflow() async throws -> CaseWorkflow {
        CaseWorkflow(policy: try await store.policy(), calendar: .china(years: try await store.calendarYears()))
    }

    static let now = Date(timeIntervalSince1970: 1_795_939_200)  // 2026-11-29T08:00:00Z

    @discardableResult
    func member(_ login: String = "13800138000") async throws -> User {
        let u = User(id: UUID().uuidString.lowercased(), role: .member, login: login, displayName: "会员", phone: "13800138000", createdAt: Self.now)
        try await store.createUser(StoredUser(user: u, passwordHash: "x"))
        return u
    }

    static func draft(paid: Int64 = 9_800, category: String = "transaction.topup_not_credited", narrative: String = "充值未到账") -> ComplaintDraft {
        ComplaintDraft(
            category: category, order: OrderReference(orderNumber: "KM1", amountPaidFen: paid, productKind: .gameTopup, respondent: .platform),
            occurredAt: now.addingTimeInterval(-86_400), narrative: narrative, remedy: Remedy(kind: .refund), amountClaimedFen: paid)
    }

    func file(_ member: User, _ draft: ComplaintDraft = StoreFixture.draft(), at: Date = StoreFixture.now, key: String? = nil) async throws
        -> CreateOutcome
    {
        let wf = try await workflow()
        let id = UUID().uuidString.lowercased()
        let claim = key.map { IdempotencyClaim(memberId: member.id, key: $0, requestHash: sha256Hex(Array("\(draft)".utf8))) }
        return try await store.createComplaint(day: wf.calendar.civilDate(of: at), idempotency: claim) { number in
            try wf.file(draft, id: id, caseNumber: number, memberId: member.id, now: at)
        }
    }

    func created(_ member: User, _ draft: ComplaintDraft = StoreFixture.draft(), at: Date = StoreFixture.now) async throws -> Complaint {
        guard case .created(let c, _) = try await file(member, draft, at: at) else { throw StoreError.notFound }
        return c
    }
}

/// The test command asks for both engines: a run where the PostgreSQL half of the engine suites would silently
/// disappear (no server named, or one that cannot be reached) fails here instead of passing on SQLite alone.
@Suite("Engines under test")
struct EnginesUnderTest {
    @Test func postgreSQLRunsWhenTheTestCommandAsksForIt() async throws {
        guard PostgresRequirement.required else { return }
        let server = try #require(
            PostgresTestServer.location,
            "REDRESS_TEST_POSTGRES_URL names no PostgreSQL server, so every engine suite would run on SQLite only")
        #expect(StoreEngine.allCases == [.sqlite, .postgres])
        let probe = try await PostgresStore.open(
            try await PostgresTestServer.database(for: URL(fileURLWithPath: "/probe-\(UUID().uuidString)")), vault: try PostgresTLSTests.vault())
        #expect(try await probe.complaintCount() == 0, "\(server)")
        await probe.close()
    }
}
