import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RedressAPI
import RedressDomain
import RedressServer
import RedressStorage
import RedressTestSupport
import Synchronization
import Testing

@testable import RedressApp

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(hours: Double) { current.withLock { $0 = $0.addingTimeInterval(hours * 3600) } }
}

/// A JSON answer from the API.
struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
    var errorMessage: String? { (object["error"] as? [String: Any])?["message"] as? String }
    subscript(key: String) -> Any? { object[key] }
}

/// The engines the API suites that take an argument run on: SQLite always, PostgreSQL when `REDRESS_TEST_POSTGRES_URL`
/// names a server the tests may create databases on (the test command starts one).
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var server: PostgresLocation? {
        ProcessInfo.processInfo.environment["REDRESS_TEST_POSTGRES_URL"].flatMap { try? PostgresLocation(url: $0) }
    }
    static var allCases: [Engine] { server == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// A Redress application on a fresh store (SQLite in a temporary folder, or a new PostgreSQL database), with a
/// hand-moved clock.
struct TestApp {
    let directory: String
    let store: any RedressStore
    let clock: TestClock
    /// The PostgreSQL database, when on PostgreSQL.
    let database: PostgresLocation?
    /// Where the application asks clamd, when a test scans uploads.
    var clamd: String? = nil
    /// Mail sent through a sendmail command that writes each message to `sent-*.eml` in the test's folder.
    var captureMail = false
    /// The mail gateway's allowance per sender and hour.
    var mailPerHour = 20

    static let start = Date(timeIntervalSince1970: 1_795_939_200)  // 2026-11-29T08:00:00Z, 16:00 in Shanghai

    init(_ engine: Engine = .sqlite) async throws {
        let name = UUID().uuidString.lowercased()
        directory = try TemporaryFolders.make("redress-api").path
        switch engine {
        case .sqlite:
            store = try SQLiteStore(path: directory + "/redress.sqlite")
            database = nil
        case .postgres:
            guard let server = Engine.server else { throw StoreError.unavailable("REDRESS_TEST_POSTGRES_URL is not set") }
            let name = "redress_api_" + name.filter { $0.isLetter || $0.isNumber }
            try await PostgresStore.createDatabase(name, on: server)
            database = server.database(name)
            store = try await PostgresStore.open(server.database(name), vault: try PersonalDataVault(keyringPath: directory + "/master.keys"))
        }
        clock = TestClock(Self.start)
    }

    /// The same store opened again, as a restarted server (or another one sharing the database) would.
    func reopen() async throws -> any RedressStore {
        if let database { return try await PostgresStore.open(database, vault: try PersonalDataVault(keyringPath: directory + "/master.keys")) }
        return try SQLiteStore(path: directory + "/redress.sqlite")
    }

    /// Changes stored rows behind Redress's back, as someone with access to the database could: `sqlite` on the
    /// SQLite file, `postgres` on the PostgreSQL database (each engine's own statements, triggers dropped first).
    /// An event's payload as plain text with `old` replaced by `new`, as an SQL string literal: what someone holding the
    /// master key and the database would write in its place (the stored payload is sealed).
    func plainPayload(_ complaintId: String, sequence: Int, replacing old: String, with new: String) async throws -> String {
        let events = try await store.timeline(complaintId: complaintId)
        let e = try #require(events.first { $0.sequence == sequence })
        let text = String(decoding: CanonicalValue.object(e.payload).canonicalBytes, as: UTF8.self)
        #expect(text.contains(old))
        return "'" + text.replacingOccurrences(of: old, with: new).replacingOccurrences(of: "'", with: "''") + "'"
    }

    func tamper(sqlite: [String], postgres: [String]) async throws {
        if let database {
            let c = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: .init(
                    host: database.host, port: database.port, username: database.user, password: database.password, database: database.database,
                    tls: .disable), id: 1, logger: Logger(label: "tamper")
            ).get()
            for statement in postgres { try await c.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "tamper")) }
            try await c.close()
        } else {
            let db = try DatabaseQueue(path: directory + "/redress.sqlite")
            try await db.write { db in for statement in sqlite { try db.execute(sql: statement) } }
        }
    }

    static let metricsToken = "test-metrics-token-0123456789"

    var configuration: AppConfiguration {
        var c = AppConfiguration(dataDirectory: directory, bcryptCost: 4, logLevel: .error)
        c.metricsToken = Self.metricsToken
        // Tests name their clients by X-Forwarded-For, as a reverse proxy would.
        c.trustForwardedFor = true
        c.clamd = clamd
        c.mailgateToken = Self.mailgateToken
        c.mailReplyAddress = "complaints@redress.test"
        c.mailFrom = "redress@redress.test"
        c.mailPerSenderPerHour = mailPerHour
        if captureMail {
            // Beside the data folder, not in it (the server keeps the files in its data folder private).
            let script = directory + "-sendmail.sh"
            if !FileManager.default.fileExists(atPath: script) {
                let text = "#!/bin/sh\ncat > \"\(directory)/sent-$(date +%s%N)-$$.eml\"\n"
                FileManager.default.createFile(atPath: script, contents: Data(text.utf8))
            }
            chmod(script, 0o755)
            c.sendmailCommand = [script]
        }
        return c
    }

    static let mailgateToken = "test-mailgate-token-0123456789"

    /// The messages the application sent through the capturing sendmail command, oldest first.
    func sentMail() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("sent-") }.sorted().map {
            try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)
        }
    }

    @discardableResult
    func test<T: Sendable>(_ body: @Sendable (Client) async throws -> T) async throws -> T {
        try await test(on: store, body)
    }

    /// An application on another opening of the store: a restarted server, or a second one sharing the database.
    @discardableResult
    func test<T: Sendable>(on store: any RedressStore, _ body: @Sendable (Client) async throws -> T) async throws -> T {
        let clock = self.clock
        let app = try await buildApplication(
            configuration: configuration, dependencies: AppDependencies(store: store, now: { clock.now }, runSweeper: false))
        return try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    /// A staff account created directly in the store (registration only makes members).
    func staff(_ role: Role, login: String) async throws -> String {
        let u = User(id: UUID().uuidString.lowercased(), role: role, login: login, displayName: "\(role.rawValue)", createdAt: clock.now)
        try await store.createUser(StoredUser(user: u, passwordHash: Bcrypt.hash("password-123", cost: 4)))
        return u.id
    }

    func sweeper() -> DeadlineSweeper {
        let clock = self.clock
        return DeadlineSweeper(store: store, now: { clock.now })
    }
}

struct Client {
    let client: any TestClientProtocol

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> Reply {
        var h = headers
        if let token { h[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            if h[.contentType] == nil { h[.contentType] = "application/json" }
            payload = ByteBuffer(string: json)
        }
        return try await client.execute(uri: uri, method: method, headers: h, body: payload) { r in
            Reply(status: r.status, headers: r.headers, body: r.body)
        }
    }

    func login(_ login: String, _ password: String = "password-123") async throws -> String {
        let r = try await call(.post, "/api/v1/auth/login", json: #"{"login":"\#(login)","password":"\#(password)"}"#)
        #expect(r.status == .ok, "login \(login): \(String(buffer: r.body))")
        return r["token"] as? String ?? ""
    }

    /// Registers a member and returns their token.
    func member(_ login: String) async throws -> String {
        let r = try await call(.post, "/api/v1/members", json: #"{"login":"\#(login)","password":"password-123","displayName":"会员"}"#)
        #expect(r.status == .created, "register \(login): \(String(buffer: r.body))")
        return try await self.login(login)
    }

    static func complaint(
        category: String = "transaction.topup_not_credited", paid: String = "9800", claimed: String = "9800", narrative: String = "充值未到账",
        emergency: Bool = false
    ) -> String {
        #"{"category":"\#(category)","order":{"orderNumber":"KM2026","amountPaidFen":\#(paid),"productKind":"game_topup","respondent":"platform"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"\#(narrative)","remedy":{"kind":"refund"},"amountClaimedFen":\#(claimed),"emergency":\#(emergency)}"#
    }

    /// Files a complaint and returns its id.
    func file(_ token: String, _ body: String = Client.complaint()) async throws -> String {
        let r = try await call(.post, "/api/v1/complaints", token: token, json: body)
        #expect(r.status == .created, "\(String(buffer: r.body))")
        return r["id"] as? String ?? ""
    }
}
