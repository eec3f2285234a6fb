import Foundation
import RedressDomain
import RedressMail

/// A message made a complaint, and the words of the answers the gateway sends.
enum MailFiling {
    /// The draft a message files: the category given, the order number and amount when the text names them (订单号
    /// DD2026…, 100 元), the subject and words as the narrative, the respondent left for the platform to find.
    static func draft(_ m: MailMessage, category: String, now: Date) -> ComplaintDraft {
        let text = m.text.isEmpty ? "（邮件没有正文）" : m.text
        let narrative = String((m.subject.isEmpty ? text : "\(m.subject)\n\n\(text)").prefix(ComplaintDraft.maximumNarrative))
        let facts = TextFacts(m.subject + "\n" + text)
        let order = facts.orderNumber ?? "邮件未注明订单号"
        let fen = facts.amountFen ?? 0
        let occurred = min(m.date ?? now, now)
        return ComplaintDraft(
            category: category, order: OrderReference(orderNumber: order, amountPaidFen: fen, productKind: .other, respondent: .platform),
            occurredAt: occurred < Date(timeIntervalSince1970: 946_684_800) ? now : occurred, narrative: narrative,
            remedy: facts.wantsRefund ? Remedy(kind: .refund) : Remedy(kind: .other, text: "见邮件正文"),
            amountClaimedFen: fen,
            channel: .email)
    }

    /// The subject and text of an answer to a message that was not placed, in Chinese first, then English.
    static func answer(reason: InboundMailReason, platform: String, subject: String, link: String?) -> (String, String) {
        let quoted = subject.isEmpty ? "" : "「\(subject.prefix(60))」"
        switch reason {
        case .unknownSender:
            return (
                "[\(platform) 维权台] 请确认您的来信\(quoted)",
                """
                您好，我们收到了您的来信\(quoted)，但这个邮箱地址还没有与维权台的会员账号确认，所以尚未立案。

                请在 \(InboundMail.holdDays) 天内打开下面的链接，登录（没有账号可先注册）并确认，您的来信就会作为投诉提交，附件一并作为证据保存：
                \(link ?? "")

                确认之后，从这个地址发来的邮件会直接立案。若不是您本人发送，请忽略本邮件，来信将在到期后删除。

                We received your message\(quoted), but this address is not yet confirmed for a member's account, so no case was opened.
                Open the link above within \(InboundMail.holdDays) days, sign in (or register) and confirm: the message is then filed as a complaint with its files as evidence.
                """
            )
        case .replyNotVerified:
            return (
                "[\(platform) 维权台] 您的回复未能加入案件\(quoted)",
                """
                您好，您的回复\(quoted)没有带上维权台通知邮件中的回信凭证，为防止他人冒用您的邮箱，未加入案件。
                请直接回复维权台发给您的通知邮件，或登录网站在案件页面留言。

                Your reply\(quoted) does not carry the reply token of a Redress notice, so it was not added to the case (this keeps others from writing under your address).
                Reply to a notice Redress sent you, or sign in and write on the case's page.
                """
            )
        default:
            return (
                "[\(platform) 维权台] 您的来信未能加入案件\(quoted)",
                """
                您好，您的来信\(quoted)未能加入案件：\(reason.labelZh)。如需补充，请登录网站查看案件。

                Your message\(quoted) was not added to the case: \(reason.labelEn). Sign in to see the case.
                """
            )
        }
    }
}
