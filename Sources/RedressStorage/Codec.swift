import Foundation
import RedressDomain

/// How both engines encode what they store: instants as milliseconds, cases in their stored form, everything else as
/// JSON with instants in milliseconds.
enum Codec {
    static func ms(_ d: Date) -> Int64 { d.millisecondsSince1970 }
    static func date(_ ms: Int64) -> Date { Date(millisecondsSince1970: ms) }

    /// A complaint's stored body (see `Complaint.storageValue`).
    static func string(_ c: Complaint) -> String { String(decoding: c.storageBytes, as: UTF8.self) }

    static func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return try d.decode(type, from: Data(text.utf8))
    }
}
