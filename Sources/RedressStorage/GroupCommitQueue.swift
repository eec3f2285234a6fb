import Synchronization

/// The queue of a group commit, for both engines: write jobs that arrive while a batch is being written wait for the
/// next batch, and each batch is handed to the engine to write in one transaction, so concurrent requests share one
/// commit (and its fsync) instead of each paying for their own. What a batch does — savepoints, the log's frontier,
/// retries — is the engine's.
final class GroupCommitQueue<Job: Sendable>: Sendable {
    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let state = Mutex(State())
    /// The most jobs in one transaction.
    let maximumBatch: Int

    init(maximumBatch: Int = 512) { self.maximumBatch = maximumBatch }

    /// Queues `job`. When no batch is being written, starts writing: `commit` is called with each batch in turn, until
    /// the queue is empty.
    func enqueue(_ job: Job, commit: @escaping @Sendable ([Job]) async -> Void) {
        let start = state.withLock { s -> Bool in
            s.pending.append(job)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { Task { await self.drain(commit) } }
    }

    private func drain(_ commit: @Sendable ([Job]) async -> Void) async {
        while true {
            let batch = state.withLock { s -> [Job] in
                let n = min(s.pending.count, maximumBatch)
                let b = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                if b.isEmpty { s.draining = false }
                return b
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }
}
