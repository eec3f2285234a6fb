import Foundation

/// The client side of `redress mailgate`: one message handed to the server, and the exit status a mail system
/// understands (sysexits.h): 0 taken; 75 try again later (the server is down, busy or misconfigured — the mail system
/// keeps the message queued, so none is lost); 65 a message that can never be taken (too large, not mail); 67 no
/// such recipient. The second value is the sentence the mail system puts in its bounce or log.
package enum MailGateway {
    package static let taken: Int32 = 0
    package static let dataError: Int32 = 65
    package static let noUser: Int32 = 67
    package static let tryLater: Int32 = 75

    package static func deliver(_ raw: [UInt8], url: String, token: String, recipient: String?) async -> (status: Int32, message: String) {
        var address = url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/mail/inbound"
        if let r = recipient, let q = r.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "@.-_+"))) {
            address += "?recipient=" + q
        }
        guard let target = URL(string: address), let ip = PinnedHTTP.addresses(of: target).first else {
            return (tryLater, "redress mailgate: cannot resolve \(url); the message stays queued")
        }
        let headers = [("Content-Type", "message/rfc822"), ("Authorization", "Bearer \(token)"), ("User-Agent", "redress-mailgate/1")]
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await PinnedHTTP.exchange(target, to: ip, headers: headers, body: raw, timeout: .seconds(60), answerLimit: 16_384)
        } catch {
            return (tryLater, "redress mailgate: the server at \(url) did not answer (\(error)); the message stays queued")
        }
        let reason = explanation(answer.body)
        switch answer.status {
        case 200..<300: return (taken, "redress mailgate: taken: \(reason)")
        case 400, 413, 415, 422: return (dataError, "redress mailgate: refused: \(reason)")
        case 404: return (noUser, "redress mailgate: no such mailbox: \(reason)")
        default: return (tryLater, "redress mailgate: the server answered \(answer.status) (\(reason)); the message stays queued")
        }
    }

    /// The server's sentence: an error's message, or the receipt's status.
    static func explanation(_ body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return String(decoding: body.prefix(300), as: UTF8.self)
        }
        if let error = object["error"] as? [String: Any] {
            return [error["code"], error["message"]].compactMap { $0 as? String }.joined(separator: ": ")
        }
        let parts = [object["status"], object["reason"], object["caseNumber"]].compactMap { $0 as? String }
        return parts.joined(separator: " ") + ((object["duplicate"] as? Bool) == true ? " (already taken)" : "")
    }
}
