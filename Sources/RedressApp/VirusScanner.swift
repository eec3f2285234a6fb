import Foundation
import NIOCore
import NIOPosix

/// ClamAV's `clamd`, asked over its socket (a Unix socket path, or `host:port`) with the INSTREAM command: the file's
/// bytes in pieces, each led by its length, then a zero length; clamd answers `stream: OK` or
/// `stream: <signature> FOUND`.
package struct VirusScanner: Sendable {
    package enum Verdict: Sendable, Equatable {
        case clean
        case infected(signature: String)
    }

    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
    }

    /// Where clamd listens: a Unix socket path (starting with `/`) or `host:port`.
    let location: String
    let timeout: TimeAmount

    package init(location: String, timeout: TimeAmount = .seconds(30)) {
        self.location = location
        self.timeout = timeout
    }

    package func scan(_ bytes: [UInt8]) async throws(Unavailable) -> Verdict {
        let answer: String
        do {
            answer = try await ask(bytes)
        } catch let e as Unavailable {
            throw e
        } catch {
            throw Unavailable(description: "clamd at \(location) did not answer: \(error)")
        }
        let text = answer.trimmingCharacters(in: CharacterSet(charactersIn: "\0\n "))
        if text.hasSuffix(": OK") { return .clean }
        if text.hasSuffix(" FOUND") {
            let name = text.dropFirst(text.hasPrefix("stream: ") ? 8 : 0).dropLast(6)
            return .infected(signature: String(name))
        }
        throw Unavailable(description: "clamd at \(location) answered \(text.prefix(200))")
    }

    func ask(_ bytes: [UInt8]) async throws -> String {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(5))
        let make: @Sendable (Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        if location.hasPrefix("/") {
            channel = try await bootstrap.connect(unixDomainSocketPath: location, channelInitializer: make)
        } else {
            guard let colon = location.lastIndex(of: ":"), let port = Int(location[location.index(after: colon)...]) else {
                throw Unavailable(description: "clamd's location \(location) is neither a socket path nor host:port")
            }
            channel = try await bootstrap.connect(host: String(location[..<colon]), port: port, channelInitializer: make)
        }
        let timeout = self.timeout
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "zINSTREAM\0"))
                    var offset = 0
                    while offset < bytes.count {
                        let piece = bytes[offset..<min(bytes.count, offset + 65_536)]
                        var b = ByteBuffer()
                        b.writeInteger(UInt32(piece.count), endianness: .big)
                        b.writeBytes(piece)
                        try await outbound.write(b)
                        offset += piece.count
                    }
                    var end = ByteBuffer()
                    end.writeInteger(UInt32(0), endianness: .big)
                    try await outbound.write(end)
                    var answer = ByteBuffer()
                    for try await var part in inbound {
                        answer.writeBuffer(&part)
                        if answer.readableBytesView.last == 0 { break }
                    }
                    return String(buffer: answer)
                }
            }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                throw Unavailable(description: "clamd at \(self.location) gave no verdict within \(timeout.nanoseconds / 1_000_000_000) s")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? ""
        }
    }
}
