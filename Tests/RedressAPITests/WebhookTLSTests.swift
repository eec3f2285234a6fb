import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import NIOSSL
import Testing

@testable import RedressApp

/// Webhook deliveries over https: the connection goes to the address that was checked, while the certificate is
/// verified against the URL's name (SNI and verification use the name).
@Suite("Webhook deliveries over https")
struct WebhookTLSTests {
    /// A self-signed certificate for `localhost` made with openssl in a temporary folder.
    static func certificate() throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redress-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        return (dir + "/cert.pem", dir + "/key.pem")
    }

    @Test func theCertificateIsCheckedAgainstTheURLsNameWhileTheConnectionGoesToTheCheckedAddress() async throws {
        let (cert, key) = try Self.certificate()
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }, privateKey: .file(key))
        let received = Received()
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 65_536)
            received.add(host: request.head.authority ?? "", body: String(buffer: body), signature: nil)
            return .noContent
        }
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let trusted = NIOSSLTrustRoots.file(cert)
            // The name the certificate carries, the address the check found: delivered.
            let url = try #require(URL(string: "https://localhost:\(port)/hook"))
            #expect(try await PinnedHTTP.post(url, to: [127, 0, 0, 1], headers: [], body: Array("{}".utf8), trustRoots: trusted) == 204)
            #expect(received.bodies == ["{}"])
            // A certificate no trusted authority signed is refused (the system's roots do not know this one).
            await #expect(throws: (any Error).self) {
                try await PinnedHTTP.post(url, to: [127, 0, 0, 1], headers: [], body: [], timeout: .seconds(5))
            }
            // Another name at the same address: the certificate does not name it, refused; nothing more delivered.
            let other = try #require(URL(string: "https://hooks.shop.example:\(port)/hook"))
            await #expect(throws: (any Error).self) {
                try await PinnedHTTP.post(other, to: [127, 0, 0, 1], headers: [], body: [], timeout: .seconds(5), trustRoots: trusted)
            }
            #expect(received.bodies == ["{}"])
        }
    }
}
