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

    init(_ q: ComplaintQuery, dialect: Dialect) {
        var conditions: [String] = []
        var values: [Value] = []
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
            // The reviewers column is ",id1,id2,": one id is found whole by its commas.
            let needle = bind(.text("," + r + ","))
            conditions.append(dialect == .sqlite ? "instr(reviewers, \(needle)) > 0" : "strpos(reviewers, \(needle)) > 0")
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
