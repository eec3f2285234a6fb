import Foundation
import Logging
import NIOPosix
import PostgresNIO
import RedressDomain
import RedressTestSupport
import Testing

@testable import RedressStorage

/// PostgreSQL can serve a staff queue's page from the open-case index: the query's condition proves the partial
/// index's, and each queue's range is read in the index's order (the other ways to read are switched off, so the plan
/// shows whether the index is usable at all on a small table).
@Suite("Queue plan on PostgreSQL")
struct QueuePlanTests {
    @Test func theQueueIndexServesTheQueueQuery() async throws {
        guard Engine.server != nil else {
            #expect(!PostgresRequirement.required, "REDRESS_TEST_POSTGRES_URL is not set, and the PostgreSQL tests are required")
            return
        }
        let t = try await TestApp(.postgres)
        let database = try #require(t.database)
        var q = ComplaintQuery(queues: [.l1, .emergency], openOnly: true, limit: 50)
        q.after = QueueCursor(due: 1, filedAtMs: 1, id: "a")
        let sql = try #require(ComplaintListSQL.openQueue(q, dialect: .postgres))
        let c = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: .init(
                host: database.host, port: database.port, username: database.user, password: database.password, database: database.database,
                tls: .disable), id: 1, logger: Logger(label: "plan"))
        for setting in ["SET enable_seqscan = off", "SET enable_bitmapscan = off", "SET enable_sort = off"] {
            try await c.query(PostgresQuery(unsafeSQL: setting), logger: Logger(label: "plan"))
        }
        var plan: [String] = []
        for try await line in try await c.query(
            PostgresQuery(unsafeSQL: "EXPLAIN " + sql.pageSQL, binds: PostgresStore.binds(sql.values)), logger: Logger(label: "plan")
        )
        .decode(String.self) {
            plan.append(line)
        }
        try await c.close()
        let text = plan.joined(separator: "\n")
        #expect(plan.filter { $0.contains("Index") && $0.contains("complaints_open_by_due") }.count == 2, "\(text)")
        #expect(!text.contains("Seq Scan"), "\(text)")
    }
}
