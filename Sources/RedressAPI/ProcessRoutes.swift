import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// The three-party process on a case: respondent, merchant records and remedies, rulings, freezes,
/// external complaints, ratings, external reviewers and next-step guidance.
struct ProcessRoutes {
    /// Reading and changing a case, shared with the complaint routes.
    let cases: ComplaintRoutes
    var services: RedressServices { cases.services }

    struct RespondentRequest: Decodable {
        var kind: RespondentKind
        var merchantId: String?
        var reason: String
    }
    struct RecordsRequestBody: Decodable {
        var needed: String
        /// RFC 3339; default: the policy's evidence window (72 h).
        var dueAt: String?
    }
    struct SubmissionRequest: Decodable {
        var note: String
        var files: [String]
    }
    struct RemedyOfferRequest: Decodable {
        var remedy: Remedy
        var amountFen: Int64?
        var note: String
    }
    struct RulingRequest: Decodable {
        var outcome: RulingOutcome
        var remedy: Remedy?
        var amountFen: Int64?
        var reason: String
    }
    struct FreezeRequest: Decodable {
        var target: FreezeTarget
        var reference: String
        var reason: String
    }
    struct ReleaseRequest: Decodable {
        var reason: String
    }
    struct ExternalRequest: Decodable {
        var channel: ExternalChannel
        var reference: String
        /// YYYY-MM-DD
        var filedOn: String
        var note: String?
    }
    struct ExternalUpdateRequest: Decodable {
        var status: ExternalStatus
        var note: String?
    }
    struct RatingRequest: Decodable {
        var attitude: Int
        var speed: Int
        var overall: Int
        var comment: String?
    }
    struct ReviewerRequest: Decodable {
        var reviewerId: String
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("complaints/:id/respondent", use: changeRespondent)
        api.post("complaints/:id/records-requests", use: requestRecords)
        api.post("complaints/:id/records-requests/:requestId/submission", use: submitRecords)
        api.post("complaints/:id/remedy-offers", use: offerRemedy)
        api.post("complaints/:id/rulings", use: rule)
        api.post("complaints/:id/rulings/confirm-proposed", use: confirmRuling)
        api.post("complaints/:id/freezes", use: freeze)
        api.post("complaints/:id/freezes/:freezeId/release", use: release)
        api.post("complaints/:id/external-complaints", use: recordExternal)
        api.post("complaints/:id/external-complaints/:externalId", use: updateExternal)
        api.post("complaints/:id/rating", use: rate)
        api.post("complaints/:id/reviewers", use: assignReviewer)
        api.get("complaints/:id/guidance", use: guidance)
        api.get("merchant/cases", use: merchantCases)
        api.get("reviewer/cases", use: reviewerCases)
    }

    @Sendable func changeRespondent(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(RespondentRequest.self, from: request, context: context)
        let respondent = CaseRespondent(kind: body.kind, merchantId: body.merchantId)
        return try await cases.respond(
            try await services.cases.changeRespondent(id, to: respondent, reason: body.reason, by: identity), identity, context)
    }

    @Sendable func requestRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(RecordsRequestBody.self, from: request, context: context)
        let due = try body.dueAt.map { text in
            guard let d = JSONBody.parseDate(text) else {
                throw AppError.invalid(
                    "dueAt", "invalid_date", zh: "dueAt 须为带时区的 RFC 3339 时间", en: "dueAt must be an RFC 3339 date-time with an offset")
            }
            return d
        }
        let requestId = services.cases.newId()
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.requestRecords(
                c, needed: body.needed.trimmingCharacters(in: .whitespacesAndNewlines), dueAt: due, id: requestId, by: identity.actor, now: now)
        }
    }

    @Sendable func submitRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let requestId = try context.parameters.require("requestId")
        let body = try await JSONBody.decode(SubmissionRequest.self, from: request, context: context)
        return try await cases.respond(
            try await services.cases.submitRecords(id, requestId: requestId, note: body.note, files: body.files, by: identity), identity, context)
    }

    @Sendable func offerRemedy(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(RemedyOfferRequest.self, from: request, context: context)
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.offerRemedy(c, remedy: body.remedy, amountFen: body.amountFen, note: body.note, by: identity.actor, now: now)
        }
    }

    @Sendable func rule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(RulingRequest.self, from: request, context: context)
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.rule(
                c, outcome: body.outcome, remedy: body.remedy, amountFen: body.amountFen,
                reason: body.reason.trimmingCharacters(in: .whitespacesAndNewlines),
                by: identity.actor, now: now)
        }
    }

    @Sendable func confirmRuling(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            guard identity.role.decides else { throw DomainError.actionNotPermitted(action: "confirm_ruling", role: identity.role) }
            return try wf.confirmProposedRuling(c, by: identity.actor, now: now)
        }
    }

    @Sendable func freeze(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(FreezeRequest.self, from: request, context: context)
        let freezeId = services.cases.newId()
        let response = try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.freeze(
                c, target: body.target, reference: body.reference.trimmingCharacters(in: .whitespacesAndNewlines),
                reason: body.reason.trimmingCharacters(in: .whitespacesAndNewlines), id: freezeId, by: identity.actor, now: now)
        }
        context.logger.notice("freeze applied", metadata: ["complaint": "\(id)", "freeze": "\(freezeId)", "target": "\(body.target.rawValue)"])
        return response
    }

    @Sendable func release(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let freezeId = try context.parameters.require("freezeId")
        let body = try await JSONBody.decode(ReleaseRequest.self, from: request, context: context)
        return try await cases.change(id, identity, context) { wf, c, now in
            try wf.releaseFreeze(
                c, freezeId: freezeId, reason: body.reason.trimmingCharacters(in: .whitespacesAndNewlines), by: identity.actor, now: now)
        }
    }

    @Sendable func recordExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(ExternalRequest.self, from: request, context: context)
        guard let filed = CivilDate(iso: body.filedOn) else {
            throw AppError.invalid("filedOn", "invalid_date", zh: "filedOn 须为 YYYY-MM-DD 格式的日期", en: "filedOn must be a date as YYYY-MM-DD")
        }
        let externalId = services.cases.newId()
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.recordExternal(
                c, channel: body.channel, reference: body.reference.trimmingCharacters(in: .whitespacesAndNewlines), filedOn: filed, note: body.note,
                id: externalId, by: identity.actor, now: now)
        }
    }

    @Sendable func updateExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let externalId = try context.parameters.require("externalId")
        let body = try await JSONBody.decode(ExternalUpdateRequest.self, from: request, context: context)
        return try await cases.change(id, identity, context) { wf, c, now in
            try wf.updateExternal(c, id: externalId, status: body.status, note: body.note, by: identity.actor, now: now)
        }
    }

    @Sendable func rate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(RatingRequest.self, from: request, context: context)
        return try await cases.change(id, identity, context, status: .created) { wf, c, now in
            try wf.rate(c, attitude: body.attitude, speed: body.speed, overall: body.overall, comment: body.comment, by: identity.actor, now: now)
        }
    }

    @Sendable func assignReviewer(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (identity, id) = try ids(context)
        let body = try await JSONBody.decode(ReviewerRequest.self, from: request, context: context)
        return try await cases.respond(
            try await services.cases.assignReviewer(id, reviewerId: body.reviewerId, by: identity), identity, context, status: .created)
    }

    /// What the member can do next, and a complaint text for 12315 / 黑猫投诉 built from the case.
    @Sendable func guidance(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let (c, steps, text) = try await services.cases.guidance(try context.parameters.require("id"), for: identity, chinese: context.chinese)
        struct GuidanceDTO: Encodable {
            var complaintId: String
            var caseNumber: String
            var steps: [NextStep]
            /// Ready to paste into 12315 or 黑猫投诉 (in Chinese: both accept Chinese only).
            var complaintText: String
        }
        return try JSONBody.response(GuidanceDTO(complaintId: c.id, caseNumber: c.caseNumber, steps: steps, complaintText: text))
    }

    /// A merchant's cases, nearest deadline first, with the deadlines it owes.
    @Sendable func merchantCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role == .merchant, identity.merchantId != nil else {
            throw APIError(.forbidden, "merchants_only", zh: "只有商家账号可以查看", en: "Only merchant accounts can list these")
        }
        return try await list(request, context, identity)
    }

    /// An external reviewer's cases.
    @Sendable func reviewerCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role == .arbitrator else {
            throw APIError(.forbidden, "reviewers_only", zh: "只有外部审查人可以查看", en: "Only external reviewers can list these")
        }
        return try await list(request, context, identity)
    }

    /// The caller's own list (the use case narrows it to the merchant's or the reviewer's cases).
    func list(_ request: Request, _ context: RedressRequestContext, _ identity: Identity) async throws -> Response {
        var query = ComplaintQuery()
        let q = request.uri.queryParameters
        query.limit = try ComplaintRoutes.intParameter(q.get("limit"), name: "limit", range: 1...200) ?? 50
        query.offset = try ComplaintRoutes.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        query.search = try ComplaintRoutes.searchParameter(q.get("q"))
        // A search reads closed cases too unless asked otherwise; the list itself shows open ones by default.
        query.openOnly = q.get("all").map { $0 != "true" } ?? (query.search == nil)
        query.after = try ComplaintRoutes.cursorParameter(
            q.get("cursor"), allowed: identity.role == .merchant && query.openOnly && query.search == nil)
        let page = try await services.cases.list(query, for: identity)
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let items = page.items.map { ComplaintDTO($0, viewer: identity, now: now, chinese: context.chinese, workflow: workflow).value }
        return ComplaintRoutes.pageResponse(page, query, items: items)
    }

    func ids(_ context: RedressRequestContext) throws -> (Identity, String) {
        (try context.requireIdentity(), try context.parameters.require("id"))
    }
}
