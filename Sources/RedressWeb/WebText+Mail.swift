/// The words of the mail pages, part of the one table of `WebText`.
extension WebText {
    static let mailWords: [String: (zh: String, en: String)] = [
        "heldMail": ("确认来信", "Confirm your message"),
        "heldMailIntro": (
            "以下邮件发自一个尚未与您账号确认的邮箱地址。确认后，这封邮件会作为您的投诉提交，附件一并作为证据保存；以后从这个地址发来的邮件会直接立案。",
            "This message came from an address not yet confirmed for your account. Once you confirm, it is filed as your complaint with its files as evidence, and later mail from this address is filed directly."
        ),
        "heldMailGone": ("该确认链接无效、已使用或已过期。", "This confirmation link is unknown, used or expired."),
        "heldMailConfirm": ("这是我发的，提交投诉", "I sent this: file the complaint"),
        "mailSubject": ("邮件主题", "Subject"),
        "mailNoSubject": ("（无主题）", "(no subject)"),
        "mailReceived": ("收到时间", "Received"),
        "mailExpires": ("保留至", "Kept until"),
        "mailAttachments": ("附件", "Attachments"),
        "mailCategory": ("问题类型", "Kind of problem"),
        "receivedMail": ("来信", "Mail received"),
        "receivedMailIntro": (
            "通过投诉邮箱收到的每封邮件都在这里：已立案、已加入案件、待发件人确认、自动邮件未处理或已搁置，并写明原因。原始邮件作为证据保存在案件中。",
            "Every message received at the complaint address: filed, added to a case, awaiting its sender's confirmation, automatic and not answered, or kept aside, with the reason. The raw message is kept as evidence on its case."
        ),
        "noReceivedMail": ("没有来信。", "No mail received."),
        "mailReason": ("原因", "Reason"),
        "mailSize": ("大小", "Size"),
        "mailOpenCase": ("查看案件", "Open the case"),
    ]
}
