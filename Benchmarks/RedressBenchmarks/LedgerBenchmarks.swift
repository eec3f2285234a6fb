import Benchmark
import Foundation
import GRDB
import RedressDomain
import RedressStorage
import Synchronization

/// Where the 10-million-entry log is built once and kept between runs (`.build-bench` is ignored by git).
let bigLogDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build-bench/ledger-10m").standardized
    .path
let bigLogSize = 10_000_000
let bigLog = Mutex<SQLiteStore?>(nil)
let appendStore = Mutex<SQLiteStore?>(nil)
let nextSequence = Atomic<Int>(1)

/// Opens the big log, appending until it holds `bigLogSize` entries (about a minute the first time).
func openBigLog() async throws -> SQLiteStore {
    if let s = bigLog.withLock({ $0 }) { return s }
    try FileManager.default.createDirectory(atPath: bigLogDirectory, withIntermediateDirectories: true)
    let store = try SQLiteStore(path: bigLogDirectory + "/redress.sqlite")
    var size = try await store.ledgerState().size
    let eventHash = String(repeating: "ab", count: 32)
    while size < bigLogSize {
        let start = size
        let n = min(100_000, bigLogSize - size)
        try await store.write { [ledger = store.ledger] db in
            for i in start..<(start + n) {
                let entry = LedgerEntry.event(complaintId: "bench-\(i / 1000)", sequence: i % 1000 + 1, eventHash: eventHash)
                try ledger.append(db, complaintId: "bench-\(i / 1000)", entry: .event(sequence: i % 1000 + 1), leafHash: MerkleTree.leafHash(entry))
            }
        }
        size += n
        if size % 1_000_000 == 0 { print("big log: \(size) entries") }
    }
    bigLog.withLock { $0 = store }
    return store
}

func ledgerBenchmarks() {
    let eventHash = String(repeating: "cd", count: 32)

    Benchmark(
        "log: append 10,000 entries in one transaction (SQLite, entry bytes + leaf hash + rows)",
        configuration: .init(
            metrics: [.wallClock, .throughput], scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 50,
            setup: {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redress-bench-append-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let store = try SQLiteStore(path: dir.appendingPathComponent("redress.sqlite").path)
                appendStore.withLock { $0 = store }
            })
    ) { benchmark in
        guard let store = appendStore.withLock({ $0 }) else { return }
        for _ in benchmark.scaledIterations {
            let first = nextSequence.add(10_000, ordering: .relaxed).oldValue
            try await store.write { [ledger = store.ledger] db in
                for s in first..<(first + 10_000) {
                    let entry = LedgerEntry.event(complaintId: "bench", sequence: s, eventHash: eventHash)
                    try ledger.append(db, complaintId: "bench", entry: .event(sequence: s), leafHash: MerkleTree.leafHash(entry))
                }
            }
        }
    }

    Benchmark("log: append 10,000 entries to the in-memory frontier (hashing only)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var frontier = MerkleFrontier()
            for s in 1...10_000 {
                blackHole(frontier.append(leafHash: MerkleTree.leafHash(LedgerEntry.event(complaintId: "bench", sequence: s, eventHash: eventHash))))
            }
            blackHole(frontier.root)
        }
    }

    Benchmark(
        "proof: inclusion at 10,000,000 leaves (from stored nodes)",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), setup: { _ = try await openBigLog() })
    ) { benchmark in
        guard let store = bigLog.withLock({ $0 }) else { return }
        var rng = SystemRandomNumberGenerator()
        for _ in benchmark.scaledIterations {
            blackHole(try await store.inclusionProof(leafIndex: Int.random(in: 0..<bigLogSize, using: &rng), treeSize: bigLogSize))
        }
    }

    Benchmark(
        "proof: consistency at 10,000,000 leaves (from stored nodes)",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), setup: { _ = try await openBigLog() })
    ) { benchmark in
        guard let store = bigLog.withLock({ $0 }) else { return }
        var rng = SystemRandomNumberGenerator()
        for _ in benchmark.scaledIterations {
            blackHole(try await store.consistencyProof(from: Int.random(in: 1..<bigLogSize, using: &rng), to: bigLogSize))
        }
    }
}
