import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import RedressDomain
import Synchronization

/// Where a PostgreSQL store lives: `postgres://user:password@host:port/database`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// TLS, as libpq's `sslmode` names it.
    public var tls: TLSMode
    /// The certificate authorities to trust (a PEM file, libpq's `sslrootcert`); the system's when nil.
    public var rootCertificate: String?

    /// `disable`: plain TCP. `prefer`: TLS when the server offers it, unchecked. `require`: TLS, the certificate
    /// unchecked. `verify-ca`: TLS with a certificate signed by a trusted authority. `verify-full`: that, and the
    /// certificate names the host.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .disable, rootCertificate: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// Parses a `postgres://` or `postgresql://` URL, with `?sslmode=` and `?sslrootcert=` as libpq reads them; the
    /// message names what is wrong.
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw StoreError.unavailable("the database URL must look like postgres://user:password@host:5432/database")
        }
        guard let host = url.host, !host.isEmpty else { throw StoreError.unavailable("the database URL names no host") }
        guard let user = url.user, !user.isEmpty else { throw StoreError.unavailable("the database URL names no user") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw StoreError.unavailable("the database URL names no database (…/NAME)") }
        var tls = TLSMode.disable
        var root: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError.unavailable(
                        "the database URL's sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not \(item.value ?? "nothing")")
                }
                tls = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw StoreError.unavailable("the database URL's sslrootcert names no file") }
                root = path
            default:
                throw StoreError.unavailable("the database URL's option \(item.name) is not understood (sslmode and sslrootcert are)")
            }
        }
        self.init(host: host, port: url.port ?? 5432, user: user, password: url.password, database: database, tls: tls, rootCertificate: root)
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" + (tls == .disable ? "" : "?sslmode=\(tls.rawValue)") }

    /// The same server and user, another database.
    public func database(_ name: String) -> PostgresLocation {
        var l = self
        l.database = name
        return l
    }

    /// NIOSSL's settings for the mode: which certificates are checked, and against which authorities.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard tls != .disable else { return nil }
        var c = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .prefer, .require: c.certificateVerification = .none
        case .verifyCA: c.certificateVerification = .noHostnameVerification
        case .verifyFull: c.certificateVerification = .fullVerification
        }
        if let root = rootCertificate {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw StoreError.unavailable("the database URL's sslrootcert \(root) cannot be read")
            }
            c.trustRoots = .file(root)
        }
        return c
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tlsMode: PostgresClient.Configuration.TLS =
            switch (tls, try tlsConfiguration()) {
            case (.prefer, let c?): .prefer(c)
            case (_, let c?): .require(c)
            case (_, nil): .disable
            }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsMode)
    }

    /// A single connection's settings (the start-up probe, creating databases).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsMode: PostgresConnection.Configuration.TLS
        do {
            tlsMode =
                switch (tls, try tlsConfiguration()) {
                case (.prefer, let c?): .prefer(try NIOSSLContext(configuration: c))
                case (_, let c?): .require(try NIOSSLContext(configuration: c))
                case (_, nil): .disable
                }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("the TLS settings for PostgreSQL cannot be used: \(error)")
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsMode)
    }
}

/// The store for several Redress servers sharing one PostgreSQL database.
///
/// Writes that touch cases and the evidence log run through a group commit as on SQLite: each server collects
/// them into one transaction on one connection, each job in its own savepoint. Every such transaction first
/// locks the log's frontier row, so transactions from all servers append to the one log one after the other, in
/// the order they commit, with no gap; everything else (users, merchants, the outbox, policies) is written in
/// its own short transaction. Reads go straight to the pool.
public final class PostgresStore: RedressStore {
    let client: PostgresClient
    let logger: Logger
    public let location: PostgresLocation
    private let runner: Task<Void, Never>
    let writer: PostgresWriter
    private let caseNumbers = CaseNumberBlocks()
    let feed = ChangeBroadcast()
    private let listener = Mutex<Task<Void, Never>?>(nil)

    /// Connects, checks the credentials and the schema version, and migrates. Every failure is a
    /// `StoreError` whose message says what is wrong in words (no stack trace, no password).
    public static func open(_ location: PostgresLocation, logger: Logger = Logger(label: "redress.postgres"), connections: Int = 8) async throws
        -> PostgresStore
    {
        try await probe(location, logger: logger)
        let store = PostgresStore(location: location, configuration: try location.clientConfiguration(), logger: logger, connections: connections)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        store.startListening()
        return store
    }

    private init(location: PostgresLocation, configuration: PostgresClient.Configuration, logger: Logger, connections: Int) {
        var configuration = configuration
        configuration.options.maximumConnections = max(2, connections)
        configuration.options.connectTimeout = .seconds(5)
        // The pool's own chatter (a lease asked for while it starts, connections it retries) stays out of the log;
        // what fails reaches the caller, who reports it.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        self.location = location
        self.runner = Task { await client.run() }
        self.writer = PostgresWriter(client: client, logger: logger)
    }

    deinit {
        runner.cancel()
        listener.withLock { $0?.cancel() }
    }

    /// Closes the pool.
    public func close() async {
        listener.withLock { $0?.cancel() }
        runner.cancel()
        _ = await runner.value
    }

    /// One connection, made and closed, to turn an unreachable server, a wrong password or a missing database
    /// into a sentence before the pool (which would retry quietly) is started.
    static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        let configuration = try location.connectionConfiguration()
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
            ).get()
            try? await connection.close()
        } catch {
            let reason = Self.describe(error)
            if reason.contains("Connection refused") {
                throw StoreError.unavailable("cannot connect to PostgreSQL at \(location): connection refused (is the server running and listening there?)")
            }
            if reason.contains("timed out") || reason.contains("connectTimeout") {
                throw StoreError.unavailable("cannot connect to PostgreSQL at \(location): no answer (timed out)")
            }
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(location): \(reason)")
        }
    }

    /// Creates the database `name` (letters, digits and `_`) on the server of `server` unless it exists.
    public static func createDatabase(_ name: String, on server: PostgresLocation, logger: Logger = Logger(label: "redress.postgres")) async throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw StoreError.unavailable("a database name is made of letters, digits and _")
        }
        let configuration = try server.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
            ).get()
        } catch {
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(server): \(describe(error))")
        }
        do {
            let exists = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger).collect()
            if exists.isEmpty {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw StoreError.unavailable("cannot create the database \(name): \(describe(error))")
        }
    }

    /// A failed TLS handshake, in words.
    static func describeTLS(_ error: any Error) -> String? {
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname {
            return "the server's TLS certificate is not for this host (sslmode=verify-full checks the name)"
        }
        if "\(error)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate is not trusted: no authority in the URL's sslrootcert (or the system's) signed it"
        }
        return nil
    }

    /// What went wrong, in words: the server's own message when it sent one.
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            if e.code == .sslUnsupported { return "the server does not offer TLS (the URL's sslmode asks for it)" }
            if let underlying = e.underlying { return describeTLS(underlying) ?? "\(underlying)" }
            if e.code == .serverClosedConnection || e.code == .connectionError {
                return "the connection failed or was closed before the server answered (unreachable host, or not a PostgreSQL server?)"
            }
            return "\(e.code)"
        }
        return "\(error)"
    }

    /// The SQLSTATE of a server error (`23505` unique violation, `23503` foreign key, `23514` check).
    static func sqlState(_ error: any Error) -> String? { (error as? PSQLError)?.serverInfo?[.sqlState] }

    // MARK: Queries

    /// Runs a query on a pooled connection and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch let e as PSQLError {
            throw Self.wrap(e)
        }
    }

    /// As `rows`, with the server's error as it came (for callers that tell constraint violations apart).
    @discardableResult
    func rawRows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }

    /// A short transaction of its own (not the group commit): for writes that do not touch cases or the log.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let e as PSQLError {
            throw Self.wrap(e)
        }
    }

    /// Server errors not handled where they happen become `unavailable` with the server's message.
    static func wrap(_ e: PSQLError) -> StoreError { .unavailable("PostgreSQL: \(describe(e))") }

    // MARK: Schema

    /// The migrations this binary knows.
    public static var schemaVersion: Int { PostgresSchema.migrations.last?.version ?? 0 }

    func migrate() async throws {
        try await client.withConnection { c in
            // One server migrates at a time; the others wait and then find nothing to do.
            try await c.query("SELECT pg_advisory_lock(7270001)", logger: logger)
            defer { Task { [logger] in _ = try? await c.query("SELECT pg_advisory_unlock(7270001)", logger: logger) } }
            try await c.query(
                "CREATE TABLE IF NOT EXISTS redress_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
                logger: logger)
            var current = 0
            for try await v in try await c.query("SELECT COALESCE(MAX(version), 0) FROM redress_schema", logger: logger).decode(Int.self) {
                current = v
            }
            if current > Self.schemaVersion {
                throw StoreError.schemaTooNew(
                    "the database is at schema version \(current) and this version of Redress knows \(Self.schemaVersion); upgrade Redress")
            }
            for m in PostgresSchema.migrations where m.version > current {
                try await c.query("BEGIN", logger: logger)
                do {
                    for statement in m.statements { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                    try await c.query(
                        "INSERT INTO redress_schema(version, name, applied_at_ms) VALUES (\(m.version), \(m.name), \(Codec.ms(Date())))", logger: logger)
                    try await c.query("COMMIT", logger: logger)
                    logger.notice("PostgreSQL schema migrated", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
                } catch {
                    _ = try? await c.query("ROLLBACK", logger: logger)
                    throw StoreError.unavailable("migration \(m.version) (\(m.name)) failed: \(Self.describe(error))")
                }
            }
            try await c.query("INSERT INTO ledger_frontier(id, size, peaks) VALUES (1, 0, ''::bytea) ON CONFLICT DO NOTHING", logger: logger)
            var years = 0
            for try await n in try await c.query("SELECT COUNT(*) FROM calendar_years", logger: logger).decode(Int.self) { years = n }
            if years == 0 {
                for year in try ShippedCalendars.load() {
                    try await c.query(
                        "INSERT INTO calendar_years(year, body, updated_at_ms) VALUES (\(year.year), \(try Codec.json(year)), 0) ON CONFLICT DO NOTHING",
                        logger: logger)
                }
            }
        }
    }

    /// Recomputes the log's frontier row from the stored leaves and nodes (after rows were copied in).
    package func rebuildLedgerFrontier() async throws {
        let size = try await rows("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves").first?.decode(Int.self) ?? 0
        let positions = MerkleFrontier.peakPositions(size: size)
        let hashes = try await storedHashes(positions)
        var peaks: [MerkleTree.Hash] = []
        for p in positions {
            do {
                peaks.append(try hashes.perfectSubtreeHash(level: p.level, index: p.index))
            } catch {
                throw StoreError.unavailable("the evidence log is damaged: the tree node at level \(p.level), index \(p.index) is missing")
            }
        }
        let frontier = MerkleFrontier(size: size, peaks: peaks)
        try await rows("UPDATE ledger_frontier SET size = \(frontier.size), peaks = \(ByteBuffer(bytes: frontier.peaks.flatMap { $0 })) WHERE id = 1")
    }

    // MARK: Users

    public func createUser(_ u: StoredUser) async throws {
        do {
            try await rawRows(
                """
                INSERT INTO users(id, role, login, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                VALUES (\(u.user.id), \(u.user.role.rawValue), \(u.user.login), \(u.user.displayName), \(u.user.phone), \(u.passwordHash),
                        \(Codec.ms(u.user.createdAt)), \(u.user.disabled), \(u.user.merchantId), \(u.user.email))
                """)
        } catch {
            switch Self.sqlState(error) {
            case "23505": throw StoreError.duplicate(field: "login")
            case "23503", "23514": throw StoreError.notFound
            default: throw Self.storeError(error)
            }
        }
    }

    static let userColumns = "id, role, login, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email"

    static func storedUser(_ row: PostgresRow) throws -> StoredUser {
        let (id, role, login, name, phone, hash, created, disabled, merchant, email) = try row.decode(
            (String, String, String, String, String?, String, Int64, Bool, String?, String?).self)
        guard let r = Role(rawValue: role) else { throw StoreError.unavailable("unknown role in users table") }
        return StoredUser(
            user: User(
                id: id, role: r, login: login, displayName: name, phone: phone, createdAt: Codec.date(created), disabled: disabled, merchantId: merchant,
                email: email),
            passwordHash: hash)
    }

    public func user(id: String) async throws -> StoredUser? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)").first.map(Self.storedUser)
    }

    public func user(login: String) async throws -> StoredUser? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE login = \(login)").first.map(Self.storedUser)
    }

    public func users(role: Role?) async throws -> [User] {
        let result =
            if let role {
                try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE role = \(role.rawValue) ORDER BY created_at_ms, id")
            } else {
                try await rows("SELECT \(unescaped: Self.userColumns) FROM users ORDER BY created_at_ms, id")
            }
        return try result.map { try Self.storedUser($0).user }
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        if try await rows("UPDATE users SET disabled = \(disabled) WHERE id = \(id) RETURNING 1").isEmpty { throw StoreError.notFound }
    }

    public func disabledUserIds() async throws -> Set<String> {
        Set(try await rows("SELECT id FROM users WHERE disabled").map { try $0.decode(String.self) })
    }

    // MARK: Complaints

    public func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (String) throws -> CaseChange
    ) async throws -> CreateOutcome {
        let number = CaseNumber.make(date: day, sequence: try await nextCaseSequence(day))
        let prepared = PreparedCase.make(try make(number))
        return try await writer.submit(create: .init(prepared: prepared, claim: idempotency)) { w in
            if let claim = idempotency,
                let row = try await w.rows(
                    "SELECT request_hash, complaint_id FROM idempotency_keys WHERE member_id = \(claim.memberId) AND key = \(claim.key)"
                ).first
            {
                let (hash, id) = try row.decode((String, String).self)
                guard hash == claim.requestHash else { throw StoreError.idempotencyConflict }
                guard let existing = try await Self.complaint(w, id: id) else { throw StoreError.notFound }
                return .replayed(existing)
            }
            try await Self.insert(w, prepared, idempotency: idempotency)
            return .created(prepared.complaint, prepared.events)
        }
    }

    /// The next number of the day's case sequence, from blocks reserved in the database: unique across every
    /// server, rising within one (a restart leaves the rest of its block unused: a gap, never a duplicate).
    func nextCaseSequence(_ day: CivilDate) async throws -> Int {
        let key = day.description
        if let n = caseNumbers.take(key) { return n }
        let block = CaseNumberBlocks.size
        let last =
            try await rows(
                """
                INSERT INTO case_sequences(day, last) VALUES (\(key), \(block))
                ON CONFLICT(day) DO UPDATE SET last = case_sequences.last + \(block) RETURNING last
                """
            ).first?.decode(Int.self) ?? block
        caseNumbers.add(key, (last - block + 1)...last)
        return caseNumbers.take(key) ?? last
    }

    /// A new case with its events, notices, log entries and idempotency key: one statement.
    static func insert(_ w: PostgresBatch, _ p: PreparedCase, idempotency claim: IdempotencyClaim?) async throws {
        let c = p.complaint
        var b = SQLBuilder()
        let ledger = w.reserve(p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) })
        var clauses = [
            """
            c AS (INSERT INTO complaints(id, case_number, member_id, category, dimension, status, tier, queue, assignee_id, emergency,
              amount_at_stake_fen, next_due_at_ms, sweep_due_at_ms, created_at_ms, updated_at_ms, event_count, head_hash, body,
              respondent_merchant_id, reviewers)
            VALUES (\(b.bind(c.id)), \(b.bind(c.caseNumber)), \(b.bind(c.memberId)), \(b.bind(c.categoryCode)), \(b.bind(c.dimension.rawValue)),
              \(b.bind(c.status.rawValue)), \(b.bind(c.tier.rawValue)), \(b.bind(c.queue.rawValue)), \(b.bind(c.assigneeId)), \(b.bind(c.emergency)),
              \(b.bind(c.amountAtStakeFen)), \(b.bind(c.nextDueAt.map(Codec.ms))), \(b.bind(c.sweepDueAt.map(Codec.ms))), \(b.bind(Codec.ms(c.createdAt))),
              \(b.bind(Codec.ms(c.updatedAt))), \(b.bind(c.eventCount)), \(b.bind(c.headHash)), \(b.bind(p.body)), \(b.bind(c.respondentMerchantId)),
              \(b.bind(c.reviewersColumn))))
            """
        ]
        clauses += eventClauses(&b, p.events, payloads: p.payloads) + noticeClauses(&b, complaintId: c.id, p.notices) + ledger.clauses(&b)
        if let claim {
            clauses.append(
                """
                k AS (INSERT INTO idempotency_keys(member_id, key, request_hash, complaint_id, created_at_ms)
                  VALUES (\(b.bind(claim.memberId)), \(b.bind(claim.key)), \(b.bind(claim.requestHash)), \(b.bind(c.id)), \(b.bind(Codec.ms(c.createdAt)))))
                """)
        }
        b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT 1"
        try await w.write(b.query)
        w.changed(c)
    }

    /// Several new cases at once, as a batch's new cases are written: the idempotency keys they claim read in one
    /// statement, and every case with its events, notices, log entries and key inserted in another. Returns each
    /// request's outcome in order. A key claimed twice in the batch makes the second a replay of the first.
    static func insertAll(_ w: PostgresBatch, _ requests: [PostgresWriter.CreateRequest]) async throws -> [Result<any Sendable, any Error>] {
        var existing: [String: (hash: String, complaintId: String)] = [:]
        let claims = requests.compactMap(\.claim)
        if !claims.isEmpty {
            for row in try await w.rows(
                """
                SELECT k.member_id, k.key, k.request_hash, k.complaint_id FROM idempotency_keys k
                JOIN unnest(\(claims.map(\.memberId)), \(claims.map(\.key))) AS c(m, k) ON k.member_id = c.m AND k.key = c.k
                """)
            {
                let (member, key, hash, id) = try row.decode((String, String, String, String).self)
                existing[member + "\u{0}" + key] = (hash, id)
            }
        }
        var outcomes: [Result<any Sendable, any Error>?] = Array(repeating: nil, count: requests.count)
        var replays: [(index: Int, complaintId: String)] = []
        var fresh: [Int] = []
        var claimedHere: [String: Int] = [:]
        for (i, r) in requests.enumerated() {
            guard let claim = r.claim else {
                fresh.append(i)
                continue
            }
            let slot = claim.memberId + "\u{0}" + claim.key
            if let (hash, id) = existing[slot] {
                if hash == claim.requestHash { replays.append((i, id)) } else { outcomes[i] = .failure(StoreError.idempotencyConflict) }
            } else if let first = claimedHere[slot] {
                let original = requests[first]
                if original.claim?.requestHash == claim.requestHash {
                    outcomes[i] = .success(CreateOutcome.replayed(original.prepared.complaint))
                } else {
                    outcomes[i] = .failure(StoreError.idempotencyConflict)
                }
            } else {
                claimedHere[slot] = i
                fresh.append(i)
            }
        }
        if !replays.isEmpty {
            var bodies: [String: Complaint] = [:]
            for row in try await w.rows("SELECT id, body FROM complaints WHERE id = ANY(\(replays.map(\.complaintId)))") {
                let (id, body) = try row.decode((String, String).self)
                bodies[id] = try Complaint.fromStorage(body)
            }
            for (i, id) in replays {
                outcomes[i] = bodies[id].map { .success(CreateOutcome.replayed($0)) } ?? .failure(StoreError.notFound)
            }
        }
        if !fresh.isEmpty {
            let cases = fresh.map { requests[$0].prepared }
            let keys: [(IdempotencyClaim, Complaint)] = fresh.compactMap { i in requests[i].claim.map { ($0, requests[i].prepared.complaint) } }
            let ledger = w.reserve(cases.flatMap { p in p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) } })
            var b = SQLBuilder()
            let c = cases.map(\.complaint)
            // Arrays cannot hold NULL here: a missing id travels as '' and a missing instant as -1.
            var clauses = [
                """
                c AS (INSERT INTO complaints(id, case_number, member_id, category, dimension, status, tier, queue, assignee_id, emergency,
                  amount_at_stake_fen, next_due_at_ms, sweep_due_at_ms, created_at_ms, updated_at_ms, event_count, head_hash, body,
                  respondent_merchant_id, reviewers)
                SELECT id, num, mem, cat, dim, st, ti, q, NULLIF(asg, ''), em, amt, NULLIF(nd, -1), NULLIF(sd, -1), cr, up, ec, hh, body,
                  NULLIF(resp, ''), rev
                FROM unnest(\(b.bind(c.map(\.id))), \(b.bind(c.map(\.caseNumber))), \(b.bind(c.map(\.memberId))), \(b.bind(c.map(\.categoryCode))),
                  \(b.bind(c.map(\.dimension.rawValue))), \(b.bind(c.map(\.status.rawValue))), \(b.bind(c.map(\.tier.rawValue))), \(b.bind(c.map(\.queue.rawValue))),
                  \(b.bind(c.map { $0.assigneeId ?? "" })), \(b.bind(c.map(\.emergency))), \(b.bind(c.map(\.amountAtStakeFen))),
                  \(b.bind(c.map { $0.nextDueAt.map(Codec.ms) ?? -1 })), \(b.bind(c.map { $0.sweepDueAt.map(Codec.ms) ?? -1 })),
                  \(b.bind(c.map { Codec.ms($0.createdAt) })), \(b.bind(c.map { Codec.ms($0.updatedAt) })), \(b.bind(c.map(\.eventCount))),
                  \(b.bind(c.map(\.headHash))), \(b.bind(cases.map(\.body))), \(b.bind(c.map { $0.respondentMerchantId ?? "" })),
                  \(b.bind(c.map(\.reviewersColumn))))
                  AS t(id, num, mem, cat, dim, st, ti, q, asg, em, amt, nd, sd, cr, up, ec, hh, body, resp, rev))
                """
            ]
            clauses += eventClauses(&b, cases.flatMap(\.events), payloads: cases.flatMap(\.payloads))
            let notices = cases.flatMap { p in p.notices.map { (p.complaint.id, $0) } }
            if !notices.isEmpty {
                clauses.append(
                    """
                    n AS (INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms)
                      SELECT * FROM unnest(\(b.bind(notices.map(\.0))), \(b.bind(notices.map(\.1.sequence))), \(b.bind(notices.map(\.1.topic))),
                                           \(b.bind(notices.map(\.1.body))), \(b.bind(notices.map(\.1.createdAtMs)))))
                    """)
            }
            clauses += ledger.clauses(&b)
            if !keys.isEmpty {
                clauses.append(
                    """
                    k AS (INSERT INTO idempotency_keys(member_id, key, request_hash, complaint_id, created_at_ms)
                      SELECT * FROM unnest(\(b.bind(keys.map(\.0.memberId))), \(b.bind(keys.map(\.0.key))), \(b.bind(keys.map(\.0.requestHash))),
                                           \(b.bind(keys.map(\.1.id))), \(b.bind(keys.map { Codec.ms($0.1.createdAt) }))))
                    """)
            }
            b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT 1"
            try await w.write(b.query)
            for (i, p) in zip(fresh, cases) {
                w.changed(p.complaint)
                outcomes[i] = .success(CreateOutcome.created(p.complaint, p.events))
            }
        }
        return outcomes.map { $0 ?? .failure(StoreError.unavailable("a new case was left unwritten")) }
    }

    /// A change's events, all in one clause; a missing actor travels as '' (no id is empty).
    static func eventClauses(_ b: inout SQLBuilder, _ events: [TimelineEvent], payloads: [String], condition: String = "true") -> [String] {
        guard !events.isEmpty else { return [] }
        return [
            """
            e AS (INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash)
              SELECT c, s, k, NULLIF(a, ''), r, v, o, p, ph, h
              FROM unnest(\(b.bind(events.map(\.complaintId))), \(b.bind(events.map(\.sequence))), \(b.bind(events.map(\.kind.rawValue))),
                          \(b.bind(events.map { $0.actor.id ?? "" })), \(b.bind(events.map(\.actor.role.rawValue))), \(b.bind(events.map(\.visibility.rawValue))),
                          \(b.bind(events.map(\.occurredAtMs))), \(b.bind(payloads)), \(b.bind(events.map(\.previousHash))), \(b.bind(events.map(\.hash))))
                AS t(c, s, k, a, r, v, o, p, ph, h)
              WHERE \(condition))
            """
        ]
    }

    static func noticeClauses(_ b: inout SQLBuilder, complaintId: String, _ rows: [NoticeRow], condition: String = "true") -> [String] {
        guard !rows.isEmpty else { return [] }
        return [
            """
            n AS (INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms)
              SELECT \(b.bind(complaintId)), s, t, b, c
              FROM unnest(\(b.bind(rows.map(\.sequence))), \(b.bind(rows.map(\.topic))), \(b.bind(rows.map(\.body))), \(b.bind(rows.map(\.createdAtMs))))
                AS n(s, t, b, c)
              WHERE \(condition))
            """
        ]
    }

    /// The hottest reads run as named prepared statements, parsed and planned once per connection.
    struct CaseBody: PostgresPreparedStatement {
        static let sql = "SELECT body FROM complaints WHERE id = $1"
        typealias Row = String
        var id: String
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(id)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    struct CaseEvents: PostgresPreparedStatement {
        static let sql = """
            SELECT complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash
            FROM events WHERE complaint_id = $1 ORDER BY sequence
            """
        typealias Row = TimelineEvent
        var complaintId: String
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(complaintId)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> TimelineEvent { try PostgresStore.event(row) }
    }

    /// Runs a prepared statement on the pool and collects its rows.
    func prepared<S: PostgresPreparedStatement>(_ statement: S) async throws -> [S.Row] {
        do {
            var out: [S.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { out.append(row) }
            return out
        } catch let e as PSQLError {
            throw Self.wrap(e)
        }
    }

    public func complaint(id: String) async throws -> Complaint? {
        guard let body = try await prepared(CaseBody(id: id)).first else { return nil }
        return try Complaint.fromStorage(body)
    }

    static func complaint(_ w: PostgresBatch, id: String) async throws -> Complaint? {
        guard let row = try await w.rows("SELECT body FROM complaints WHERE id = \(id)").first else { return nil }
        return try Complaint.fromStorage(try row.decode(String.self))
    }

    public func complaintHead(id: String) async throws -> ComplaintHead? {
        guard let row = try await rows("SELECT member_id, queue, assignee_id, event_count FROM complaints WHERE id = \(id)").first else { return nil }
        let (member, queue, assignee, count) = try row.decode((String, String, String?, Int).self)
        guard let q = Queue(rawValue: queue) else { return nil }
        return ComplaintHead(id: id, memberId: member, queue: q, assigneeId: assignee, eventCount: count)
    }

    public func complaints(_ q: ComplaintQuery) async throws -> ComplaintPage {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let m = q.memberId { conditions.append("member_id = \(bind(m))") }
        if let queues = q.queues {
            if queues.isEmpty { return ComplaintPage(items: [], total: 0) }
            conditions.append("queue IN (\(queues.map(\.rawValue).sorted().map(bind).joined(separator: ",")))")
        }
        if let statuses = q.statuses, !statuses.isEmpty {
            conditions.append("status IN (\(statuses.map(\.rawValue).sorted().map(bind).joined(separator: ",")))")
        } else if q.openOnly {
            conditions.append("status NOT IN ('resolved', 'closed', 'rejected', 'withdrawn')")
        }
        if let t = q.tier { conditions.append("tier = \(bind(t.rawValue))") }
        if let c = q.category { conditions.append("category = \(bind(c))") }
        if let m = q.respondentMerchantId { conditions.append("respondent_merchant_id = \(bind(m))") }
        if let r = q.reviewerId { conditions.append("strpos(reviewers, \(bind("," + r + ","))) > 0") }
        if let o = q.overdueAt {
            binds.append(Codec.ms(o))
            conditions.append("next_due_at_ms IS NOT NULL AND next_due_at_ms <= $\(binds.count)")
        }
        if let a = q.createdAfter {
            binds.append(Codec.ms(a))
            conditions.append("created_at_ms >= $\(binds.count)")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = q.memberId != nil || q.createdAfter != nil ? "ORDER BY created_at_ms DESC, id" : "ORDER BY next_due_at_ms ASC NULLS LAST, created_at_ms, id"
        let total = try await rows(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM complaints \(whereClause)", binds: binds)).first?.decode(Int.self) ?? 0
        let bodies = try await rows(
            PostgresQuery(unsafeSQL: "SELECT body FROM complaints \(whereClause) \(order) LIMIT \(q.limit) OFFSET \(q.offset)", binds: binds))
        return ComplaintPage(items: try bodies.map { try Complaint.fromStorage(try $0.decode(String.self)) }, total: total)
    }

    public func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (
        Complaint, [TimelineEvent]
    ) {
        try await writer.submit { w in
            guard let current = try await Self.complaint(w, id: complaintId) else { throw StoreError.notFound }
            guard let c = try change(current) else { return (current, [TimelineEvent]()) }
            let p = PreparedUpdate.make(c, to: current)
            guard try await Self.write(w, p) else { throw StoreError.unavailable("the case changed during the update") }
            return (p.complaint, p.events)
        }
    }

    /// The sweeper's batches: read and prepared outside the transaction; a case that moved on in between (its event
    /// count changed, on this server or another) is done again inside it on its current state, so a timer fires once.
    public func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(
        Complaint, [TimelineEvent]
    )] {
        guard !complaintIds.isEmpty else { return [] }
        let bodies = try await rows("SELECT body FROM complaints WHERE id = ANY(\(complaintIds))")
        var prepared: [PreparedUpdate] = []
        for row in bodies {
            let current = try Complaint.fromStorage(try row.decode(String.self))
            if let c = try change(current) { prepared.append(PreparedUpdate.make(c, to: current)) }
        }
        let ready = prepared
        return try await writer.submit { w in
            var out: [(Complaint, [TimelineEvent])] = []
            for p in ready {
                if try await Self.write(w, p) {
                    out.append((p.complaint, p.events))
                } else if let current = try await Self.complaint(w, id: p.complaint.id), let c = try change(current) {
                    let again = PreparedUpdate.make(c, to: current)
                    guard try await Self.write(w, again) else { throw StoreError.unavailable("the case changed during the update") }
                    out.append((again.complaint, again.events))
                }
            }
            return out
        }
    }

    /// Writes a prepared change with its events, notices and log entries in one statement; false (nothing written)
    /// when the case has moved on since it was read.
    static func write(_ w: PostgresBatch, _ p: PreparedUpdate, extra: [LedgerAppend] = []) async throws -> Bool {
        let c = p.complaint
        let mark = w.frontier
        let ledger = w.reserve(p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) } + extra)
        var b = SQLBuilder()
        let update = """
            u AS (UPDATE complaints SET status = \(b.bind(c.status.rawValue)), tier = \(b.bind(c.tier.rawValue)), queue = \(b.bind(c.queue.rawValue)),
              assignee_id = \(b.bind(c.assigneeId)), amount_at_stake_fen = \(b.bind(c.amountAtStakeFen)), next_due_at_ms = \(b.bind(c.nextDueAt.map(Codec.ms))),
              sweep_due_at_ms = \(b.bind(c.sweepDueAt.map(Codec.ms))), updated_at_ms = \(b.bind(Codec.ms(c.updatedAt))), event_count = \(b.bind(c.eventCount)),
              head_hash = \(b.bind(c.headHash)), body = \(b.bind(p.body)), respondent_merchant_id = \(b.bind(c.respondentMerchantId)),
              reviewers = \(b.bind(c.reviewersColumn))
            WHERE id = \(b.bind(c.id)) AND event_count = \(b.bind(p.expectedCount)) RETURNING 1)
            """
        // Everything else is written only if the case was still as read.
        let written = "EXISTS (SELECT 1 FROM u)"
        let clauses =
            [update] + eventClauses(&b, p.events, payloads: p.payloads, condition: written)
            + noticeClauses(&b, complaintId: c.id, p.notices, condition: written) + ledger.clauses(&b, condition: written)
        b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT COUNT(*) FROM u"
        let updated = try await w.write(b.query).first?.decode(Int.self) ?? 0
        guard updated == 1 else {
            w.restore(mark)
            return false
        }
        w.changed(c)
        return true
    }

    public func timeline(complaintId: String) async throws -> [TimelineEvent] {
        try await prepared(CaseEvents(complaintId: complaintId))
    }

    static func event(_ row: PostgresRow) throws -> TimelineEvent {
        let (complaintId, sequence, kind, actorId, actorRole, visibility, occurred, payloadText, previous, hash) = try row.decode(
            (String, Int, String, String?, String, String, Int64, String, String, String).self)
        guard let k = EventKind(rawValue: kind), let role = Role(rawValue: actorRole), let v = Visibility(rawValue: visibility) else {
            throw StoreError.unavailable("unreadable event row")
        }
        guard case .object(let payload) = try Codec.decode(CanonicalValue.self, payloadText) else {
            throw StoreError.unavailable("event payload is not an object")
        }
        return TimelineEvent(
            complaintId: complaintId, sequence: sequence, kind: k, actor: CaseActor(id: actorId, role: role), visibility: v, occurredAtMs: occurred,
            payload: payload, previousHash: previous, hash: hash)
    }

    public func complaintIds(after: String?, limit: Int) async throws -> [String] {
        try await rows("SELECT id FROM complaints WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)").map { try $0.decode(String.self) }
    }

    public func complaintsDue(at now: Date, limit: Int) async throws -> [String] {
        try await rows("SELECT id FROM complaints WHERE sweep_due_at_ms <= \(Codec.ms(now)) ORDER BY sweep_due_at_ms LIMIT \(limit)").map {
            try $0.decode(String.self)
        }
    }

    public func complaintCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM complaints").first?.decode(Int.self) ?? 0
    }

    // MARK: Evidence

    public func addEvidence(
        complaintId: String, file: EvidenceFile, bytes: [UInt8], change: @escaping @Sendable (Complaint) throws -> CaseChange
    ) async throws -> (Complaint, [TimelineEvent], alreadyPresent: Bool) {
        let blob = ByteBuffer(bytes: bytes)
        return try await writer.submit { w in
            guard let current = try await Self.complaint(w, id: complaintId) else { throw StoreError.notFound }
            if !(try await w.rows("SELECT 1 FROM complaint_evidence WHERE complaint_id = \(complaintId) AND sha256 = \(file.sha256)").isEmpty) {
                return (current, [], true)
            }
            try await w.write(
                """
                INSERT INTO evidence_blobs(sha256, size_bytes, media_type, bytes, created_at_ms)
                VALUES (\(file.sha256), \(file.sizeBytes), \(file.mediaType.rawValue), \(blob), \(Codec.ms(file.uploadedAt))) ON CONFLICT DO NOTHING
                """)
            let p = PreparedUpdate.make(try change(current), to: current)
            try await w.write(
                """
                INSERT INTO complaint_evidence(complaint_id, sha256, file_name, uploaded_by_id, uploaded_by_role, uploaded_at_ms, event_sequence)
                VALUES (\(complaintId), \(file.sha256), \(file.fileName), \(file.uploadedBy.id), \(file.uploadedBy.role.rawValue),
                        \(Codec.ms(file.uploadedAt)), \(p.events.first?.sequence))
                """)
            let entry = LedgerAppend(
                complaintId: complaintId, kind: "evidence_file", sequence: 0, sha256: file.sha256,
                leafHash: MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: complaintId, file)))
            guard try await Self.write(w, p, extra: [entry]) else { throw StoreError.unavailable("the case changed during the update") }
            return (p.complaint, p.events, false)
        }
    }

    static let evidenceColumns =
        "e.sha256, b.size_bytes, b.media_type, e.file_name, e.uploaded_by_id, e.uploaded_by_role, e.uploaded_at_ms"

    static func evidenceFile(_ row: PostgresRow) throws -> EvidenceFile {
        let cells = row.makeRandomAccess()
        let sha = try cells["sha256"].decode(String.self)
        let size = try cells["size_bytes"].decode(Int.self)
        let mediaType = try cells["media_type"].decode(String.self)
        let name = try cells["file_name"].decode(String.self)
        let byId = try cells["uploaded_by_id"].decode(String?.self)
        let byRole = try cells["uploaded_by_role"].decode(String.self)
        let at = try cells["uploaded_at_ms"].decode(Int64.self)
        guard let type = EvidenceMediaType(rawValue: mediaType), let role = Role(rawValue: byRole) else {
            throw StoreError.unavailable("unreadable evidence row")
        }
        return EvidenceFile(
            sha256: sha, sizeBytes: size, mediaType: type, fileName: name, uploadedBy: CaseActor(id: byId, role: role), uploadedAt: Codec.date(at))
    }

    public func evidence(complaintId: String) async throws -> [EvidenceFile] {
        try await rows(
            """
            SELECT \(unescaped: Self.evidenceColumns) FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
            WHERE e.complaint_id = \(complaintId) ORDER BY e.uploaded_at_ms, e.sha256
            """
        ).map(Self.evidenceFile)
    }

    public func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])? {
        guard
            let row = try await rows(
                """
                SELECT \(unescaped: Self.evidenceColumns), b.bytes FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                WHERE e.complaint_id = \(complaintId) AND e.sha256 = \(sha256)
                """
            ).first
        else { return nil }
        let bytes = try row.makeRandomAccess()["bytes"].decode(ByteBuffer.self)
        return (try Self.evidenceFile(row), Array(bytes.readableBytesView))
    }

    // MARK: Policy and calendars

    public func policy() async throws -> Policy {
        guard let row = try await rows("SELECT body FROM policies WHERE id = 1").first else { return .default }
        return try Codec.decode(Policy.self, try row.decode(String.self))
    }

    public func savePolicy(_ policy: Policy, by userId: String, at: Date) async throws {
        let body = try Codec.json(policy)
        try await transaction { [logger] c in
            // The row lock orders concurrent changes, so each history entry names the policy it really replaced.
            let previous = try await c.query("SELECT body FROM policies WHERE id = 1 FOR UPDATE", logger: logger).collect().first?.decode(String.self)
            try await c.query(
                """
                INSERT INTO policies(id, body, updated_at_ms, updated_by) VALUES (1, \(body), \(Codec.ms(at)), \(userId))
                ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by
                """, logger: logger)
            try await c.query(
                "INSERT INTO policy_history(body, updated_at_ms, updated_by, previous_body) VALUES (\(body), \(Codec.ms(at)), \(userId), \(previous))",
                logger: logger)
        }
    }

    public func calendarYears() async throws -> [HolidayYear] {
        try await rows("SELECT body FROM calendar_years ORDER BY year").map { try Codec.decode(HolidayYear.self, try $0.decode(String.self)) }
    }

    public func saveCalendarYear(_ year: HolidayYear, at: Date) async throws {
        try await rows(
            """
            INSERT INTO calendar_years(year, body, updated_at_ms) VALUES (\(year.year), \(try Codec.json(year)), \(Codec.ms(at)))
            ON CONFLICT(year) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms
            """)
    }

    // MARK: Several servers

    public func caseSignals() -> AsyncStream<CaseSignal> { feed.subscribe() }

    /// Relays the changes every server announces (`NOTIFY redress_cases`, sent when a write transaction commits) to
    /// this server's subscribers, on a connection of its own; reconnects after a failure.
    private func startListening() {
        let (client, feed, logger) = (client, feed, logger)
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { c in
                        try await c.listen(on: PostgresWriter.channel) { notifications in
                            for try await n in notifications {
                                if let s = CaseSignal(payload: n.payload) { feed.publish([s]) }
                            }
                        }
                    }
                } catch {
                    // The pool closing (the process ending) is not a failure worth a line.
                    if Task.isCancelled { return }
                    if let e = error as? PSQLError, e.code == .clientClosedConnection || e.code == .poolClosed { return }
                    logger.warning("listening for changes failed; retrying", metadata: ["error": "\(Self.describe(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        listener.withLock { $0 = task }
    }

    public func exclusively<T: Sendable>(_ job: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        // A session-level advisory lock on a connection held for the job: released when the job ends, or by the
        // server when this process dies and its connection drops.
        try await client.withConnection { [logger] c in
            let got = try await c.query("SELECT pg_try_advisory_lock(hashtext(\(job)))", logger: logger).collect().first?.decode(Bool.self) ?? false
            guard got else { return nil }
            do {
                let value = try await body()
                try await c.query("SELECT pg_advisory_unlock(hashtext(\(job)))", logger: logger)
                return value
            } catch {
                _ = try? await c.query("SELECT pg_advisory_unlock(hashtext(\(job)))", logger: logger)
                throw error
            }
        }
    }
}
