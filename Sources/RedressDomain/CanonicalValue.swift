import Foundation

/// A JSON value restricted to what hashes reproducibly: strings, integers, booleans, null, arrays
/// and objects. No floating point — money is in fen, instants in milliseconds.
public enum CanonicalValue: Sendable, Hashable, Codable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([CanonicalValue])
    case object([String: CanonicalValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([CanonicalValue].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: CanonicalValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "only strings, integers, booleans, null, arrays and objects are allowed")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int64? { if case .int(let i) = self { i } else { nil } }

    /// The canonical bytes: JSON with object keys sorted by their UTF-16 code units, no insignificant
    /// whitespace, strings escaped minimally (RFC 8785 for the value types allowed here).
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .string(let s): CanonicalValue.writeString(s, into: &out)
        case .int(let i): CanonicalValue.writeInt(i, into: &out)
        case .bool(let b): out.append(contentsOf: b ? CanonicalValue.trueBytes : CanonicalValue.falseBytes)
        case .null: out.append(contentsOf: CanonicalValue.nullBytes)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // The entries' positions are sorted, not the pairs (moving a pair moved its value's references, and that
            // sort was most of an answer's encoding).
            var order = Array(o.indices)
            order.sort { CanonicalValue.keyPrecedes(o.keys[$0], o.keys[$1]) }
            for (i, index) in order.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                CanonicalValue.writeString(o.keys[index], into: &out)
                out.append(UInt8(ascii: ":"))
                o.values[index].write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    package static let trueBytes = Array("true".utf8)
    package static let falseBytes = Array("false".utf8)
    static let nullBytes = Array("null".utf8)

    package static func writeInt(_ i: Int64, into out: inout [UInt8]) {
        if i == 0 {
            out.append(0x30)
            return
        }
        if i < 0 { out.append(UInt8(ascii: "-")) }
        var n = i.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while n > 0 {
                d[count] = UInt8(n % 10) + 0x30
                n /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    /// Key order by UTF-16 code units (RFC 8785). UTF-8 byte order is the same up to the first differing byte when
    /// both bytes are below 0xEE; only characters from U+E000 up can order differently, and then UTF-16 decides.
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        var (x, y) = (a, b)
        let decided: Bool? = x.withUTF8 { p in
            y.withUTF8 { q in
                for i in 0..<min(p.count, q.count) where p[i] != q[i] {
                    return p[i] < 0xEE && q[i] < 0xEE ? p[i] < q[i] : nil
                }
                return p.count < q.count
            }
        }
        return decided ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    package static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { buf in
            // Runs of bytes that need no escaping are copied whole.
            var start = 0
            for i in 0..<buf.count {
                let b = buf[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i]))
                start = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<buf.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension CanonicalValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, CanonicalValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
    public init(arrayLiteral elements: CanonicalValue...) { self = .array(elements) }
}
