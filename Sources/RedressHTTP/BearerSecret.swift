/// A shared secret presented as a bearer value (the metrics token, the mail gateway's credential), compared in
/// constant time so that the comparison's duration says nothing about the secret.
package enum BearerSecret {
    package static func matches(_ authorization: String?, _ secret: String) -> Bool {
        guard let header = authorization, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst(7)), expected = Array(secret.utf8)
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
