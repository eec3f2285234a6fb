import Benchmark
import Foundation
import RedressDomain

/// The 2025–2026 holiday files, read from the source tree as shipped.
let years: [HolidayYear] = {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/RedressStorage/Resources/calendars")
    let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
    return files.filter { $0.pathExtension == "json" }.compactMap { try? JSONDecoder().decode(HolidayYear.self, from: Data(contentsOf: $0)) }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)
    let calendar = WorkingDayCalendar.china(years: years)
    let start = calendar.instant(CivilDate(year: 2026, month: 9, day: 30)!, secondsIntoDay: 10 * 3600)

    Benchmark("deadline: 7 working days across National Day") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(calendar.deadline(after: start, workingDays: 7)) }
    }

    Benchmark("deadline: 45 working days (mediation limit)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(calendar.deadline(after: start, workingDays: 45)) }
    }

    Benchmark("deadline: 24 business hours") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(calendar.addingBusinessTime(24 * 3600, to: start, opensAt: 9 * 3600, closesAt: 18 * 3600)) }
    }

    let actor = CaseActor(id: "agent-1", role: .agent)
    let draft = EventDraft(
        kind: .publicMessage, actor: actor, occurredAt: start, payload: ["body": .string(String(repeating: "您好，已收到您的投诉。", count: 20))])

    Benchmark("chain: seal one event") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(TimelineEvent.seal(draft, complaintId: "c-1", after: (7, TimelineEvent.genesisHash)))
        }
    }

    ledgerBenchmarks()
    sweepBenchmarks()

    let chain = TimelineEvent.seal(Array(repeating: draft, count: 1_000), complaintId: "c-1", after: nil)
    Benchmark("chain: verify 1,000 events", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EventChain.verify(complaintId: "c-1", events: chain, head: (chain.count, chain.last!.hash)))
        }
    }
}
