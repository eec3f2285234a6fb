import RedressDomain
import Synchronization

/// The day's case numbers (`RD-20261129-000123`), for both engines.
///
/// Numbers are reserved from the database in blocks (hi/lo), so that filing does not serialise on one counter row:
/// they are unique and rise within a server, but a restart leaves the rest of its block unused (a gap, never a
/// duplicate). Several servers each take their own blocks.
final class CaseNumberSequence: Sendable {
    /// Numbers reserved at a time.
    static let blockSize = 64
    private let free = Mutex<[String: [Int]]>([:])

    /// The next number of `day`; `reserve(day, n)` reserves `n` more in the database and returns the last of them.
    func next(_ day: CivilDate, reserve: (_ day: String, _ count: Int) async throws -> Int) async throws -> Int {
        let key = day.description
        if let n = take(key) { return n }
        let last = try await reserve(key, Self.blockSize)
        add(key, (last - Self.blockSize + 1)...last)
        return take(key) ?? last
    }

    private func take(_ day: String) -> Int? {
        free.withLock { f in
            guard var numbers = f[day], !numbers.isEmpty else { return nil }
            let n = numbers.removeFirst()
            f[day] = numbers
            return n
        }
    }

    private func add(_ day: String, _ range: ClosedRange<Int>) {
        free.withLock { f in
            // Blocks of earlier days are of no further use.
            f = f.filter { $0.key >= day }
            f[day, default: []].append(contentsOf: range)
            f[day]?.sort()
        }
    }
}
