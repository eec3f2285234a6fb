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

/// Failed log-ins: five per log-in in 15 minutes, then a wait until the window ends. Kept in the store, so the
/// count holds across restarts and across every server sharing a PostgreSQL database; keyed by a digest of the
/// log-in, so the table holds no phone number or e-mail address.
struct LoginThrottle: Sendable {
    let store: any RedressStore
    let maximumFailures = 5
    let window: TimeInterval = 15 * 60

    static func key(_ login: String) -> String {
        SHA256.hash(data: Array(("redress-login:" + login).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Seconds to wait, or nil when a try is allowed.
    func retryAfter(_ login: String, now: Date) async throws -> Int? {
        guard let (failures, since) = try await store.loginFailures(key: Self.key(login)) else { return nil }
        let elapsed = now.timeIntervalSince(since)
        guard elapsed <= window, failures >= maximumFailures else { return nil }
        return max(1, Int(window - elapsed))
    }

    func recordFailure(_ login: String, now: Date) async throws {
        _ = try await store.recordLoginFailure(key: Self.key(login), at: now, window: window)
    }

    /// Forgets the log-in's failures, and windows a day old.
    func recordSuccess(_ login: String, now: Date) async throws {
        try await store.clearLoginFailures(key: Self.key(login), staleBefore: now.addingTimeInterval(-86_400))
    }
}
