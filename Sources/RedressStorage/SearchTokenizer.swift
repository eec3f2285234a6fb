import GRDB
import RedressDomain

/// `SearchText`'s tokens as an SQLite FTS5 tokenizer (`tokenize='redress_bigram'`), registered on every connection.
///
/// Documents are tokenized by `SearchText.tokens`, with their exact byte offsets. A query arrives already made of
/// tokens (`SearchText.Query.fts5`), one per space, and is passed through as it is.
final class SearchTokenizer: FTS5CustomTokenizer {
    static let name = "redress_bigram"
    /// SQLite's `SQLITE_OK`.
    static let ok: CInt = 0

    init(db: Database, arguments: [String]) throws {}

    func tokenize(
        context: UnsafeMutableRawPointer?, tokenization: FTS5Tokenization, pText: UnsafePointer<CChar>?, nText: CInt,
        tokenCallback: @escaping FTS5TokenCallback
    ) -> CInt {
        guard let pText, nText > 0 else { return Self.ok }
        let bytes = UnsafeRawBufferPointer(start: pText, count: Int(nText))
        if tokenization.contains(.query) {
            let text = String(decoding: bytes, as: UTF8.self)
            var start = 0
            for part in text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false) {
                let count = part.count
                if count > 0 {
                    let code = emit(Array(part), start: start, end: start + count, context: context, callback: tokenCallback)
                    if code != Self.ok { return code }
                }
                start += count + 1
            }
            return Self.ok
        }
        var code = Self.ok
        bytes.withMemoryRebound(to: UInt8.self) { utf8 in
            SearchText.scan(utf8) { token, start, end, _ in
                guard code == Self.ok else { return }
                code = token.withMemoryRebound(to: CChar.self) { chars in
                    tokenCallback(context, 0, chars.baseAddress, CInt(chars.count), CInt(start), CInt(end))
                }
            }
        }
        return code
    }

    private func emit(_ token: [UInt8], start: Int, end: Int, context: UnsafeMutableRawPointer?, callback: FTS5TokenCallback) -> CInt {
        token.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                callback(context, 0, chars.baseAddress, CInt(chars.count), CInt(start), CInt(end))
            }
        }
    }
}
