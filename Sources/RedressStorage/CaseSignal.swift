import Foundation
import RedressDomain
import Synchronization

extension CaseSignal {
    /// As sent through PostgreSQL's NOTIFY (well under its 8,000-byte limit).
    var payload: String { (try? Codec.json(self)) ?? "{}" }

    init?(payload: String) {
        guard let s = try? Codec.decode(CaseSignal.self, payload) else { return nil }
        self = s
    }
}

/// Hands every published value to every current subscriber. A slow subscriber loses the oldest of what it has not
/// read (a signal only says that something changed; the subscriber reads it itself).
public final class Broadcast<Value: Sendable>: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Value>.Continuation]>([:])
    private let buffer: Int

    public init(buffer: Int = 256) { self.buffer = buffer }

    public func subscribe() -> AsyncStream<Value> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ values: [Value]) {
        guard !values.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for t in targets {
            for v in values { t.yield(v) }
        }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}

/// The stores' feed of changed cases.
public typealias ChangeBroadcast = Broadcast<CaseSignal>
