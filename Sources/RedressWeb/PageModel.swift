import Foundation

/// A page's model: a value whose stored properties are what its template reads, by name.
///
/// The renderer turns it into the template's context (`fields`); a property that is a `PageSection` lends its own
/// properties to the page's top level (a part several pages share, such as the case record), a nil property is left
/// out, as an absent key would be, and `derived` adds what is computed from the rest (stored properties only are
/// seen by reflection).
protocol PageModel: PageFields.Source {}

/// Part of a page model whose properties stand at the page's top level.
protocol PageSection: PageFields.Source {}

extension PageModel {
    var fields: [String: Any] { PageFields.flatten(self) }
}

enum PageFields {
    /// A model or a section of one.
    protocol Source: Sendable {
        /// Fields computed from the stored ones (`empty`, `hasFiles`, …).
        var derived: [String: Any] { get }
    }

    /// The model as the template's context: nested values (rows, sections) become dictionaries too, each reflected
    /// once here, because the template engine would otherwise reflect a struct again for every name it looks up in it.
    static func flatten(_ value: any Source) -> [String: Any] {
        var out = value.derived
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            if let section = child.value as? any PageSection {
                out.merge(flatten(section)) { _, section in section }
                continue
            }
            guard let v = context(child.value) else { continue }
            out[label] = v
        }
        return out
    }

    /// A value as the template reads it: nil for an empty optional; rows as arrays of dictionaries; a struct as the
    /// dictionary of its stored properties (and what it derives); anything else as it is.
    static func context(_ value: Any) -> Any? {
        switch value {
        case let s as String: return s
        case let b as Bool: return b
        case let n as Int: return n
        case let n as Int64: return n
        case let d as [String: String]: return d
        case let a as [Any]: return a.compactMap(context)
        case let source as any Source: return flatten(source)
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional: return mirror.children.first.flatMap { context($0.value) }
        case .struct:
            var out: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let v = context(child.value) { out[label] = v }
            }
            return out
        default: return value
        }
    }
}

/// A page that only says something: not found, not allowed, log in again (with what was typed kept).
struct MessagePage: PageModel {
    var message: String
    var typed: String?
    var loginAgain = false
}

// MARK: Rows several pages show

/// A choice of a select or radio group.
struct Choice: Sendable {
    var value: String
    var label: String
    var selected = false
}

/// A deadline still owed, with its countdown.
struct DeadlineRow: Sendable {
    var label: String
    var due: String
    /// The instant for the live countdown.
    var iso: String
    var remaining: String?
    /// Always set, so that mustache never finds an enclosing row's `overdue` instead.
    var overdue: Bool
}

/// One entry of a case's timeline.
struct EventRow: Sendable {
    var kind: String
    var what: String
    var who: String
    var at: String
    var text: String
    var `internal`: Bool
    var sequence: Int
}

/// An evidence file with its download.
struct FileRow: Sendable {
    var name: String
    var url: String
    var image: Bool
    var type: String
}

/// A complaint filed elsewhere (12315, 黑猫投诉, …).
struct ExternalRow: Sendable {
    var channel: String
    var reference: String
}

/// A case in a list (each list's template uses the fields it needs).
struct CaseRow: Sendable {
    var id: String
    var orderNumber: String
    /// A line of the narrative (as the viewer may read it), to tell cases apart.
    var excerpt: String
    /// Which deadline `due` is.
    var dueLabel: String
    var owner: String
    /// The member's name, in lists staff read.
    var member = ""
    /// The case's page in the list's portal.
    var url: String
    var caseNumber: String
    var status: String
    var queue: String
    var category: String
    var amount: String
    var deadlines: [DeadlineRow]
    var overdue: Bool
    var emergency: Bool
    var filed: String
    var due: String
    var iso: String
    var remaining: String
    /// For a search: the passage that matched, the matched words marked.
    var found: [FoundPart] = []
    var matched = false
}

/// A part of a search result's passage: matched words are shown marked.
struct FoundPart: Sendable {
    var text: String
    var hit: Bool
}

/// A list of cases: my complaints, a merchant's cases, a reviewer's cases.
struct CaseListPage: PageModel {
    var items: [CaseRow]
    var heading: String?
    /// The words searched for ("" when the list is not a search).
    var q: String
    /// The list alone, with the same search, for live updates.
    var fragment: String
    /// The list's own address (the search form's action and its "show all" link).
    var action: String
    /// How many cases the search found ("more than 1,000" style when it stopped reading), shown with a search.
    var found: String
    /// A search the server refused (too long, punctuation only), in the viewer's words.
    var searchError: String?
    /// The search box's label.
    var searchLabel: String
    /// A merchant's next page of open cases, and the first when this is a later one.
    var nextURL: String? = nil
    var firstURL: String? = nil
    var derived: [String: Any] { ["empty": items.isEmpty, "searching": !q.isEmpty] }
}

/// The record of a case that every portal's case page shows; the narrative as the viewer may read it.
struct CaseRecord: PageSection {
    var id: String
    /// The page's own address, its fragment, its live updates and every form's address (`SiteURL.caseLinks`).
    var links: [String: String]
    var caseNumber: String
    var status: String
    var tier: String
    var category: String
    var amount: String
    var orderNumber: String
    var amountPaid: String
    /// What the member asked for: the remedy's kind and details, and the amount.
    var remedy: String
    var amountClaimed: String
    /// Who answers for the case: the platform, or the merchant's shop name with its registered details.
    var respondentName: String
    var respondentDetail: String?
    /// The respondent merchant's public record (its figures), when a registered merchant answers for the case.
    var respondentURL: String?
    var narrative: String
    var deadlines: [DeadlineRow]
    var events: [EventRow]
    var eventCount: Int
    var files: [FileRow]
    var open: Bool
    var externalChannels: [Choice]
    var externals: [ExternalRow]
    var derived: [String: Any] { ["hasFiles": !files.isEmpty, "hasExternals": !externals.isEmpty] }
}

extension PageFields.Source {
    var derived: [String: Any] { [:] }
}
