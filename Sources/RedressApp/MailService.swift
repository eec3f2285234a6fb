import Crypto
import Foundation
import RedressDomain
import RedressMail
import RedressStorage

/// Mail in: each message the gateway hands over is kept once (by its Message-ID), then filed as a complaint, added to
/// its case, held for its sender to confirm, or kept aside with the reason — never answered when a machine wrote it.
package struct MailService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// What became of a message, as the gateway's answer says it.
    package struct Receipt: Sendable {
        package var mail: InboundMail
        package var caseNumber: String?
        /// The message was taken before (the mail system handed it over again).
        package var duplicate: Bool
    }

    func threading() throws -> MailThreading { MailThreading(box: app.secrets, configuration: app.configuration) }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    // MARK: Receiving

    /// Takes one raw message. `recipient` is the envelope recipient the mail system delivered to, when it says.
    package func receive(raw: [UInt8], recipient: String?) async throws -> Receipt {
        let limit = app.configuration.maxMailBytes
        guard raw.count <= limit else {
            throw AppError(
                .contentTooLarge, "message_too_large", zh: "邮件超过 \(limit / 1_048_576) MiB，未被接收；请把附件分几封邮件发送或在网站上传",
                en:
                    "The message is larger than \(limit / 1_048_576) MiB and was not taken; send the files in several messages or upload them on the site",
                field: "message")
        }
        guard !raw.isEmpty else { throw AppError.invalid("message", "empty_message", zh: "邮件为空", en: "The message is empty") }
        let now = app.now()
        let digest = Self.sha256(raw)
        let parsed: MailMessage
        switch MailMessage.read(raw) {
        case .success(let m): parsed = m
        case .failure(let e):
            // Kept with the reason, for an admin: the gateway never drops what it cannot read.
            let mail = InboundMail(
                id: TimeOrderedID.make(at: now), messageKey: digest, receivedAt: now, status: .keptAside,
                reason: "\(InboundMailReason.unreadable.rawValue):\(e.code)", sizeBytes: raw.count, sha256: digest,
                subject: String((MailMessage.subject(of: raw) ?? "").prefix(500)))
            let (kept, isNew) = try await store.keepInboundMail(mail, sender: "", raw: raw, confirmDigest: nil)
            app.logger.warning("mail kept aside: unreadable", metadata: ["mail": "\(kept.id)", "reason": "\(e.code)"])
            return Receipt(mail: kept, caseNumber: nil, duplicate: !isNew)
        }
        let key = parsed.messageId.map { Self.sha256(Array("id:\($0)".utf8)) } ?? digest
        let sender = parsed.from?.address ?? ""
        let fresh = InboundMail(
            id: TimeOrderedID.make(at: now), messageKey: key, receivedAt: now, status: .held, reason: "received", sizeBytes: raw.count,
            sha256: digest,
            subject: String(parsed.subject.prefix(500)))
        let (kept, isNew) = try await store.keepInboundMail(fresh, sender: sender, raw: raw, confirmDigest: nil)
        // Handed over again: answered as before, unless the first try stopped before it was settled.
        if !isNew && kept.reason != "received" {
            return Receipt(mail: kept, caseNumber: try await caseNumber(kept.complaintId), duplicate: true)
        }
        return try await place(kept, parsed, raw: raw, sender: sender, recipient: recipient)
    }

    func place(_ mail: InboundMail, _ m: MailMessage, raw: [UInt8], sender: String, recipient: String?) async throws -> Receipt {
        func settle(_ status: InboundMailStatus, _ reason: InboundMailReason?, case id: String? = nil) async throws -> Receipt {
            try await store.settleInboundMail(id: mail.id, status: status, reason: reason?.rawValue, complaintId: id, keepRaw: id == nil)
            var settled = mail
            (settled.status, settled.reason, settled.complaintId) = (status, reason?.rawValue, id)
            app.logger.info(
                "mail placed", metadata: ["mail": "\(mail.id)", "status": "\(status.rawValue)", "reason": "\(reason?.rawValue ?? "")"])
            return Receipt(mail: settled, caseNumber: try await caseNumber(id), duplicate: false)
        }
        if let machine = m.automatic {
            return try await settle(.ignored, InboundMailReason(rawValue: machine.rawValue))
        }
        let hour = try await store.inboundMailCount(sender: sender, since: app.now().addingTimeInterval(-3600))
        if hour > app.configuration.mailPerSenderPerHour { return try await settle(.ignored, .rateLimited) }

        let threading = try threading()
        let recipients =
            ([recipient].compactMap { $0 } + m.to.map(\.address) + m.cc.map(\.address))
            + ["Delivered-To", "X-Original-To"].compactMap { m.headers.text($0).flatMap(MailAddress.one)?.address }
        let ids = m.inReplyTo + m.references
        if let caseId = threading.verifiedCase(recipients: recipients, messageIds: ids, sender: sender) {
            return try await append(mail, m, raw: raw, caseId: caseId, sender: sender, settle: settle)
        }
        let answersACase = try await namesACase(m)
        if threading.namedCase(messageIds: ids) != nil || recipients.contains(where: { $0.contains("+r.") }) || answersACase {
            // It answers a case, but not with the tag made for this address: a forged From cannot post.
            try await answer(m, to: sender, reason: .replyNotVerified)
            return try await settle(.keptAside, .replyNotVerified)
        }
        guard let owner = try await store.mailAddressOwner(sender), let member = try await store.user(id: owner)?.user, member.role == .member,
            !member.disabled
        else {
            return try await hold(mail, m, sender: sender)
        }
        let c = try await file(m, raw: raw, messageKey: mail.messageKey, by: Identity(userId: member.id, role: .member), category: nil)
        return try await settle(.filed, nil, case: c.id)
    }

    /// Whether the message answers a case without the tag: its subject names a case number that exists, or it refers to
    /// a message that was placed on a case. Such a message is never filed as a new complaint.
    func namesACase(_ m: MailMessage) async throws -> Bool {
        if let re = try? NSRegularExpression(pattern: #"RD-\d{8}-\d{6}"#),
            let match = re.firstMatch(in: m.subject, range: NSRange(m.subject.startIndex..., in: m.subject)),
            let r = Range(match.range, in: m.subject), try await store.complaintId(caseNumber: String(m.subject[r])) != nil
        {
            return true
        }
        for id in (m.inReplyTo + m.references).prefix(20) {
            if try await store.inboundMail(messageKey: Self.sha256(Array("id:\(id)".utf8)))?.complaintId != nil { return true }
        }
        return false
    }

    /// A reply on its case: the new words (without the quoted mail) as a message by the party the sender is, the
    /// files as evidence, the whole message kept as evidence too.
    func append(
        _ mail: InboundMail, _ m: MailMessage, raw: [UInt8], caseId: String, sender: String,
        settle: (InboundMailStatus, InboundMailReason?, String?) async throws -> Receipt
    ) async throws -> Receipt {
        guard let c = try await store.complaint(id: caseId), let who = try await party(of: c, sender: sender) else {
            return try await settle(.keptAside, .notAParty, nil)
        }
        let text = String(ReplyText.newText(m.text).prefix(CaseWorkflow.maximumMessage))
        let note = skippedNote(m)
        let body = [text, note].filter { !$0.isEmpty }.joined(separator: "\n\n")
        do {
            _ = try await app.cases.change(caseId, by: who) { wf, current, now in
                try wf.message(on: current, by: who.actor, body: body.isEmpty ? "（邮件没有正文）" : body, visibility: .public, now: now)
            }
        } catch let e as AppError where e.kind == .conflict || e.kind == .unprocessableContent {
            try await answer(m, to: sender, reason: .caseClosed)
            return try await settle(.keptAside, .caseClosed, nil)
        }
        try await attach(m, raw: raw, to: caseId, by: who)
        return try await settle(.appended, nil, caseId)
    }

    /// The member or merchant a sender's address belongs to on this case, or nil.
    func party(of c: Complaint, sender: String) async throws -> Identity? {
        if let member = try await store.user(id: c.memberId)?.user, !member.disabled {
            let own = [member.email, member.login].compactMap { $0?.lowercased() }
            let confirmed = try await store.mailAddressOwner(sender)
            if own.contains(sender) || confirmed == member.id {
                return Identity(userId: member.id, role: .member)
            }
        }
        if let m = c.respondentMerchantId {
            let users = try await store.users(role: .merchant).filter { $0.merchantId == m && !$0.disabled }
            if let u = users.first(where: { $0.email?.lowercased() == sender || $0.login == sender }) {
                return Identity(userId: u.id, role: .merchant, merchantId: m)
            }
            if let merchant = try await store.merchant(id: m), merchant.contactEmail?.lowercased() == sender, let u = users.first {
                return Identity(userId: u.id, role: .merchant, merchantId: m)
            }
        }
        return nil
    }

    /// Files a complaint from a message: the category chosen (or `other`), the order number and amount when the
    /// text names them, the mail's words as the narrative, channel e-mail. Filed once however often it is handed over.
    func file(_ m: MailMessage, raw: [UInt8], messageKey: String, by member: Identity, category: String?) async throws -> Complaint {
        let draft = MailFiling.draft(m, category: category ?? "other.other", now: app.now())
        let filed = try await app.cases.file(draft, by: member, idempotencyKey: "mail:\(messageKey)", requestHash: messageKey)
        if !filed.replayed { try await attach(m, raw: raw, to: filed.complaint.id, by: member) }
        return filed.complaint
    }

    /// The message kept whole, then each file that is a kind of evidence Redress takes (others are named in the
    /// message they came with).
    func attach(_ m: MailMessage, raw: [UInt8], to caseId: String, by who: Identity) async throws {
        _ = try await app.cases.addEvidence(
            to: caseId, bytes: raw, fileName: "mail-\(Self.sha256(raw).prefix(12)).eml", by: who, declared: .message)
        for a in m.attachments where EvidenceMediaType.sniff(a.bytes) != nil {
            do {
                _ = try await app.cases.addEvidence(to: caseId, bytes: a.bytes, fileName: a.fileName, by: who)
            } catch let e as AppError where e.kind != .serviceUnavailable {
                app.logger.warning("mail attachment not kept as evidence", metadata: ["code": "\(e.code)"])
            }
        }
    }

    /// A line naming the files that were not taken as evidence (their type is not one Redress keeps).
    func skippedNote(_ m: MailMessage) -> String {
        let skipped = m.attachments.filter { EvidenceMediaType.sniff($0.bytes) == nil }.map(\.fileName)
        guard !skipped.isEmpty else { return "" }
        return "（附件 \(skipped.joined(separator: "、")) 的文件类型不被接受，未作为证据保存；整封邮件已作为证据保存。）"
    }

    // MARK: Held mail

    /// A message from an address no member has confirmed: kept, and its sender asked to confirm it from their account
    /// (one link, valid for `InboundMail.holdDays` days). Nothing is opened until then.
    func hold(_ mail: InboundMail, _ m: MailMessage, sender: String) async throws -> Receipt {
        var token = [UInt8](repeating: 0, count: 24)
        for i in token.indices { token[i] = UInt8.random(in: 0...255) }
        let secret = Data(token).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let expires = app.now().addingTimeInterval(Double(InboundMail.holdDays) * 86_400)
        try await store.holdInboundMail(id: mail.id, confirmDigest: Self.sha256(Array(secret.utf8)), expiresAt: expires)
        let link = "\(app.configuration.siteURL)/my/mail/\(secret)"
        try await answer(m, to: sender, reason: .unknownSender, link: link)
        var held = mail
        (held.status, held.reason, held.expiresAt) = (.held, InboundMailReason.unknownSender.rawValue, expires)
        return Receipt(mail: held, caseNumber: nil, duplicate: false)
    }

    /// A held message as its sender is shown it before confirming.
    package struct HeldMessage: Sendable {
        package var mail: InboundMail
        package var subject: String
        package var text: String
        package var attachments: [String]
    }

    /// A held message, for the page that confirms it: nil when the link is unknown, used or expired.
    package func held(token: String) async throws -> HeldMessage? {
        guard let (mail, m) = try await heldMessage(token: token) else { return nil }
        return HeldMessage(mail: mail, subject: m.subject, text: m.text, attachments: m.attachments.map(\.fileName))
    }

    func heldMessage(token: String) async throws -> (mail: InboundMail, message: MailMessage)? {
        guard let (mail, raw) = try await store.inboundMail(confirmDigest: Self.sha256(Array(token.utf8))), mail.status == .held,
            (mail.expiresAt ?? .distantFuture) > app.now(), let raw, let m = try? MailMessage.parse(raw)
        else { return nil }
        return (mail, m)
    }

    /// The signed-in member confirms a held message as theirs: the address is confirmed for their account (later mail
    /// from it files directly) and the message is filed in the category they chose.
    package func confirm(token: String, category: String?, by caller: Identity) async throws -> Complaint {
        guard caller.role == .member else {
            throw AppError(.forbidden, "members_only", zh: "只有会员可以确认来信", en: "Only members can confirm a message")
        }
        guard let (mail, m) = try await heldMessage(token: token), let raw = try await store.inboundMail(id: mail.id)?.raw else {
            throw AppError(.notFound, "mail_not_found", zh: "该确认链接无效或已过期", en: "This confirmation link is unknown or has expired")
        }
        let sender = m.from?.address ?? ""
        let c = try await file(m, raw: raw, messageKey: mail.messageKey, by: caller, category: category)
        try await store.confirmMailAddress(sender, userId: caller.userId, at: app.now())
        try await store.settleInboundMail(id: mail.id, status: .filed, reason: nil, complaintId: c.id, keepRaw: false)
        app.logger.info("held mail confirmed", metadata: ["mail": "\(mail.id)", "case": "\(c.caseNumber)"])
        return c
    }

    /// Admins: the mail received, newest first.
    package func list(status: InboundMailStatus?, by caller: Identity) async throws -> [InboundMail] {
        guard caller.role == .admin else { throw AppError.forbidden }
        return try await store.inboundMails(status: status, limit: 200)
    }

    // MARK: Answers

    /// Tells a person why their message was not placed. Marked `Auto-Submitted: auto-replied` (RFC 3834) and sent only
    /// to mail a person wrote, at most the sender's hourly allowance.
    func answer(_ m: MailMessage, to sender: String, reason: InboundMailReason, link: String? = nil) async throws {
        guard let command = app.configuration.sendmailCommand, !sender.isEmpty, m.automatic == nil else { return }
        let platform = app.configuration.platformName
        let (subject, text) = MailFiling.answer(reason: reason, platform: platform, subject: m.subject, link: link)
        var headers = [("From", app.configuration.mailFrom), ("To", sender), ("Auto-Submitted", "auto-replied")]
        headers.append(("Message-ID", "<a.\(TimeOrderedID.make(at: app.now())).\(try threading().domain)>"))
        if let id = m.messageId { headers += [("In-Reply-To", "<\(id)>"), ("References", "<\(id)>")] }
        do {
            try await Sendmail.send(Sendmail.message(headers: headers, subject: subject, text: text, date: app.now()), command: command)
        } catch {
            // A mail server's refusal names the address: masked before it is logged.
            app.logger.warning(
                "answer to incoming mail not sent",
                metadata: ["reason": "\(reason.rawValue)", "error": "\(PersonalData.maskContacts("\(error)").prefix(300))"])
        }
    }

    func caseNumber(_ id: String?) async throws -> String? {
        guard let id else { return nil }
        return try await store.complaint(id: id)?.caseNumber
    }
}
