import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An HTTP/1.1 POST to one address chosen beforehand: the address the webhook check resolved and found public, so that
/// a name that resolves differently a moment later (DNS rebinding) cannot lead the delivery into the platform's own
/// network. Over https the certificate is still checked against the URL's name (SNI and verification use the name, the
/// connection the address). No redirect is followed; the answer's status is returned and its body is not read past
/// its first bytes.
enum PinnedHTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The addresses a URL's host stands for, public or not (a literal address is itself).
    static func addresses(of url: URL) -> [[UInt8]] {
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else { return [] }
        if let literal = WebhookAddress.literal(host) { return [literal] }
        return WebhookAddress.resolve(host)
    }

    static func post(
        _ url: URL, to address: [UInt8], headers: [(String, String)], body: [UInt8], timeout: TimeAmount = .seconds(10),
        trustRoots: NIOSSLTrustRoots = .default
    ) async throws -> Int {
        try await exchange(url, to: address, headers: headers, body: body, timeout: timeout, trustRoots: trustRoots, answerLimit: 0).status
    }

    /// As `post`, and the answer's body up to `answerLimit` bytes (0: the status alone, returned as soon as it arrives).
    static func exchange(
        _ url: URL, to address: [UInt8], headers: [(String, String)], body: [UInt8], timeout: TimeAmount = .seconds(10),
        trustRoots: NIOSSLTrustRoots = .default, answerLimit: Int
    ) async throws -> (status: Int, body: [UInt8]) {
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw Failure(description: "not an http or https URL") }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let socket = try SocketAddress(ipAddress: WebhookAddress.text(address), port: port)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = trustRoots
        let tls = secure ? try NIOSSLContext(configuration: configuration) : nil
        // SNI carries a name, never an address.
        let serverName: String? = WebhookAddress.literal(host) == nil ? host : nil

        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(to: socket) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: (status: Int, body: [UInt8]).self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var path = url.path.isEmpty ? "/" : url.path
                    if let q = url.query { path += "?" + q }
                    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
                    head.headers.add(name: "Host", value: url.port.map { "\(url.host ?? host):\($0)" } ?? (url.host ?? host))
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    head.headers.add(name: "Content-Length", value: String(body.count))
                    head.headers.add(name: "Connection", value: "close")
                    // The request is written beside the reading of the answer: a server may answer before it has read
                    // the whole body (413 for a body over its limit) and close, and that answer is the one that counts.
                    let writing = Task {
                        try await outbound.write(.head(head))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        try await outbound.write(.end(nil))
                    }
                    defer { writing.cancel() }
                    var status: Int?
                    var answer: [UInt8] = []
                    for try await part in inbound {
                        switch part {
                        case .head(let response):
                            status = Int(response.status.code)
                            if answerLimit == 0 { return (Int(response.status.code), []) }
                        case .body(let chunk):
                            if answer.count < answerLimit { answer += chunk.readableBytesView.prefix(answerLimit - answer.count) }
                        case .end:
                            if let status { return (status, answer) }
                        }
                    }
                    if let status { return (status, answer) }
                    // No answer at all: the write's own failure says why, when it failed.
                    if case .failure(let error) = await writing.result { throw error }
                    throw Failure(description: "the connection closed without an answer")
                }
            }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                throw Failure(description: "no answer within \(timeout.nanoseconds / 1_000_000_000) s")
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() else { throw Failure(description: "no answer") }
            return answer
        }
    }
}
