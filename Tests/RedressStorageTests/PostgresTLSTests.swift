import Foundation
import PostgresNIO
import Testing

@testable import RedressStorage

/// TLS to PostgreSQL, chosen in the URL as libpq reads it (`sslmode`, `sslrootcert`). The live tests need the test
/// command's server, which speaks TLS with a self-signed certificate whose file `REDRESS_TEST_POSTGRES_CA` names.
@Suite("PostgreSQL over TLS")
struct PostgresTLSTests {
    @Test func theURLNamesTheTLSModeAndItsAuthorityAndRefusesWhatItDoesNotUnderstand() throws {
        let plain = try PostgresLocation(url: "postgres://redress:secret@db.internal:5433/redress")
        #expect(plain.tls == .disable && plain.rootCertificate == nil)
        let full = try PostgresLocation(url: "postgresql://redress:secret@db.internal/redress?sslmode=verify-full&sslrootcert=/etc/redress/ca.pem")
        #expect(full.tls == .verifyFull && full.rootCertificate == "/etc/redress/ca.pem" && full.port == 5432)
        // Messages and logs never carry the password; they say TLS is on.
        #expect(full.description == "postgres://redress@db.internal:5432/redress?sslmode=verify-full")
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            #expect(try PostgresLocation(url: "postgres://u@h/d?sslmode=\(mode)").tls.rawValue == mode)
        }
        #expect(
            throws: StoreError.unavailable("the database URL's sslmode must be one of disable, prefer, require, verify-ca, verify-full, not allow")
        ) {
            try PostgresLocation(url: "postgres://u@h/d?sslmode=allow")
        }
        #expect(throws: StoreError.unavailable("the database URL's option connect_timeout is not understood (sslmode and sslrootcert are)")) {
            try PostgresLocation(url: "postgres://u@h/d?connect_timeout=3")
        }
        #expect(throws: StoreError.unavailable("the database URL's sslrootcert /nowhere/ca.pem cannot be read")) {
            try PostgresLocation(url: "postgres://u@h/d?sslmode=verify-full&sslrootcert=/nowhere/ca.pem").connectionConfiguration()
        }
    }

    static var authority: String? { ProcessInfo.processInfo.environment["REDRESS_TEST_POSTGRES_CA"] }

    /// The test server's database for this test, in the mode asked for.
    static func location(_ query: String) async throws -> PostgresLocation {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redress-tls-\(UUID().uuidString)")
        let database = try await PostgresTestServer.database(for: directory)
        return try PostgresLocation(
            url: "postgres://\(database.user):\(database.password ?? "")@\(database.host):\(database.port)/\(database.database)\(query)")
    }

    /// Whether the store's connections are encrypted, as the server sees them.
    static func encrypted(_ store: PostgresStore) async throws -> Bool {
        let rows = try await store.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").collect()
        return try #require(rows.first).decode(Bool.self)
    }

    @Test(.enabled(if: PostgresTestServer.location != nil && authority != nil))
    func aStoreVerifyingTheServersCertificateWorksEncryptedAndAnUntrustedOneIsRefused() async throws {
        let ca = try #require(Self.authority)
        let verified = try await PostgresStore.open(try await Self.location("?sslmode=verify-full&sslrootcert=\(ca)"), vault: try Self.vault())
        #expect(try await Self.encrypted(verified))
        #expect(try await verified.users(role: nil).isEmpty)
        await verified.close()

        let required = try await PostgresStore.open(try await Self.location("?sslmode=require"), vault: try Self.vault())
        #expect(try await Self.encrypted(required))
        await required.close()

        let plain = try await PostgresStore.open(try await Self.location(""), vault: try Self.vault())
        #expect(try await !Self.encrypted(plain))
        await plain.close()

        // The self-signed certificate is not among the system's authorities: refused at start-up, in words.
        let untrusted = try await Self.location("?sslmode=verify-full")
        do {
            _ = try await PostgresStore.open(untrusted, vault: try Self.vault())
            Issue.record("a server whose certificate no trusted authority signed was accepted")
        } catch let StoreError.unavailable(message) {
            #expect(message.hasPrefix("cannot connect to PostgreSQL at \(untrusted): "))
            #expect(message.contains("certificate"), "\(message)")
        }
    }

    static func vault() throws -> PersonalDataVault {
        try PersonalDataVault(keyringPath: FileManager.default.temporaryDirectory.appendingPathComponent("redress-\(UUID().uuidString).keys").path)
    }
}
