import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store lives: `postgres://user:password@host:port/database`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// TLS, as libpq's `sslmode` names it.
    public var tls: TLSMode
    /// The certificate authorities to trust (a PEM file, libpq's `sslrootcert`); the system's when nil.
    public var rootCertificate: String?

    /// `disable`: plain TCP. `prefer`: TLS when the server offers it, unchecked. `require`: TLS, the certificate
    /// unchecked. `verify-ca`: TLS with a certificate signed by a trusted authority. `verify-full`: that, and the
    /// certificate names the host.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .disable,
        rootCertificate: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// Parses a `postgres://` or `postgresql://` URL, with `?sslmode=` and `?sslrootcert=` as libpq reads them; the
    /// message names what is wrong.
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw StoreError.unavailable("the database URL must look like postgres://user:password@host:5432/database")
        }
        guard let host = url.host, !host.isEmpty else { throw StoreError.unavailable("the database URL names no host") }
        guard let user = url.user, !user.isEmpty else { throw StoreError.unavailable("the database URL names no user") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw StoreError.unavailable("the database URL names no database (…/NAME)") }
        var tls = TLSMode.disable
        var root: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError.unavailable(
                        "the database URL's sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not \(item.value ?? "nothing")"
                    )
                }
                tls = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw StoreError.unavailable("the database URL's sslrootcert names no file") }
                root = path
            default:
                throw StoreError.unavailable("the database URL's option \(item.name) is not understood (sslmode and sslrootcert are)")
            }
        }
        self.init(host: host, port: url.port ?? 5432, user: user, password: url.password, database: database, tls: tls, rootCertificate: root)
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" + (tls == .disable ? "" : "?sslmode=\(tls.rawValue)") }

    /// The same server and user, another database.
    public func database(_ name: String) -> PostgresLocation {
        var l = self
        l.database = name
        return l
    }

    /// NIOSSL's settings for the mode: which certificates are checked, and against which authorities.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard tls != .disable else { return nil }
        var c = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .prefer, .require: c.certificateVerification = .none
        case .verifyCA: c.certificateVerification = .noHostnameVerification
        case .verifyFull: c.certificateVerification = .fullVerification
        }
        if let root = rootCertificate {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw StoreError.unavailable("the database URL's sslrootcert \(root) cannot be read")
            }
            c.trustRoots = .file(root)
        }
        return c
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tlsMode: PostgresClient.Configuration.TLS =
            switch (tls, try tlsConfiguration()) {
            case (.prefer, let c?): .prefer(c)
            case (_, let c?): .require(c)
            case (_, nil): .disable
            }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsMode)
    }

    /// A single connection's settings (the start-up probe, creating databases).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsMode: PostgresConnection.Configuration.TLS
        do {
            tlsMode =
                switch (tls, try tlsConfiguration()) {
                case (.prefer, let c?): .prefer(try NIOSSLContext(configuration: c))
                case (_, let c?): .require(try NIOSSLContext(configuration: c))
                case (_, nil): .disable
                }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("the TLS settings for PostgreSQL cannot be used: \(error)")
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsMode)
    }
}
