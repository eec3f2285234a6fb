import RedressDomain
import Synchronization

/// Queues found to hold more than `QueueCursor.countLimit` open cases, remembered for a few seconds so that the next
/// pages of such a queue do not count its first 10,001 index entries again (at a million cases that count was the
/// larger part of a queue page's database time on PostgreSQL). Only a count that reached the bound is kept: the page
/// then says "more than 10,000", which stays true unless the queue shrinks below the bound within `lifetime`; a
/// smaller count is always read afresh, so it is exact.
final class LargeQueueCounts: Sendable {
    private struct Entry {
        var at: ContinuousClock.Instant
    }
    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    /// More distinct large counts than this (every category × queue × merchant would not reach it) clears the memory.
    let capacity = 4_096

    init(lifetime: Duration = .seconds(5)) { self.lifetime = lifetime }

    /// `count()`, the count of the statement `sql` with `values`, unless it was found over the bound lately.
    func count(sql: String, values: [ComplaintListSQL.Value], _ count: () throws -> Int) rethrows -> Int {
        let key = Self.key(sql, values)
        if isKnownLarge(key) { return QueueCursor.countLimit + 1 }
        return remember(key, try count())
    }

    /// The same for a count read asynchronously.
    func count(sql: String, values: [ComplaintListSQL.Value], _ count: () async throws -> Int) async rethrows -> Int {
        let key = Self.key(sql, values)
        if isKnownLarge(key) { return QueueCursor.countLimit + 1 }
        return remember(key, try await count())
    }

    private func isKnownLarge(_ key: String) -> Bool {
        let now = ContinuousClock.now
        return entries.withLock { e in
            guard let entry = e[key] else { return false }
            if now - entry.at < lifetime { return true }
            e[key] = nil
            return false
        }
    }

    private func remember(_ key: String, _ n: Int) -> Int {
        guard n > QueueCursor.countLimit else { return n }
        entries.withLock { e in
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[key] = Entry(at: ContinuousClock.now)
        }
        return n
    }

    static func key(_ sql: String, _ values: [ComplaintListSQL.Value]) -> String {
        var key = sql
        for v in values {
            switch v {
            case .text(let t): key += "\u{1F}t" + t
            case .integer(let n): key += "\u{1F}i\(n)"
            }
        }
        return key
    }
}
