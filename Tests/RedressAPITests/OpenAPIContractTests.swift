import Foundation
import Hummingbird
import RedressAPI
import RedressApp
import RedressDomain
import RedressHTTP
import Testing

/// The published OpenAPI document against the code: every route the JSON API's router has is in the document with the
/// same method and path (and nothing more), and every enum the document names has exactly the cases of its Swift enum.
/// However the document is written, it cannot drift from the routes and types without this failing.
@Suite("OpenAPI document against the code")
struct OpenAPIContractTests {
    static func document() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/RedressAPI/Resources/openapi.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// `(METHOD, /path/{param})` for every operation the document describes.
    static func documentedOperations(_ doc: [String: Any]) -> Set<String> {
        let verbs: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var out: Set<String> = []
        for (path, item) in doc["paths"] as? [String: Any] ?? [:] {
            for verb in (item as? [String: Any] ?? [:]).keys where verbs.contains(verb) { out.insert("\(verb.uppercased()) \(path)") }
        }
        return out
    }

    @Test func everyRouteOfTheRouterIsInTheDocumentAndNoOther() async throws {
        let t = try await TestApp()
        let services = try await RedressServices.start(
            configuration: t.configuration, dependencies: AppDependencies(store: t.store, now: { TestApp.start }, runSweeper: false))
        let router = Router(context: RedressRequestContext.self)
        JSONAPI(services: services).register(on: router)
        var routed: Set<String> = []
        for route in router.routes {
            // Hummingbird writes a parameter `:id`; OpenAPI writes `{id}`.
            let path = route.path.description.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            routed.insert("\(route.method.rawValue) \(path.hasPrefix("/") ? path : "/" + path)")
        }
        let documented = Self.documentedOperations(try Self.document())
        #expect(routed.count > 50)
        #expect(routed.subtracting(documented).sorted() == [], "routes the document does not describe")
        #expect(documented.subtracting(routed).sorted() == [], "operations the router does not have")
    }

    /// The Swift enums the API takes or returns, each as the document must list it.
    static let swiftEnums: [(name: String, cases: Set<String>)] = [
        ("Role (a user's)", Set(Role.allCases.filter { $0 != .system }.map(\.rawValue))),
        ("Role (an actor's)", Set(Role.allCases.map(\.rawValue))),
        ("Tier", Set(Tier.allCases.map(\.rawValue))),
        ("Queue", Set(Queue.allCases.map(\.rawValue))),
        ("ComplaintStatus", Set(ComplaintStatus.allCases.map(\.rawValue))),
        ("category codes", Set(Taxonomy.standard.categories.map(\.code))),
        ("Dimension", Set(RedressDomain.Dimension.allCases.map(\.rawValue))),
        ("RespondentKind", Set(RespondentKind.allCases.map(\.rawValue))),
        ("RulingOutcome", Set(RulingOutcome.allCases.map(\.rawValue))),
        ("ScannerDown", Set(ScannerDown.allCases.map(\.rawValue))),
        ("FreezeTarget", Set(FreezeTarget.allCases.map(\.rawValue))),
        ("ExternalChannel", Set(ExternalChannel.allCases.map(\.rawValue))),
        ("ExternalStatus", Set(ExternalStatus.allCases.map(\.rawValue))),
        ("DeliveryStatus", Set(DeliveryStatus.allCases.map(\.rawValue))),
        ("DeliveryChannel", Set(DeliveryChannel.allCases.map(\.rawValue))),
        ("ProductKind", Set(ProductKind.allCases.map(\.rawValue))),
        ("RemedyKind", Set(RemedyKind.allCases.map(\.rawValue))),
        ("Channel", Set(Channel.allCases.map(\.rawValue))),
        ("DeadlineKind", Set(DeadlineKind.allCases.map(\.rawValue))),
        ("DeadlineOwner", Set(DeadlineOwner.allCases.map(\.rawValue))),
        ("HourMode", Set(HourMode.allCases.map(\.rawValue))),
        ("RejectionReason", Set(RejectionReason.allCases.map(\.rawValue))),
        ("EventKind", Set(EventKind.allCases.map(\.rawValue))),
        ("Visibility", Set(Visibility.allCases.map(\.rawValue))),
        // A transition names a staff action or `assign`; accepting and disputing have their own route (confirm).
        ("CaseAction (a transition's)", Set(CaseAction.allCases.filter { $0 != .accept && $0 != .dispute }.map(\.rawValue) + ["assign"])),
        ("EvidenceMediaType", Set(EvidenceMediaType.allCases.map(\.rawValue))),
        ("DefaultRulingMode", Set(DefaultRulingMode.allCases.map(\.rawValue))),
        ("NoticeTopic", Set(NoticeTopic.allCases.map(\.rawValue))),
        ("NextStep.Code", Set(NextStep.Code.allCases.map(\.rawValue))),
        ("ChatStatus", Set(ChatStatus.allCases.map(\.rawValue))),
        ("InboundMailStatus", Set(InboundMailStatus.allCases.map(\.rawValue))),
        ("InboundMailStatus (a filter)", Set(InboundMailStatus.allCases.map(\.rawValue) + ["all"])),
    ]

    /// Enums of the document that are fixed words of the API rather than a Swift enum's cases.
    static let literals: [Set<String>] = [
        ["true", "false"], ["member", "court"], ["Bearer"], ["Ed25519"], ["redress-receipt"], ["event", "evidence_file"], ["ok"],
        ["open", "fulfilled", "defaulted", "withdrawn"], ["review", "merchant_default"],
        ["pending", "done"], ["pending", "all"], ["zh-CN", "en"],
        ["sequence_gap", "previous_hash_mismatch", "hash_mismatch", "wrong_case", "head_mismatch"],
    ]

    static func documentedEnums(_ value: Any, at path: String, into out: inout [(path: String, cases: Set<String>)]) {
        if let o = value as? [String: Any] {
            if let e = o["enum"] as? [Any] { out.append((path, Set(e.map { "\($0)" }))) }
            for (k, v) in o { documentedEnums(v, at: path + "/" + k, into: &out) }
        } else if let a = value as? [Any] {
            for (i, v) in a.enumerated() { documentedEnums(v, at: path + "/\(i)", into: &out) }
        }
    }

    @Test func everyEnumOfTheDocumentHasTheCasesOfItsSwiftEnum() throws {
        var found: [(path: String, cases: Set<String>)] = []
        Self.documentedEnums(try Self.document(), at: "", into: &found)
        #expect(found.count > 30)
        let known = Self.swiftEnums.map(\.cases) + Self.literals
        for e in found where !known.contains(e.cases) {
            Issue.record("\(e.path): \(e.cases.sorted()) is the case list of no Swift enum the API uses")
        }
        for s in Self.swiftEnums where !found.contains(where: { $0.cases == s.cases }) {
            Issue.record("\(s.name): no enum of the document lists its cases \(s.cases.sorted())")
        }
    }
}
