import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a merchant's webhook may point. A merchant is an outside party: its webhook must not make Redress call
/// the platform's own network (loopback, private ranges, link-local addresses such as a cloud's metadata service).
/// An admin's webhook may (the platform's own systems). Checked when the webhook is made (an address written in
/// the URL, `localhost`) and again before each delivery (every address the name resolves to); the delivery then
/// connects to the address that was checked (`PinnedHTTP`) and follows no redirect.
enum WebhookAddress {
    /// The first reason `host` is not a public address, or nil when it is one.
    static func refusal(host: String) -> String? {
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") || name.hasSuffix(".internal") {
            return "\(host) is a local name"
        }
        if let address = literal(name), isInternal(address) { return "\(host) is not a public address" }
        return nil
    }

    /// As `refusal`, and every address the name resolves to must be public too; a name that does not resolve is
    /// left to the HTTP client to report.
    static func resolvedRefusal(host: String) -> String? {
        if let r = refusal(host: host) { return r }
        for address in resolve(host) where isInternal(address) {
            return "\(host) resolves to \(text(address)), not a public address"
        }
        return nil
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) literal.
    static func literal(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            if let sa = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                        var a = p.pointee.sin_addr
                        out.append(withUnsafeBytes(of: &a) { Array($0) })
                    }
                case AF_INET6:
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                        var a = p.pointee.sin6_addr
                        out.append(withUnsafeBytes(of: &a) { Array($0) })
                    }
                default: break
                }
            }
            next = info.pointee.ai_next
        }
        return out
    }

    /// Loopback, unspecified, RFC 1918 private, carrier-grade NAT, link-local, benchmarking, multicast and reserved
    /// IPv4; loopback, unspecified, unique-local, link-local and multicast IPv6, and IPv4 written in IPv6.
    static func isInternal(_ a: [UInt8]) -> Bool {
        if a.count == 4 {
            switch (a[0], a[1]) {
            case (0, _), (10, _), (127, _): return true
            case (100, 64...127): return true
            case (169, 254): return true
            case (172, 16...31): return true
            case (192, 168): return true
            case (198, 18...19): return true
            case (224...255, _): return true
            default: return a[0] == 192 && a[1] == 0 && a[2] == 0
            }
        }
        guard a.count == 16 else { return true }
        if a.allSatisfy({ $0 == 0 }) || (a[0..<15].allSatisfy { $0 == 0 } && a[15] == 1) { return true }
        if a[0] & 0xfe == 0xfc { return true }  // fc00::/7
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return true }  // fe80::/10
        if a[0] == 0xff { return true }  // multicast
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { return isInternal(Array(a[12..<16])) }  // ::ffff:a.b.c.d
        return false
    }

    static func text(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: a.count, by: 2).map { String(format: "%x", Int(a[$0]) << 8 | Int(a[$0 + 1])) }.joined(separator: ":")
    }
}
