/// The new words of a reply, without the quoted mail under them (Outlook, Foxmail, QQ Mail, Gmail, Apple Mail).
public enum ReplyText {
    /// Lines that start the quoted history.
    static let separators = [
        "-----original message-----", "-----原始邮件-----", "------------------ 原始邮件 ------------------", "-------- 原始邮件 --------",
        "-------- original message --------", "--- 原始邮件 ---", "________________________________",
    ]
    static let headerStarts = ["from:", "发件人:", "发件人：", "寄件者:", "寄件者：", "sent:", "发送时间:", "发送时间："]

    public static func newText(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var cut = lines.count
        for (n, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace.lowercased()
            if separators.contains(where: { line.hasPrefix($0) }) {
                cut = n
                break
            }
            // "On Mon, … wrote:" / "在 2026年12月7日 … 写道："
            if (line.hasPrefix("on ") && line.hasSuffix("wrote:")) || (line.hasPrefix("在") && (line.hasSuffix("写道：") || line.hasSuffix("写道:"))) {
                cut = n
                break
            }
            // An Outlook header block: "发件人: …" followed soon by "发送时间"/"Sent".
            if headerStarts.prefix(3).contains(where: { line.hasPrefix($0) }), n > 0,
                lines[(n + 1)..<min(lines.count, n + 4)].contains(where: { l in
                    headerStarts.dropFirst(3).contains { l.trimmingWhitespace.lowercased().hasPrefix($0) }
                })
            {
                cut = n
                break
            }
            if line.hasPrefix(">") && lines[n...].allSatisfy({ $0.trimmingWhitespace.isEmpty || $0.trimmingWhitespace.hasPrefix(">") }) {
                cut = n
                break
            }
        }
        let kept = lines[..<cut].joined(separator: "\n").trimmingWhitespace
        return kept.isEmpty ? text : kept
    }
}
