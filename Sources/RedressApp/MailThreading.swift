import Foundation
import NIOPosix

/// How mail finds its case again: every notice names its case in a Message-ID and a reply address that carry a tag
/// only the server can make, for that case and that recipient. A reply that carries the tag made for its sender's
/// address joins the case; a forged `From` without it does not.
struct MailThreading: Sendable {
    let box: SecretBox
    /// The domain of Redress's Message-IDs.
    let domain: String
    /// The reply address (`complaints@example.com`), when mail in is set up.
    let replyAddress: String?

    init(box: SecretBox, configuration: AppConfiguration) {
        self.box = box
        self.replyAddress = configuration.mailReplyAddress
        let from = configuration.mailReplyAddress ?? configuration.mailFrom
        let host = from.split(separator: "@").last.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) } ?? ""
        self.domain = host.isEmpty || host == from ? "redress.invalid" : host.lowercased()
    }

    static let purpose = "redress mail reply tag v1"

    func tag(caseId: String, address: String) -> String { box.tag("\(caseId)\n\(address.lowercased())", purpose: Self.purpose) }

    /// The case's thread root, the first of every notice's References.
    func threadId(caseId: String) -> String { "c.\(caseId)@\(domain)" }

    /// A notice's Message-ID: `n.<delivery>.<case>.<tag>@domain`.
    func messageId(deliveryId: Int64, caseId: String, to address: String) -> String {
        "n.\(deliveryId).\(caseId).\(tag(caseId: caseId, address: address))@\(domain)"
    }

    /// `complaints+r.<case>.<tag>@example.com`, or nil when no reply address is set up.
    func replyTo(caseId: String, for address: String) -> String? {
        guard let base = replyAddress, let at = base.firstIndex(of: "@") else { return nil }
        return "\(base[..<at])+r.\(caseId).\(tag(caseId: caseId, address: address))\(base[at...])"
    }

    /// The case a message's recipients or referenced ids name with a tag made for `sender`; nil when none does.
    func verifiedCase(recipients: [String], messageIds: [String], sender: String) -> String? {
        var claims: [(caseId: String, tag: String)] = []
        for r in recipients {
            let local = r.split(separator: "@").first.map(String.init) ?? r
            guard let plus = local.lastIndex(of: "+") else { continue }
            let parts = local[local.index(after: plus)...].split(separator: ".")
            if parts.count == 3, parts[0] == "r" { claims.append((String(parts[1]), String(parts[2]))) }
        }
        for id in messageIds {
            let local = id.split(separator: "@").first.map(String.init) ?? id
            let parts = local.split(separator: ".")
            if parts.count == 4, parts[0] == "n" { claims.append((String(parts[2]), String(parts[3]))) }
        }
        return claims.first { tag(caseId: $0.caseId, address: sender) == $0.tag.lowercased() }?.caseId
    }

    /// A case id named without a tag (by a Message-ID of ours): a hint, never proof.
    func namedCase(messageIds: [String]) -> String? {
        for id in messageIds {
            let parts = (id.split(separator: "@").first ?? "").split(separator: ".")
            if parts.count == 4, parts[0] == "n" { return String(parts[2]) }
            if parts.count == 2, parts[0] == "c" { return String(parts[1]) }
        }
        return nil
    }
}

/// Hands a message to the sendmail-compatible command (msmtp, Postfix's sendmail).
enum Sendmail {
    static func send(_ message: String, command: [String]) async throws {
        guard let executable = command.first else { throw OutboxError("no sendmail command configured") }
        let arguments = Array(command.dropFirst())
        try await NIOThreadPool.singleton.runIfActive {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
            let input = Pipe()
            let errors = Pipe()
            p.standardInput = input
            p.standardError = errors
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            input.fileHandleForWriting.write(Data(message.utf8))
            try input.fileHandleForWriting.close()
            p.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard p.terminationStatus == 0 else {
                throw OutboxError("sendmail exited with status \(p.terminationStatus): \(stderr.prefix(300))")
            }
        }
    }

    /// An RFC 5322 message in UTF-8: the subject as an RFC 2047 word, the body in base64.
    static func message(headers: [(String, String)], subject: String, text: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let body = Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let lines =
            headers.map { "\($0.0): \($0.1)" } + [
                "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=", "Date: \(formatter.string(from: date))", "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", body, "",
            ]
        return lines.joined(separator: "\r\n")
    }
}
