import ArgumentParser
import Foundation
import RedressApp

/// Reads one message on standard input, as a mail system's pipe transport or `.forward` runs it, and hands it to
/// the server. The exit status tells the mail system what to do (sysexits.h): 0 taken, 75 keep it queued and try
/// again (the server is down), 65/67 bounce it with the sentence printed.
struct Mailgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailgate",
        abstract: "Hand one e-mail message (standard input) to a Redress server, for a mail system's pipe transport.",
        discussion: """
            Postfix, in master.cf:
              redress unix - n n - - pipe flags=Rq user=nobody argv=/usr/local/bin/redress mailgate --url http://127.0.0.1:8080 --token-file /etc/redress/mailgate.token --recipient ${recipient}
            and in main.cf: transport_maps = inline:{ complaints.example.com=redress: }
            """)

    @Option(help: "The server's address, e.g. http://127.0.0.1:8080.")
    var url: String
    @Option(help: "A file holding the gateway credential (the server's REDRESS_MAILGATE_TOKEN); default: that variable.")
    var tokenFile: String?
    @Option(help: "The envelope recipient the mail system delivered to (threads replies sent to a case's reply address).")
    var recipient: String?

    func run() async throws {
        let token: String
        if let path = tokenFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                print("redress mailgate: cannot read the token file \(path); the message stays queued")
                throw ExitCode(MailGateway.tryLater)
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let t = ProcessInfo.processInfo.environment["REDRESS_MAILGATE_TOKEN"], !t.isEmpty {
            token = t
        } else {
            print("redress mailgate: no gateway credential (--token-file or REDRESS_MAILGATE_TOKEN); the message stays queued")
            throw ExitCode(MailGateway.tryLater)
        }
        let raw = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        let (status, message) = await MailGateway.deliver(raw, url: url, token: token, recipient: recipient)
        print(message)
        if status != MailGateway.taken { throw ExitCode(status) }
    }
}
