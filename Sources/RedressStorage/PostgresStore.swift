import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import RedressDomain
import Synchronization

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
    let caseNumbers = CaseNumberSequence()
    let feed = ChangeBroadcast()
    /// Queues lately found over the count bound (`LargeQueueCounts`).
    let largeCounts = LargeQueueCounts()
    private let listener = Mutex<Task<Void, Never>?>(nil)
    /// Personal data keys (`PersonalDataVault`).
    public let vault: PersonalDataVault

    /// Connects, checks the credentials and the schema version, and migrates. Every failure is a
    /// `StoreError` whose message says what is wrong in words (no stack trace, no password). Personal data is sealed
    /// under `vault`'s keys.
    public static func open(
        _ location: PostgresLocation, vault: PersonalDataVault, logger: Logger = Logger(label: "redress.postgres"), connections: Int = 8
    ) async throws -> PostgresStore {
        try await probe(location, logger: logger)
        let store = PostgresStore(
            location: location, configuration: try location.clientConfiguration(), vault: vault, logger: logger, connections: connections)
        do {
            try await store.migrate()
            try await store.prepareVault()
        } catch {
            await store.close()
            throw error
        }
        store.startListening()
        return store
    }

    private init(
        location: PostgresLocation, configuration: PostgresClient.Configuration, vault: PersonalDataVault, logger: Logger, connections: Int
    ) {
        self.vault = vault
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
                throw StoreError.unavailable(
                    "cannot connect to PostgreSQL at \(location): connection refused (is the server running and listening there?)")
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
                    try await m.then?(c, logger, vault)
                    try await c.query(
                        "INSERT INTO redress_schema(version, name, applied_at_ms) VALUES (\(m.version), \(m.name), \(Codec.ms(Date())))",
                        logger: logger)
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
            let id = u.user.id
            try await liveKeys(owners: [id])
            try await rawRows(
                """
                INSERT INTO users(id, role, login, login_sealed, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                VALUES (\(id), \(u.user.role.rawValue), \(try vault.loginIndex(u.user.login)), \(try vault.seal(u.user.login, owner: id)),
                        \(try vault.seal(u.user.displayName, owner: id)), \(try vault.seal(optional: u.user.phone, owner: id)), \(u.passwordHash),
                        \(Codec.ms(u.user.createdAt)), \(u.user.disabled), \(u.user.merchantId), \(try vault.seal(optional: u.user.email, owner: id)))
                """)
        } catch {
            switch Self.sqlState(error) {
            case "23505": throw StoreError.duplicate(field: "login")
            case "23503", "23514": throw StoreError.notFound
            default: throw Self.storeError(error)
            }
        }
    }

    public func user(id: String) async throws -> StoredUser? {
        try await storedUsers(try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)")).first
    }

    public func user(login: String) async throws -> StoredUser? {
        try await storedUsers(try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE login = \(try vault.loginIndex(login))")).first
    }

    public func users(role: Role?) async throws -> [User] {
        let result =
            if let role {
                try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE role = \(role.rawValue) ORDER BY created_at_ms, id")
            } else {
                try await rows("SELECT \(unescaped: Self.userColumns) FROM users ORDER BY created_at_ms, id")
            }
        return try await storedUsers(result).map(\.user)
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        if try await rows("UPDATE users SET disabled = \(disabled) WHERE id = \(id) RETURNING 1").isEmpty { throw StoreError.notFound }
    }

    public func saveProfile(id: String, login: String, displayName: String, phone: String?, email: String?) async throws {
        do {
            try await liveKeys(owners: [id])
            if try await rows(
                """
                UPDATE users SET login = \(try vault.loginIndex(login)), login_sealed = \(try vault.seal(login, owner: id)),
                  display_name = \(try vault.seal(displayName, owner: id)), phone = \(try vault.seal(optional: phone, owner: id)),
                  email = \(try vault.seal(optional: email, owner: id))
                WHERE id = \(id) RETURNING 1
                """
            ).isEmpty {
                throw StoreError.notFound
            }
        } catch {
            if Self.sqlState(error) == "23505" { throw StoreError.duplicate(field: "login") }
            throw error
        }
    }

    public func setPasswordHash(id: String, hash: String) async throws {
        if try await rows("UPDATE users SET password_hash = \(hash) WHERE id = \(id) RETURNING 1").isEmpty { throw StoreError.notFound }
    }

    public func disabledUserIds() async throws -> Set<String> {
        Set(try await rows("SELECT id FROM users WHERE disabled").map { try $0.decode(String.self) })
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
