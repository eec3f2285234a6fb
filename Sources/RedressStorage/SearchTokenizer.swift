import Foundation
import GRDB
import GRDBSQLite
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
            SearchText.scan(utf8) { token, start, end, _, colocated in
                guard code == Self.ok else { return }
                code = token.withMemoryRebound(to: CChar.self) { chars in
                    tokenCallback(context, colocated ? FTS5_TOKEN_COLOCATED : 0, chars.baseAddress, CInt(chars.count), CInt(start), CInt(end))
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

/// How well a row matched, as an FTS5 auxiliary function (`redress_rank(search_text)`, smaller is better, as bm25):
/// the number of times the query's words occur in the row's words, over the logarithm of the row's length. bm25 would
/// also weigh each word by how rare it is, which FTS5 finds by counting every row that holds it on each query: the
/// whole index for a common word such as 退款, and for the tags that scope a member's or a merchant's search. This
/// reads the matched row only, so a search costs the same at ten million cases as at ten thousand.
enum SearchRank {
    static let name = "redress_rank"

    static func register(_ db: Database) {
        let api = FTS5.api(db)
        let function: fts5_extension_function = { pApi, pFts, pCtx, _, _ in
            guard let x = pApi?.pointee else { return }
            var count: Int32 = 0
            _ = x.xInstCount(pFts, &count)
            var found = 0
            for i in 0..<count {
                var phrase: Int32 = 0, column: Int32 = 0, offset: Int32 = 0
                if x.xInst(pFts, i, &phrase, &column, &offset) == SQLITE_OK, column == 0 { found += 1 }
            }
            var size: Int32 = 0
            _ = x.xColumnSize(pFts, 0, &size)
            sqlite3_result_double(pCtx, -Double(found) / log2(2 + Double(max(0, size))))
        }
        _ = api.pointee.xCreateFunction(UnsafeMutablePointer(mutating: api), name, nil, function, nil)
    }
}
