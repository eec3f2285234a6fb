import Foundation
import RedressDomain

/// The maintained aggregates (`CaseFigures`) as both engines store them: one row per respondent × filing day ×
/// dimension × tier with a column per counter (`c0`… in `CaseFigures.Counter` order), added to in the transaction
/// that writes the case's change.
enum CaseFiguresSQL {
    static let width = CaseFigures.Counter.allCases.count
    static let counterColumns = (0..<width).map { "c\($0)" }
    static let keyColumns = ["respondent", "day", "dimension", "tier"]

    /// The counters the table was made with (`v6`/`4`); the dashboard's were added by a later migration.
    static let firstWidth = 15

    /// The table as first made, with `integer` the engine's 64-bit integer type.
    static func createTable(integer: String) -> String {
        """
        CREATE TABLE case_figures (
          respondent TEXT NOT NULL,
          day \(integer) NOT NULL,
          dimension TEXT NOT NULL,
          tier TEXT NOT NULL,
          \(counterColumns.prefix(firstWidth).map { "\($0) \(integer) NOT NULL DEFAULT 0" }.joined(separator: ",\n  ")),
          PRIMARY KEY (respondent, day, dimension, tier)
        )
        """
    }

    /// The dashboard's counters added to the table, an index by day (the dashboard reads the last 30 days of every
    /// respondent), and the rows emptied to be counted again from the cases.
    /// PostgreSQL's may be run again over a database that has them (`IF NOT EXISTS`).
    static func dashboardColumns(integer: String) -> [String] {
        let again = integer == "BIGINT" ? "IF NOT EXISTS " : ""
        return counterColumns.dropFirst(firstWidth).map { "ALTER TABLE case_figures ADD COLUMN \(again)\($0) \(integer) NOT NULL DEFAULT 0" } + [
            "CREATE INDEX \(again)case_figures_by_day ON case_figures(day)", "DELETE FROM case_figures",
        ]
    }

    static let selectRows =
        "SELECT respondent, day, dimension, tier, \(counterColumns.joined(separator: ", ")) FROM case_figures WHERE day >= $1 AND respondent <> '*'"

    /// `c0 = <table>.c0 + excluded.c0, …`: what an upsert adds to a row that exists.
    static func addExcluded(table: String) -> String {
        counterColumns.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
    }

    /// A delta's rows in one fixed order (respondent, day, dimension, tier), so that two transactions adding to the
    /// same rows lock them in the same order.
    static func rows(_ delta: [CaseFigures.FigureKey: [Int64]]) -> [(key: CaseFigures.FigureKey, counters: [Int64])] {
        delta.map { ($0.key, $0.value) }.sorted { a, b in
            (a.key.respondent, a.key.day, a.key.dimension.rawValue, a.key.tier.rawValue)
                < (b.key.respondent, b.key.day, b.key.dimension.rawValue, b.key.tier.rawValue)
        }
    }

    /// Several deltas as one (a batch's cases may add to the same rows; one statement may touch a row once).
    static func merge(_ deltas: [[CaseFigures.FigureKey: [Int64]]]) -> [CaseFigures.FigureKey: [Int64]] {
        var out: [CaseFigures.FigureKey: [Int64]] = [:]
        for d in deltas { add(d, into: &out) }
        return out.filter { $0.value.contains { $0 != 0 } }
    }

    static func add(_ delta: [CaseFigures.FigureKey: [Int64]], into total: inout [CaseFigures.FigureKey: [Int64]]) {
        for (k, v) in delta {
            var row = total[k] ?? [Int64](repeating: 0, count: v.count)
            for i in v.indices { row[i] += v[i] }
            total[k] = row
        }
    }

    /// The sums over a respondent's days from `fromDay` on.
    static let sumColumns = counterColumns.map { "CAST(COALESCE(SUM(\($0)), 0) AS BIGINT)" }.joined(separator: ", ")
}
