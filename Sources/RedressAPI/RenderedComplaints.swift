import Foundation
import NIOCore
import Synchronization

/// Encoded `GET /complaints/{id}` bodies, keyed by case, version (its event count), language and audience,
/// each kept until the case's next deadline falls due. Bounded; emptied when full.
final class RenderedComplaints: Sendable {
    struct Key: Hashable {
        var id: String
        var version: Int
        var chinese: Bool
        var audience: String
    }
    private let entries = Mutex<[Key: (body: ByteBuffer, validUntil: Date?)]>([:])
    static let bound = 5_000

    func get(_ key: Key, now: Date) -> ByteBuffer? {
        entries.withLock { e in
            guard let hit = e[key] else { return nil }
            if let until = hit.validUntil, until <= now {
                e[key] = nil
                return nil
            }
            return hit.body
        }
    }

    func put(_ key: Key, _ body: ByteBuffer, validUntil: Date?) {
        entries.withLock { e in
            if e.count >= Self.bound { e.removeAll(keepingCapacity: true) }
            e[key] = (body, validUntil)
        }
    }
}
