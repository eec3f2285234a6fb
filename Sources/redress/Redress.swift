import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import RedressApp
import RedressDomain
import RedressServer
import RedressStorage

@main
struct Redress: AsyncParsableCommand {
    /// Every command logs through `LogLines`.
    static func main() async {
        LogLines.bootstrap()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "redress",
        abstract: "Redress 维权台: complaint handling and dispute resolution for virtual-goods platforms.",
        subcommands: [
            Serve.self, Migrate.self, AdminCommand.self, DemoDataCommand.self, Verify.self, VerifyDossier.self, LedgerCommand.self, Sweep.self,
            MigrateData.self, Rescan.self, Fill.self, ReindexSearch.self, KeysCommand.self, Mailgate.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Options every command shares. A flag wins over its `REDRESS_*` variable, which wins over the default.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (env REDRESS_DATA, default ./data).")
    var data: String?
    @Option(
        name: .long,
        help:
            "A PostgreSQL database shared by several servers, postgres://user:password@host:port/name (env REDRESS_DATABASE_URL); default: SQLite in the data folder."
    )
    var database: String?

    func configuration() -> AppConfiguration {
        let env = ProcessInfo.processInfo.environment
        var c = AppConfiguration()
        c.dataDirectory = data ?? env["REDRESS_DATA"] ?? "./data"
        if let url = database ?? env["REDRESS_DATABASE_URL"], !url.isEmpty { c.databaseURL = url }
        if let h = env["REDRESS_HOST"] { c.host = h }
        if let p = env["REDRESS_PORT"].flatMap(Int.init) { c.port = p }
        if let l = env["REDRESS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) { c.logLevel = l }
        if let b = env["REDRESS_BCRYPT_COST"].flatMap(UInt8.init), (4...31).contains(b) { c.bcryptCost = b }
        if let s = env["REDRESS_SWEEP_SECONDS"].flatMap(Int.init), s > 0 { c.sweepInterval = .seconds(s) }
        if let s = env["REDRESS_HEAD_SECONDS"].flatMap(Double.init), s > 0 { c.headInterval = .milliseconds(Int(s * 1000)) }
        if let n = env["REDRESS_PLATFORM_NAME"], !n.isEmpty { c.platformName = n }
        if let t = env["REDRESS_METRICS_TOKEN"], t.count >= 16 { c.metricsToken = t }
        c.trustForwardedFor = env["REDRESS_TRUST_FORWARDED_FOR"] == "1"
        if let s = env["REDRESS_CLAMD"], !s.isEmpty { c.clamd = s }
        // A sendmail-compatible command, split on spaces: e.g. "/usr/bin/msmtp -t" or "/usr/sbin/sendmail -t -i".
        if let m = env["REDRESS_SENDMAIL"], !m.isEmpty { c.sendmailCommand = m.split(separator: " ").map(String.init) }
        if let f = env["REDRESS_MAIL_FROM"], !f.isEmpty { c.mailFrom = f }
        if let t = env["REDRESS_MAILGATE_TOKEN"], t.count >= 16 { c.mailgateToken = t }
        if let a = env["REDRESS_MAIL_REPLY_ADDRESS"], a.contains("@") { c.mailReplyAddress = a.lowercased() }
        if let n = env["REDRESS_MAIL_MAX_BYTES"].flatMap(Int.init), n > 0 { c.maxMailBytes = n }
        if let n = env["REDRESS_MAIL_PER_HOUR"].flatMap(Int.init), n > 0 { c.mailPerSenderPerHour = n }
        if let u = env["REDRESS_PUBLIC_URL"], !u.isEmpty { c.publicURL = u }
        if let s = env["REDRESS_OUTBOX_SECONDS"].flatMap(Double.init), s > 0 { c.outboxInterval = .milliseconds(Int(s * 1000)) }
        if let s = env["REDRESS_RETRY_SECONDS"].flatMap(Double.init), s > 0 { c.deliveryRetryBase = .milliseconds(Int(s * 1000)) }
        return c
    }

    /// Runs a command that writes: `body` gets the configuration (adjusted by `adjust`) and the store, and on the
    /// embedded store the data folder is held for its whole run. Refuses, with one sentence, while a server (or another
    /// writing command) holds the folder; PostgreSQL, which several servers share by design, takes no hold.
    func writing<T>(
        adjust: (inout AppConfiguration) -> Void = { _ in }, _ body: (AppConfiguration, any RedressStore) async throws -> T
    ) async throws -> T {
        var c = configuration()
        adjust(&c)
        var hold: DataFolderLock?
        if c.databaseURL == nil {
            do {
                hold = try DataFolderLock(folder: c.dataDirectory)
            } catch {
                throw StartupError("\(error)")
            }
        }
        defer { withExtendedLifetime(hold) {} }
        return try await body(c, try await openStore(c))
    }

    func openStore(_ c: AppConfiguration) async throws -> any RedressStore {
        var logger = Logger(label: "redress.store")
        logger.logLevel = c.logLevel
        do {
            return try await RedressApp.openStore(c, logger: logger)
        } catch let e as StoreError {
            switch e {
            case .schemaTooNew(let m), .unavailable(let m): throw StartupError("cannot open the store at \(c.storeDescription): \(m)")
            default: throw StartupError("cannot open the store at \(c.storeDescription): \(e)")
            }
        }
    }
}

/// A reason the command cannot start, printed as one sentence (no usage text, no stack trace); exit status 1.
struct StartupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "Address to listen on (env REDRESS_HOST, default 127.0.0.1).")
    var host: String?
    @Option(name: .long, help: "Port (env REDRESS_PORT, default 8080).")
    var port: Int?
    @Flag(name: .long, help: "Create the demo accounts and complaints if they are missing, and print the demo log-ins.")
    var demo = false

    func run() async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        try await store.writing(adjust: { c in
            if let host { c.host = host }
            if let port { c.port = port }
        }) { c, db in
            if demo || ProcessInfo.processInfo.environment["REDRESS_DEMO"] == "1" {
                try await DemoData.seed(into: db, now: Date(), bcryptCost: c.bcryptCost)
                printDemoLogins(host: c.host, port: c.port)
            }
            let app = try await buildApplication(configuration: c, dependencies: AppDependencies(store: db, registry: registry))
            try await app.runService()
        }
    }
}

/// The demo log-ins, written at once to standard output whether it is a terminal, a file or a service's log (print
/// alone is block-buffered when it is not a terminal, so they appeared only when the server stopped).
func printDemoLogins(host: String, port: Int) {
    var text = "Redress demo data is ready. Open http://\(host):\(port)/ and log in as:\n"
    for l in DemoData.logins {
        text +=
            "  \(l.role.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(l.login.padding(toLength: 26, withPad: " ", startingAt: 0)) \(l.password)\n"
    }
    FileHandle.standardOutput.write(Data(text.utf8))
}

struct Fill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add many synthetic cases to a store, for capacity measurements (not for a store people use).",
        discussion: """
            Files realistic Chinese complaints through the store (routing, clocks, evidence log, search index, aggregates
            as the API files them), without HTTP. The accounts are fill-m<n>@bench.redress and fill-agent@bench.redress,
            password \(SyntheticCases.password). Progress goes to standard error.
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "How many cases to add.") var cases: Int
    @Option(name: .long, help: "How many members file them (default: a fifth of the cases, at most 20,000).") var members: Int?
    @Option(name: .long, help: "Cases filed at once.") var concurrency = 64

    func run() async throws {
        guard cases > 0 else { throw ValidationError("--cases must be at least 1") }
        try await store.writing { _, db in
            var fill = SyntheticCases(cases: cases, members: members)
            fill.concurrency = max(1, concurrency)
            let report = try await fill.fill(into: db, now: Date()) { n, seconds in
                FileHandle.standardError.write(Data("\(n) cases, \(Int(Double(n) / max(seconds, 0.001)))/s\n".utf8))
            }
            print(
                "filed \(report.filed) cases (\(report.answered) answered, \(report.withdrawn) withdrawn) in \(String(format: "%.1f", report.seconds)) s: \(Int(Double(report.filed) / max(report.seconds, 0.001)))/s"
            )
        }
    }
}

struct ReindexSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex-search",
        abstract: "Build the search index again from every case (the server stopped; PostgreSQL: in one transaction).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { _, db in
            let started = Date()
            let n = try await db.rebuildSearchIndex()
            print("indexed \(n) cases in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { c, _ in print("Schema is up to date: \(c.storeDescription)") }
    }
}

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administer accounts from the server's machine.", subcommands: [AdminCreate.self, AdminResetPassword.self])
}

/// The first admin of an installation without demo data (or another one). The password is read from
/// REDRESS_ADMIN_PASSWORD or the first line of standard input, never from the command line (where `ps` shows it).
struct AdminCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an admin account; the password comes from REDRESS_ADMIN_PASSWORD or standard input.")
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "The log-in: an e-mail address or an 11-digit mobile number.")
    var login: String
    @Option(name: .long, help: "The name shown for the account.")
    var name: String = "平台管理员"

    func run() async throws {
        try await store.withAccounts { accounts, password, where_ in
            let user = try await accounts.createAdmin(login: login, password: password, displayName: name)
            print("Admin \(user.login) created in \(where_).")
        }
    }
}

/// A new password for an account (an admin who lost theirs, with no other admin to reset it); its sessions end. The
/// password is read as `admin create` reads it.
struct AdminResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password",
        abstract: "Set a new password for an account and end its sessions; the password comes from REDRESS_ADMIN_PASSWORD or standard input.")
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "The account's log-in.")
    var login: String

    func run() async throws {
        try await store.withAccounts { accounts, password, where_ in
            let user = try await accounts.resetPassword(login: login, to: password)
            print("The password of \(user.login) was changed in \(where_); its sessions are ended.")
        }
    }
}

struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-data", abstract: "Create demo accounts and complaints in several states.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.writing { c, db in
            let created = try await DemoData.seed(into: db, now: Date(), bcryptCost: c.bcryptCost)
            print(created ? "Demo data created in \(c.storeDescription)." : "Demo data was already present in \(c.storeDescription).")
            printDemoLogins(host: c.host, port: c.port)
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check every case's hash chain, every evidence file's hash, the evidence log and its signed heads; exit 1 naming the first break.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let c = store.configuration()
        let db = try await store.openStore(c)
        // Progress on standard error every 10,000 cases, so standard output stays the verdict.
        let started = ContinuousClock.now
        let report = try await StoreVerifier(store: db) { checked in
            guard checked % 10_000 == 0 else { return }
            let seconds = Double((ContinuousClock.now - started).components.seconds)
            FileHandle.standardError.write(Data("verified \(checked) cases in \(Int(seconds)) s…\n".utf8))
        }.verifyAll()
        if let failure = report.firstFailure {
            print("FAILED after checking \(report.cases) case(s), \(report.events) event(s), \(report.files) file(s)")
            print(failure)
            throw ExitCode(1)
        }
        print(
            "OK: \(report.cases) case(s), \(report.events) event(s), \(report.files) evidence file(s), \(report.logEntries) log entries and \(report.signedHeads) signed head(s) verified"
        )
    }
}

/// Every stored evidence file scanned again with clamd (after new signatures, or files kept in quarantine while the
/// scanner was down): the verdicts are recorded; a quarantined file found clean is served again.
struct Rescan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan every stored evidence file again with clamd (REDRESS_CLAMD) and record the verdicts; exit 1 when one is infected.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard let location = store.configuration().clamd else { throw ValidationError("REDRESS_CLAMD names no scanner (a socket path or host:port)") }
        let scanner = VirusScanner(location: location)
        var infected: [String] = []
        var count = 0
        try await store.writing { _, db in
            var after = ""
            while true {
                let page = try await db.evidenceHashes(after: after, limit: 500)
                for sha in page {
                    guard let bytes = try await db.evidenceBytes(sha256: sha) else { continue }
                    switch try await scanner.scan(bytes) {
                    case .clean: try await db.recordScan(sha256: sha, status: "clean", signature: nil, at: Date())
                    case .infected(let signature):
                        try await db.recordScan(sha256: sha, status: "infected", signature: signature, at: Date())
                        infected.append("\(sha) \(signature)")
                    }
                    count += 1
                }
                guard let last = page.last, page.count == 500 else { break }
                after = last
            }
        }
        print("Scanned \(count) file(s); \(infected.count) infected\(infected.isEmpty ? "." : ":")")
        for line in infected { print("  " + line) }
        if !infected.isEmpty { throw ExitCode(1) }
    }
}

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fire every timer due now (reminders, breaches and their consequences) once, as the server's sweeper does, and exit.",
        discussion: "Useful after downtime or to check the sweeper on a copy of the data. --at sweeps as of another instant (testing).")
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "Sweep as of this RFC 3339 instant instead of now.")
    var at: String?

    func run() async throws {
        var parsed = Date()
        if let at {
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let d = ISO8601DateFormatter().date(from: at) ?? fractional.date(from: at) else {
                throw ValidationError("--at must be an RFC 3339 instant such as 2026-11-30T08:00:00Z")
            }
            parsed = d
        }
        let instant = parsed
        var logger = Logger(label: "redress.sweep")
        logger.logLevel = .warning
        try await store.writing { _, db in
            let sweeper = DeadlineSweeper(store: db, now: { instant }, logger: logger)
            let start = ContinuousClock.now
            let changed = try await sweeper.sweepOnce()
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            print("Swept \(changed) case(s) with timers due by \(ISO8601DateFormatter().string(from: instant)) in \(String(format: "%.1f", ms)) ms")
        }
    }
}

struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Move a platform from the embedded SQLite store to an empty PostgreSQL database, then verify the copy.",
        discussion: """
            Copies every case, event, evidence file, log entry and signed head, user, merchant, policy and notice in one \
            PostgreSQL transaction (all or nothing), then runs the same checks as `redress verify` on the copy and exits 1 \
            naming the first break. Stop the server first: what it writes during the copy is not moved. The servers that \
            then use PostgreSQL need the data folder's token.key and ledger-ed25519.key.
            """)

    @Option(name: .long, help: "The SQLite store: sqlite:PATH, PATH being the redress.sqlite file or the data folder holding it.")
    var from: String
    @Option(name: .long, help: "The PostgreSQL database: postgres://user:password@host:port/name (empty, or new).")
    var to: String

    func run() async throws {
        var path = from.hasPrefix("sqlite:") ? String(from.dropFirst("sqlite:".count)) : from
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            path = (path as NSString).appendingPathComponent("redress.sqlite")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw StartupError("--from: no SQLite store at \(path)") }
        let hold: DataFolderLock
        do {
            hold = try DataFolderLock(folder: (path as NSString).deletingLastPathComponent)
        } catch {
            throw StartupError("--from: \(error)")
        }
        defer { withExtendedLifetime(hold) {} }
        var logger = Logger(label: "redress.migrate-data")
        logger.logLevel = .warning
        let source: SQLiteStore
        let target: PostgresStore
        let location: PostgresLocation
        do {
            source = try SQLiteStore(path: path, logger: logger)
        } catch {
            throw StartupError("cannot open the store at \(path): \(error)")
        }
        do {
            location = try PostgresLocation(url: to)
            // The copied rows stay sealed under the same data keys, so the target reads the source's keyring.
            target = try await PostgresStore.open(location, vault: source.vault, logger: logger)
        } catch let e as StoreError {
            throw StartupError("--to: \(e)")
        }
        let start = ContinuousClock.now
        let report: StoreMigration.Report
        do {
            report = try await StoreMigration(from: source, to: target).run()
        } catch let e as StoreError {
            await target.close()
            throw StartupError("nothing was moved: \(e)")
        }
        for (table, count) in report.rows where count > 0 { print("  \(table.padding(toLength: 20, withPad: " ", startingAt: 0)) \(count)") }
        print(
            "Moved \(path) to \(location) in \(String(format: "%.1f", Double((ContinuousClock.now - start).components.seconds))) s; checking the copy…"
        )
        let check = try await StoreVerifier(store: target).verifyAll()
        await target.close()
        if let failure = check.firstFailure {
            print("FAILED after checking \(check.cases) case(s), \(check.events) event(s), \(check.files) file(s)")
            print(failure)
            throw ExitCode(1)
        }
        print(
            "OK: \(check.cases) case(s), \(check.events) event(s), \(check.files) evidence file(s), \(check.logEntries) log entries and \(check.signedHeads) signed head(s) verified on PostgreSQL"
        )
    }
}

extension StoreOptions {
    /// Runs an account command on the held store: the password from REDRESS_ADMIN_PASSWORD or the first line of standard
    /// input (never the command line, where `ps` shows it); a refusal is printed in a sentence with exit status 65.
    func withAccounts(_ body: (AccountService, String, String) async throws -> Void) async throws {
        let password = ProcessInfo.processInfo.environment["REDRESS_ADMIN_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
        try await writing { c, db in
            let services = try await RedressServices.start(configuration: c, dependencies: AppDependencies(store: db, runSweeper: false))
            do {
                try await body(services.accounts, password, c.storeDescription)
            } catch {
                guard let refusal = AppError.from(error) else { throw error }
                FileHandle.standardError.write(Data((refusal.message(chinese: false) + "\n").utf8))
                throw ExitCode(65)
            }
        }
    }
}
