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

/// Hands every published signal to every current subscriber. A slow subscriber loses the oldest of what it has not
/// read (it only needs to know that a case changed, and fetches the case itself).
public final class ChangeBroadcast: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<CaseSignal>.Continuation]>([:])

    public init() {}

    public func subscribe() -> AsyncStream<CaseSignal> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<CaseSignal>.makeStream(bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ signals: [CaseSignal]) {
        guard !signals.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for t in targets {
            for s in signals { t.yield(s) }
        }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}
