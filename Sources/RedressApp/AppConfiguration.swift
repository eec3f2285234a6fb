import Foundation
import Logging
import RedressStorage

/// Everything `buildApplication` needs to know. Filled by the CLI from flags, `REDRESS_*` variables and defaults.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Holds `redress.sqlite`, `token.key`, `ledger-ed25519.key`.
    public var dataDirectory: String
    /// bcrypt cost factor for new password hashes.
    public var bcryptCost: UInt8
    /// How often the deadline sweeper runs.
    public var sweepInterval: Duration
    public var logLevel: Logger.Level
    /// How often a new tree head is signed while entries arrive.
    public var headInterval: Duration
    /// The platform's name, as it appears in notices and pre-filled complaint texts.
    public var platformName: String = "本平台"
    /// The sendmail-compatible command notices are e-mailed through (e.g. `/usr/bin/msmtp -t`); nil: no e-mail.
    public var sendmailCommand: [String]? = nil
    /// The sender of notice e-mails.
    public var mailFrom: String = "redress@localhost"
    /// How often the outbox looks for notices and deliveries.
    public var outboxInterval: Duration = .seconds(2)
    /// First retry after a failed delivery; each later one waits twice as long (capped at 6 h), 10 attempts in all.
    public var deliveryRetryBase: Duration = .seconds(30)
    /// A PostgreSQL database (`postgres://user:password@host:port/database`) shared by several servers; nil: the
    /// embedded SQLite file in the data folder.
    public var databaseURL: String? = nil
    /// The bearer value `/metrics` and the detailed `/health` ask for (REDRESS_METRICS_TOKEN); without it they are closed.
    public var metricsToken: String? = nil
    /// The server runs behind a reverse proxy that appends the client's address to X-Forwarded-For: the log-in
    /// throttle counts by that address (REDRESS_TRUST_FORWARDED_FOR=1). Off, it counts by the connection's peer.
    public var trustForwardedFor = false
    /// ClamAV's clamd, where uploads are scanned before they are accepted: a Unix socket path or host:port
    /// (REDRESS_CLAMD). Unset, uploads are not scanned (the server says so at start).
    public var clamd: String? = nil
    /// The bearer value `redress mailgate` presents when it hands a message over (REDRESS_MAILGATE_TOKEN, at least 16
    /// characters); without it the gateway endpoint is closed.
    public var mailgateToken: String? = nil
    /// The address members and merchants reply to (REDRESS_MAIL_REPLY_ADDRESS, e.g. `complaints@example.com`): notices
    /// then carry a per-case, per-recipient reply address (`complaints+r.<case>.<token>@example.com`) and say that a
    /// reply is added to the case. Unset, notices say not to reply.
    public var mailReplyAddress: String? = nil
    /// The largest message the gateway takes (REDRESS_MAIL_MAX_BYTES, default 10 MiB); larger mail is bounced with
    /// the reason.
    public var maxMailBytes: Int = 10 * 1024 * 1024
    /// Messages one sender may send in an hour before more are kept without an answer (REDRESS_MAIL_PER_HOUR).
    public var mailPerSenderPerHour: Int = 20
    /// The address people reach the site at, for links in mail (REDRESS_PUBLIC_URL); default http://host:port.
    public var publicURL: String? = nil
    public var siteURL: String { (publicURL ?? "http://\(host):\(port)").trimmingCharacters(in: CharacterSet(charactersIn: "/")) }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./data",
        bcryptCost: UInt8 = 10, sweepInterval: Duration = .seconds(30), logLevel: Logger.Level = .info,
        headInterval: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.bcryptCost = bcryptCost
        self.sweepInterval = sweepInterval
        self.logLevel = logLevel
        self.headInterval = headInterval
    }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("redress.sqlite") }
    /// Where the store is, for messages (never with a password).
    public var storeDescription: String {
        guard let url = databaseURL else { return databasePath }
        return (try? PostgresLocation(url: url).description) ?? "the PostgreSQL database"
    }
    public var tokenKeyPath: String { (dataDirectory as NSString).appendingPathComponent("token.key") }
    /// The evidence log's Ed25519 signing key (mode 0600).
    public var ledgerKeyPath: String { (dataDirectory as NSString).appendingPathComponent("ledger-ed25519.key") }
}
