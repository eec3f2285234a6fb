import Foundation
import NIOCore
import RedressApp

/// A `multipart/form-data` body (RFC 7578), parsed from bytes already collected.
///
/// Written here rather than taken from MultipartKit 4.7.1: that parser indexes a 128-entry table
/// with every header-name byte, so one byte ≥ 0x80 in a part header trapped and stopped the server.
/// This one refuses anything it does not understand with an error.
package struct MultipartFormData {
    package struct Part {
        var headers: [(name: String, value: String)]
        var body: ArraySlice<UInt8>

        package func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    package enum Failure: Error { case malformed }

    static let maximumParts = 64
    static let maximumHeaderBytes = 8 * 1024

    package let parts: [Part]

    package init(body: [UInt8], boundary: String) throws(Failure) {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        guard var at = Self.find(delimiter, in: body, from: 0) else { throw .malformed }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            // "--" after a delimiter closes the body; anything after it is epilogue.
            if body.count >= at + 2, body[at] == 45, body[at + 1] == 45 { break }
            guard body.count >= at + 2, body[at] == 13, body[at + 1] == 10 else { throw .malformed }
            at += 2
            guard let headersEnd = Self.find(crlf + crlf, in: body, from: at), headersEnd - at <= Self.maximumHeaderBytes else {
                throw .malformed
            }
            let headers = try Self.headers(body[at..<headersEnd])
            let contentStart = headersEnd + 4
            guard let next = Self.find(crlf + delimiter, in: body, from: contentStart) else { throw .malformed }
            parts.append(Part(headers: headers, body: body[contentStart..<next]))
            guard parts.count <= Self.maximumParts else { throw .malformed }
            at = next + 2
        }
        self.parts = parts
    }

    /// The first part whose Content-Disposition names `name`, with the file name it gives.
    package func file(named name: String) -> (bytes: ArraySlice<UInt8>, fileName: String?)? {
        for part in parts {
            guard let disposition = part.header("content-disposition") else { continue }
            let params = Self.dispositionParameters(disposition)
            if params["name"] == name { return (part.body, params["filename"]) }
        }
        return nil
    }

    /// Every part whose Content-Disposition names `name` (an input with `multiple`), in the order sent; empty parts
    /// (a file input left empty) are left out.
    package func files(named name: String) -> [(bytes: ArraySlice<UInt8>, fileName: String?)] {
        parts.compactMap { part in
            guard let disposition = part.header("content-disposition") else { return nil }
            let params = Self.dispositionParameters(disposition)
            guard params["name"] == name, !part.body.isEmpty else { return nil }
            return (part.body, params["filename"])
        }
    }

    /// The text fields (parts without a file name), by name.
    package func fields() -> [String: String] {
        var out: [String: String] = [:]
        for part in parts {
            guard let disposition = part.header("content-disposition") else { continue }
            let params = Self.dispositionParameters(disposition)
            if let name = params["name"], params["filename"] == nil { out[name] = String(decoding: part.body, as: UTF8.self) }
        }
        return out
    }

    static func headers(_ bytes: ArraySlice<UInt8>) throws(Failure) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        guard let text = String(validating: Array(bytes), as: UTF8.self) else { throw .malformed }
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed }
            let name = line[..<colon]
            // Header names are tokens (RFC 9110 §5.1): visible ASCII without separators.
            guard !name.isEmpty,
                name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 && !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains($0) }
                )
            else { throw .malformed }
            out.append((String(name), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return out
    }

    /// The parameters of a Content-Disposition value: quoted strings may hold ";" and "=" (`filename="a;b=c.png"`)
    /// and backslash escapes; `filename*=UTF-8''…` (RFC 5987) wins over `filename`.
    static func dispositionParameters(_ value: String) -> [String: String] {
        var out: [String: String] = [:]
        var chars = Substring(value)
        // Skip the disposition type.
        guard let first = chars.firstIndex(of: ";") else { return out }
        chars = chars[chars.index(after: first)...]
        while !chars.isEmpty {
            chars = chars.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            let name = chars.prefix { $0 != "=" && $0 != ";" }
            chars = chars.dropFirst(name.count)
            guard chars.first == "=" else { continue }
            chars = chars.dropFirst().drop { $0 == " " || $0 == "\t" }
            var v = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                while let c = chars.first, c != "\"" {
                    chars = chars.dropFirst()
                    if c == "\\", let escaped = chars.first {
                        v.append(escaped)
                        chars = chars.dropFirst()
                    } else {
                        v.append(c)
                    }
                }
                chars = chars.dropFirst()
            } else {
                let raw = chars.prefix { $0 != ";" }
                chars = chars.dropFirst(raw.count)
                v = raw.trimmingCharacters(in: .whitespaces)
            }
            out[name.trimmingCharacters(in: .whitespaces).lowercased()] = v
        }
        if let extended = out["filename*"], let quote = extended.range(of: "''"),
            extended[..<quote.lowerBound].lowercased() == "utf-8",
            let decoded = String(extended[quote.upperBound...]).removingPercentEncoding
        {
            out["filename"] = decoded
        }
        return out
    }

    /// The index of the first occurrence of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    package static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty || b.count > 200 ? nil : b
        }
        return nil
    }

    /// The bytes and file name of the part named `file`.
    package static func filePart(_ buffer: ByteBuffer, boundary: String) throws -> ([UInt8], String?) {
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
        } catch {
            throw APIError(.badRequest, "malformed_multipart", zh: "上传内容格式有误", en: "The multipart body is malformed")
        }
        guard let file = form.file(named: "file") else {
            throw AppError.invalid("file", "required", zh: "请选择要上传的文件（字段名 file）", en: "Attach the file in the form field 'file'")
        }
        return (Array(file.bytes), file.fileName)
    }
}
