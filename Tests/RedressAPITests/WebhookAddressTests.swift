import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RedressDomain
import RedressStorage
import Synchronization
import Testing

@testable import RedressAPI
@testable import RedressApp

/// A merchant's webhook may not make Redress call the platform's own network.
@Suite("Webhook addresses")
struct WebhookAddressTests {
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
        "198.18.0.1", "::1", "::", "fe80::1", "fd00::1", "fc00::2", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "[::1]", "localhost",
        "api.localhost", "printer.local", "metadata.google.internal",
    ])
    func internalAddressesAndLocalNamesAreRefused(_ host: String) {
        #expect(WebhookAddress.refusal(host: host) != nil)
    }

    @Test(arguments: ["8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "hooks.example.com"])
    func publicAddressesAndNamesPass(_ host: String) {
        #expect(WebhookAddress.refusal(host: host) == nil)
    }

    @Test func namesAreResolvedAndEachAddressChecked() {
        let addresses = WebhookAddress.resolve("localhost")
        #expect(addresses.contains([127, 0, 0, 1]))
        #expect(addresses.allSatisfy(WebhookAddress.isInternal))
        #expect(WebhookAddress.text([127, 0, 0, 1]) == "127.0.0.1")
        #expect(WebhookAddress.text(WebhookAddress.literal("fd00::1")!) == "fd00:0:0:0:0:0:0:1")
    }

    @Test func aMerchantsWebhookMustBePublicAndIsCheckedAgainBeforeEachDelivery() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, shop) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            for url in ["http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://localhost/hook", "https://169.254.169.254/latest/meta-data"] {
                let r = try await c.call(.post, "/api/v1/webhooks", token: shop, json: #"{"url":"\#(url)"}"#)
                #expect(r.status == .unprocessableContent && r.errorCode == "private_address" && r.errorField == "url", "\(url)")
            }
            #expect(try await c.call(.post, "/api/v1/webhooks", token: shop, json: #"{"url":"https://shop.example.com/hook"}"#).status == .created)
            // The platform's own webhook may call its own network.
            #expect(try await c.call(.post, "/api/v1/webhooks", token: admin, json: #"{"url":"http://10.0.0.5/risk"}"#).status == .created)

            // A merchant's endpoint whose name leads inside (made before the check, or re-pointed since): not sent.
            try await t.store.createWebhook(
                WebhookSubscription(
                    id: "inside", url: "http://localhost:9/hook", secret: "whsec_x", topics: ["complaint.created"], merchantId: merchantId,
                    createdBy: "test", createdAt: t.clock.now))
            let member = try await c.member("m@x.cn")
            _ = try await c.file(
                member,
                #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-1","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"月卡未开通","remedy":{"kind":"delivery"},"amountClaimedFen":3000}"#
            )
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let clock = t.clock
            _ = try await Outbox(store: t.store, configuration: t.configuration, now: { clock.now }, logger: quiet).runOnce()
            let inside = try #require(try await t.store.deliveries(status: nil, limit: 50, offset: 0).first { $0.destination == "inside" })
            #expect(inside.attempts == 1 && inside.lastError == "not sent: localhost is a local name")
        }
    }

    /// The delivery connects to the address that was checked, whatever the name would resolve to a moment later: a
    /// name that does not resolve at all here reaches the receiver at the given address, with its own Host header.
    @Test func aDeliveryConnectsToTheAddressThatWasChecked() async throws {
        let received = Received()
        try await received.receiver(answering: .accepted).test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://rebound.redress.invalid:\(port)/hook"))
            #expect(PinnedHTTP.addresses(of: url).isEmpty)
            let status = try await PinnedHTTP.post(
                url, to: [127, 0, 0, 1], headers: [("Redress-Signature", "t=1,v1=ab")], body: Array(#"{"a":1}"#.utf8))
            #expect(status == 202)
            #expect(received.hosts == ["rebound.redress.invalid:\(port)"] && received.bodies == [#"{"a":1}"#] && received.signatures == ["t=1,v1=ab"])
            // Nothing answers at a closed port: an error that names it, not a hang.
            await #expect(throws: (any Error).self) {
                try await PinnedHTTP.post(URL(string: "http://127.0.0.1:9/hook")!, to: [127, 0, 0, 1], headers: [], body: [], timeout: .seconds(2))
            }
        }
    }

    /// A webhook's secret is kept sealed in the database (a copied database does not hand it out) and deliveries are
    /// still signed with it.
    @Test(arguments: Engine.allCases) func secretsAreStoredSealedAndDeliveriesSignedWithThem(_ engine: Engine) async throws {
        let received = Received()
        try await received.receiver(answering: .ok).test(.live) { hookClient in
            let port = try #require(hookClient.port)
            let t = try await TestApp(engine)
            _ = try await t.staff(.admin, login: "admin@x.cn")
            let secret = try await t.test { c in
                let admin = try await c.login("admin@x.cn")
                let made = try await c.call(
                    .post, "/api/v1/webhooks", token: admin, json: #"{"url":"http://127.0.0.1:\#(port)/hook","topics":["complaint.created"]}"#)
                #expect(made.status == .created, "\(made.html)")
                let m = try await c.member("m@x.cn")
                _ = try await c.file(m)
                return (made["secret"] as? String) ?? (made["webhook"] as? [String: Any])?["secret"] as? String ?? ""
            }
            #expect(secret.hasPrefix("whsec_"))
            let stored = try #require(try await t.store.webhooks().first)
            #expect(stored.secret.hasPrefix("enc1:") && !stored.secret.contains(secret))
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let clock = t.clock
            _ = try await Outbox(store: t.store, configuration: t.configuration, now: { clock.now }, logger: quiet).runOnce()
            let header = try #require(received.signatures.first)
            let body = try #require(received.bodies.first)
            let timestamp = try #require(Int64(header.split(separator: ",").first?.dropFirst(2) ?? ""))
            #expect(header == Outbox.signature(secret: secret, timestamp: timestamp, body: Array(body.utf8)))
        }
    }

    /// A secret stored in plaintext by an earlier version is sealed at the next start.
    @Test func plaintextSecretsAreSealedAtStart() async throws {
        let t = try await TestApp()
        try await t.store.createWebhook(
            WebhookSubscription(
                id: "old", url: "https://hooks.example.com/x", secret: "whsec_plain", topics: [], merchantId: nil, createdBy: "test",
                createdAt: t.clock.now))
        try await t.test { _ in }
        let stored = try #require(try await t.store.webhooks().first)
        #expect(stored.secret.hasPrefix("enc1:") && !stored.secret.contains("whsec_plain"))
        #expect(try SecretBox.load(dataDirectory: t.directory).open(stored.secret) == "whsec_plain")
    }
}

/// What a webhook receiver on a loopback port was sent.
final class Received: Sendable {
    /// A receiver at POST /hook that keeps what it is sent and answers `status`.
    func receiver(answering status: HTTPResponse.Status) -> some ApplicationProtocol {
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 65_536)
            self.add(host: request.head.authority ?? "", body: String(buffer: body), signature: request.headers[HTTPField.Name("Redress-Signature")!])
            return status
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    private let state = Mutex<(hosts: [String], bodies: [String], signatures: [String])>(([], [], []))
    func add(host: String, body: String, signature: String?) {
        state.withLock {
            $0.hosts.append(host)
            $0.bodies.append(body)
            $0.signatures.append(signature ?? "")
        }
    }
    var hosts: [String] { state.withLock { $0.hosts } }
    var bodies: [String] { state.withLock { $0.bodies } }
    var signatures: [String] { state.withLock { $0.signatures } }
}
