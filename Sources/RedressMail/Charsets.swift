import CoreFoundation
import Foundation

/// Text in the charsets Chinese mail arrives in, decoded once for every part of a message.
public enum MailCharset {
    /// The Foundation encoding for a MIME charset label, or nil when it is not one Redress reads.
    ///
    /// gb2312, gbk, x-gbk, cp936 and gb18030 all decode as GB18030, as the WHATWG Encoding Standard says: mail
    /// labelled gb2312 routinely carries GBK-only characters (镕), and on Linux only the GB18030 converter reads them.
    public static func encoding(_ label: String) -> String.Encoding? {
        var l = label.trimmingCharacters(in: .whitespaces).lowercased()
        if l.hasPrefix("\""), l.hasSuffix("\""), l.count >= 2 { l = String(l.dropFirst().dropLast()) }
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii", "ansi_x3.4-1968": return .utf8
        case "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb18030", "euc-cn", "x-euc-cn", "csgb2312", "chinese", "iso-ir-58":
            return cf(.GB_18030_2000)
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5", "cp950": return cf(.big5_HKSCS_1999)
        case "iso-8859-1", "latin1", "l1", "iso_8859-1": return .isoLatin1
        case "windows-1252", "cp1252", "x-cp1252": return .windowsCP1252
        case "iso-2022-jp", "csiso2022jp": return .iso2022JP
        case "shift_jis", "sjis", "x-sjis", "ms_kanji", "windows-31j": return .shiftJIS
        case "euc-jp": return .japaneseEUC
        case "utf-16": return .utf16
        case "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        default: return nil
        }
    }

    static func cf(_ e: CFStringEncodings) -> String.Encoding {
        String.Encoding(rawValue: CFStringConvertEncodingToNSStringEncoding(CFStringEncoding(e.rawValue)))
    }

    /// Bytes as text in the labelled charset. Unlabelled or mislabelled bytes are read as UTF-8 when they are valid
    /// UTF-8, else as GB18030 (the commonest unlabelled Chinese mail), else as Latin-1, which reads anything.
    public static func decode(_ bytes: [UInt8], charset: String?) -> String {
        if bytes.isEmpty { return "" }
        if let label = charset, let e = encoding(label) {
            if e == .utf8, let s = String(validating: bytes, as: UTF8.self) { return s }
            if e != .utf8, let s = String(data: Data(bytes), encoding: e) { return s }
        }
        return guess(bytes)
    }

    static func guess(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        if let s = String(data: Data(bytes), encoding: cf(.GB_18030_2000)) { return s }
        return String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
    }
}
