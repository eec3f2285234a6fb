/// Content-Transfer-Encoding: base64 and quoted-printable.
enum TransferEncoding {
    /// Base64 with line breaks and other white space ignored. Any other character outside the alphabet, or data cut
    /// in the middle of a group, is an error: the part cannot be read as it was sent.
    static func base64(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var quad: UInt32 = 0
        var n = 0
        var padding = 0
        for b in bytes {
            let v: UInt32
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(b - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(b - 97 + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(b - 48 + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case 0x20, 0x09, 0x0D, 0x0A: continue
            default: return nil
            }
            // Data after padding: two encodings glued together, or garbage.
            if padding > 0 { return nil }
            quad = quad << 6 | v
            n += 1
            if n == 4 {
                out += [UInt8(quad >> 16 & 0xFF), UInt8(quad >> 8 & 0xFF), UInt8(quad & 0xFF)]
                quad = 0
                n = 0
            }
        }
        switch n {
        case 0: break
        case 2: out.append(UInt8(quad >> 4 & 0xFF))
        case 3: out += [UInt8(quad >> 10 & 0xFF), UInt8(quad >> 2 & 0xFF)]
        default: return nil
        }
        return out
    }

    /// Quoted-printable. `=` followed by a line break joins lines; `=XX` is a byte; a stray `=` is kept as it is
    /// (what mail readers do with hand-written mail).
    static func quotedPrintable(_ bytes: ArraySlice<UInt8>, underscoreIsSpace: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "=") {
                let next = bytes.index(after: i)
                if next < bytes.endIndex, bytes[next] == 0x0A {
                    i = bytes.index(after: next)
                    continue
                }
                if next < bytes.endIndex, bytes[next] == 0x0D {
                    let after = bytes.index(after: next)
                    i = after < bytes.endIndex && bytes[after] == 0x0A ? bytes.index(after: after) : after
                    continue
                }
                if bytes.distance(from: i, to: bytes.endIndex) >= 3, let hi = hex(bytes[next]), let lo = hex(bytes[bytes.index(after: next)]) {
                    out.append(hi << 4 | lo)
                    i = bytes.index(i, offsetBy: 3)
                    continue
                }
                out.append(b)
            } else if underscoreIsSpace && b == UInt8(ascii: "_") {
                out.append(0x20)
            } else {
                out.append(b)
            }
            i = bytes.index(after: i)
        }
        return out
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - 55
        default: nil
        }
    }
}
