import Crypto
import Foundation
import RedressStorage
import Synchronization

/// Disabled accounts and each account's session floor, known without a database read on every request.
package final class AccountStatus: Sendable {
    private let disabled = Mutex<Set<String>>([])
    private let floors = Mutex<[String: Date]>([:])
    package init() {}
    /// Whether a token issued at `issuedAt` was ended by a password change, a reset or a disable since.
    package func isEnded(_ id: String, issuedAt: Date) -> Bool { floors.withLock { $0[id].map { issuedAt < $0 } ?? false } }
    package func setFloors(_ all: [String: Date]) { floors.withLock { $0 = all } }
    package func raiseFloor(_ id: String, to date: Date) { floors.withLock { $0[id] = max($0[id] ?? date, date) } }
    package func isDisabled(_ id: String) -> Bool { disabled.withLock { $0.contains(id) } }
    package func set(_ ids: Set<String>) { disabled.withLock { $0 = ids } }
    package func update(_ id: String, disabled isDisabled: Bool) {
        disabled.withLock { if isDisabled { $0.insert(id) } else { $0.remove(id) } }
    }
}

/// The tokens ended by a log-out before they expire, by digest: this server adds one at once, and every server reads
/// the list from the store every few seconds (with the disabled accounts).
package final class RevokedTokenList: Sendable {
    private let digests = Mutex<Set<String>>([])
    package init() {}
    package func contains(_ digest: String) -> Bool { digests.withLock { $0.contains(digest) } }
    /// No token revoked (most of the time): a request needs no digest at all.
    package var isEmpty: Bool { digests.withLock { $0.isEmpty } }
    package func set(_ all: Set<String>) { digests.withLock { $0 = all } }
    package func insert(_ digest: String) { _ = digests.withLock { $0.insert(digest) } }

    /// What the list keeps of a token: its SHA-256, never the token.
    package static func digest(_ token: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in SHA256.hash(data: Array(("redress-token:" + token).utf8)) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Failed log-ins and registrations, counted so that they slow attackers down without letting anyone lock a member out:
///
/// - one log-in from one client: five failures in 15 minutes, then that client waits until the window ends (the same
///   log-in from any other client is not held up, so knowing someone's log-in does not lock them out);
/// - one client, any log-ins (spraying): twenty failures in 15 minutes, then it waits;
/// - one log-in from everywhere: after ten failures in 15 minutes every try for it takes a second longer (a delay,
///   not a refusal: the right password still works);
/// - registrations: ten per client an hour.
///
/// Kept in the store, so counts hold across restarts and across every server sharing a PostgreSQL database; keyed by a
/// digest, so the table holds no phone number, e-mail address or client address.
struct LoginThrottle: Sendable {
    let store: any RedressStore
    static let perLoginAndClient = 5
    static let perClient = 20
    static let slowAfter = 10
    static let registrationsPerClient = 10
    static let window: TimeInterval = 15 * 60
    static let registrationWindow: TimeInterval = 3600
    static let delay: Duration = .seconds(1)

    static func key(_ parts: String...) -> String {
        SHA256.hash(data: Array(("redress-throttle:" + parts.joined(separator: "\u{0}")).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Seconds this client must wait before trying `login` again, or nil when a try is allowed.
    func retryAfter(_ login: String, client: String, now: Date) async throws -> Int? {
        var wait: Int?
        for (key, limit) in [(Self.key("pair", login, client), Self.perLoginAndClient), (Self.key("client", client), Self.perClient)] {
            guard let (failures, since) = try await store.loginFailures(key: key) else { continue }
            let elapsed = now.timeIntervalSince(since)
            guard elapsed <= Self.window, failures >= limit else { continue }
            wait = max(wait ?? 0, max(1, Int(Self.window - elapsed)))
        }
        return wait
    }

    /// Whether tries for `login` are slowed down (many failures from anywhere).
    func isSlowed(_ login: String, now: Date) async throws -> Bool {
        guard let (failures, since) = try await store.loginFailures(key: Self.key("login", login)) else { return false }
        return now.timeIntervalSince(since) <= Self.window && failures >= Self.slowAfter
    }

    func recordFailure(_ login: String, client: String, now: Date) async throws {
        for key in [Self.key("pair", login, client), Self.key("client", client), Self.key("login", login)] {
            _ = try await store.recordLoginFailure(key: key, at: now, window: Self.window)
        }
    }

    /// Forgets this client's failures for the log-in, and windows a day old.
    func recordSuccess(_ login: String, client: String, now: Date) async throws {
        try await store.clearLoginFailures(key: Self.key("pair", login, client), staleBefore: now.addingTimeInterval(-86_400))
    }

    /// Counts a registration from `client`; the seconds to wait when it has registered too often.
    func admitRegistration(client: String, now: Date) async throws -> Int? {
        let (count, since) = try await store.recordLoginFailure(key: Self.key("register", client), at: now, window: Self.registrationWindow)
        guard count > Self.registrationsPerClient else { return nil }
        return max(1, Int(Self.registrationWindow - now.timeIntervalSince(since)))
    }
}
