import RedressDomain

/// The WHERE and ORDER BY of a page of cases, for both engines: which cases a `ComplaintQuery` asks for, written once.
/// The engine gives its placeholder style and how it puts cases without a deadline last.
struct ComplaintListSQL {
    enum Dialect {
        /// `?` placeholders; `ORDER BY x IS NULL, x` puts nulls last.
        case sqlite
        /// `$n` placeholders; `NULLS LAST`.
        case postgres
    }

    /// A value bound to a placeholder.
    enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
    }

    /// `WHERE …` (or empty), in the order the values are bound.
    var whereClause: String
    var values: [Value]
    var orderBy: String
    /// The query can match nothing (no queue visible): no statement is needed.
    var matchesNothing: Bool

    /// The statuses a queue no longer shows: those the life cycle does not count as open.
    static let finishedStatuses: [ComplaintStatus] = ComplaintStatus.allCases.filter { !Lifecycle.open.contains($0) }

    /// The open statuses, written out: the queue index's condition and the queue query's must be the same text for
    /// the planner to use the index (SQLite and PostgreSQL both prove a partial index's condition from the query's).
    static let openStatusList = Lifecycle.open.map(\.rawValue).sorted().map { "'\($0)'" }.joined(separator: ",")
    /// A case's place in a queue: its nearest deadline, none last.
    static let dueKey = "COALESCE(next_due_at_ms, \(QueueCursor.noDeadline))"
    /// The index a staff queue is read through, in its order, open cases only.
    static let openQueueIndex =
        "CREATE INDEX complaints_open_by_due ON complaints(queue, (\(dueKey)), created_at_ms, id) WHERE status IN (\(openStatusList))"
    /// The same for one kind of problem in a queue (the queue's category filter).
    static let openCategoryIndex =
        "CREATE INDEX complaints_open_by_category ON complaints(queue, category, (\(dueKey)), created_at_ms, id) WHERE status IN (\(openStatusList))"
    /// The same for a merchant's open cases.
    static let openMerchantIndex =
        "CREATE INDEX complaints_open_by_merchant ON complaints(respondent_merchant_id, (\(dueKey)), created_at_ms, id) WHERE status IN (\(openStatusList))"

    /// A staff queue's page read in the queue index's order and stopped at the page (one range per queue, merged), or
    /// a merchant's open cases read the same way through the merchant's index: for a query of open cases with no
    /// member, reviewer, status or filing-time condition. nil for any other list. The count reads at most
    /// `QueueCursor.countLimit + 1` index entries.
    struct OpenQueue {
        var pageSQL: String
        var countSQL: String
        var values: [Value]
        var countValues: [Value]
    }

    static func openQueue(_ q: ComplaintQuery, dialect: Dialect) -> OpenQueue? {
        guard q.openOnly, q.statuses == nil, q.memberId == nil, q.reviewerId == nil, q.createdAfter == nil else { return nil }
        // One range per queue, or the merchant's one range (within the queues asked for, if any).
        let ranges: [(column: String, value: String)]
        var queueFilter: [Queue] = []
        if let m = q.respondentMerchantId {
            ranges = [("respondent_merchant_id", m)]
            queueFilter = (q.queues ?? []).sorted { $0.rawValue < $1.rawValue }
            if let queues = q.queues, queues.isEmpty { return nil }
        } else if let queues = q.queues, !queues.isEmpty {
            ranges = queues.sorted { $0.rawValue < $1.rawValue }.map { ("queue", $0.rawValue) }
        } else {
            return nil
        }
        var values: [Value] = []
        func bind(_ v: Value, into list: inout [Value]) -> String {
            list.append(v)
            return dialect == .sqlite ? "?" : "$\(list.count)"
        }
        func conditions(_ range: (column: String, value: String), into list: inout [Value], cursor: Bool) -> String {
            var c = ["\(range.column) = \(bind(.text(range.value), into: &list))", "status IN (\(openStatusList))"]
            if !queueFilter.isEmpty { c.append("queue IN (\(queueFilter.map { bind(.text($0.rawValue), into: &list) }.joined(separator: ",")))") }
            if let t = q.tier { c.append("tier = \(bind(.text(t.rawValue), into: &list))") }
            if let cat = q.category { c.append("category = \(bind(.text(cat), into: &list))") }
            if let o = q.overdueAt {
                c.append("\(dueKey) <= \(bind(.integer(o.millisecondsSince1970), into: &list))")
                // The same condition on the plain column: PostgreSQL otherwise counts an overdue queue through the
                // (queue, status) index filtering every open case by deadline (500 ms at a million cases, none
                // overdue); with it, the count is a range of (queue, status, next_due_at_ms).
                if dialect == .postgres { c.append("next_due_at_ms <= \(bind(.integer(o.millisecondsSince1970), into: &list))") }
            }
            if cursor, let a = q.after {
                // After (due, filed, id), written so that the first term is a range on the index's deadline column
                // (SQLite seeks with it; a row-value comparison on an expression column it would only filter with).
                let due = bind(.integer(a.due), into: &list), due2 = bind(.integer(a.due), into: &list)
                let filed = bind(.integer(a.filedAtMs), into: &list), filed2 = bind(.integer(a.filedAtMs), into: &list)
                let id = bind(.text(a.id), into: &list)
                c.append(
                    "\(dueKey) >= \(due) AND (\(dueKey) > \(due2) OR created_at_ms > \(filed) OR (created_at_ms = \(filed2) AND id > \(id)))")
            }
            return c.joined(separator: " AND ")
        }
        let order = "ORDER BY due, created_at_ms, id"
        let take = q.limit + q.offset
        let reads = ranges.map { range in
            "SELECT * FROM (SELECT id, \(dueKey) AS due, created_at_ms FROM complaints WHERE \(conditions(range, into: &values, cursor: true)) ORDER BY \(dueKey), created_at_ms, id LIMIT \(take)) AS r"
        }
        let page = reads.count == 1 ? reads[0] : reads.joined(separator: " UNION ALL ")
        let pageSQL = "SELECT id, due, created_at_ms FROM (\(page)) AS merged \(order) LIMIT \(q.limit) OFFSET \(q.offset)"
        var countValues: [Value] = []
        let counted = ranges.map { range in
            "SELECT * FROM (SELECT 1 AS one FROM complaints WHERE \(conditions(range, into: &countValues, cursor: false)) LIMIT \(QueueCursor.countLimit + 1)) AS r"
        }
        let countSQL =
            "SELECT COUNT(*) FROM (SELECT one FROM (\(counted.joined(separator: " UNION ALL "))) AS merged LIMIT \(QueueCursor.countLimit + 1)) AS c"
        return OpenQueue(pageSQL: pageSQL, countSQL: countSQL, values: values, countValues: countValues)
    }

    /// `leading`: values bound before the list's own (their placeholders come first).
    /// The number of cases the list matches, counted up to `QueueCursor.countLimit + 1` (a list of a million closed
    /// cases is not counted whole).
    var countSQL: String { "SELECT COUNT(*) FROM (SELECT 1 FROM complaints \(whereClause) LIMIT \(QueueCursor.countLimit + 1)) AS c" }

    init(_ q: ComplaintQuery, dialect: Dialect, leading: [Value] = []) {
        var conditions: [String] = []
        var values: [Value] = leading
        func bind(_ v: Value) -> String {
            values.append(v)
            return dialect == .sqlite ? "?" : "$\(values.count)"
        }
        func list(_ texts: [String]) -> String { texts.map { bind(.text($0)) }.joined(separator: ",") }
        if let m = q.memberId { conditions.append("member_id = \(bind(.text(m)))") }
        matchesNothing = q.queues?.isEmpty ?? false
        if let queues = q.queues, !queues.isEmpty { conditions.append("queue IN (\(list(queues.map(\.rawValue).sorted())))") }
        if let statuses = q.statuses, !statuses.isEmpty {
            conditions.append("status IN (\(list(statuses.map(\.rawValue).sorted())))")
        } else if q.openOnly {
            conditions.append("status NOT IN (\(list(Self.finishedStatuses.map(\.rawValue))))")
        }
        if let t = q.tier { conditions.append("tier = \(bind(.text(t.rawValue)))") }
        if let c = q.category { conditions.append("category = \(bind(.text(c)))") }
        if let m = q.respondentMerchantId { conditions.append("respondent_merchant_id = \(bind(.text(m)))") }
        if let r = q.reviewerId {
            // Through the reviewer's rows (`ReviewerRows`), not a scan of every case's reviewers column.
            conditions.append("id IN (SELECT complaint_id FROM complaint_reviewers WHERE reviewer_id = \(bind(.text(r))))")
        }
        if let o = q.overdueAt { conditions.append("next_due_at_ms IS NOT NULL AND next_due_at_ms <= \(bind(.integer(o.millisecondsSince1970)))") }
        if let a = q.createdAfter { conditions.append("created_at_ms >= \(bind(.integer(a.millisecondsSince1970)))") }
        whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        self.values = values
        // Members see their newest first; queues are worked nearest deadline first.
        if q.memberId != nil || q.createdAfter != nil {
            orderBy = "ORDER BY created_at_ms DESC, id"
        } else {
            orderBy =
                dialect == .sqlite
                ? "ORDER BY next_due_at_ms IS NULL, next_due_at_ms, created_at_ms, id" : "ORDER BY next_due_at_ms ASC NULLS LAST, created_at_ms, id"
        }
    }
}
