import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// The evidence log's public face: signed heads, the key, and RFC 9162 proofs. Readable without signing in,
/// like a Certificate Transparency log, so that members, monitors and regulators can check it; proofs carry
/// hashes only, never content.
struct LedgerRoutes {
    let services: RedressServices

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.get("ledger/head", use: head)
        api.post("ledger/heads", use: signNow)
        api.get("ledger/heads", use: heads)
        api.get("ledger/key", use: key)
        api.get("ledger/proofs/inclusion", use: inclusion)
        api.get("ledger/proofs/consistency", use: consistency)
    }

    @Sendable func head(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let head = try await services.ledger.latestHead()
        return try JSONBody.response(TreeHeadDTO(head))
    }

    /// Signs a head covering everything committed now (admins; members get one through their receipts).
    @Sendable func signNow(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let (head, signed) = try await services.ledger.signNow(by: identity)
        return try JSONBody.response(TreeHeadDTO(head), status: signed ? .created : .ok)
    }

    @Sendable func heads(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let from = try ComplaintRoutes.intParameter(q.get("from"), name: "from", range: 0...Int(Int32.max)) ?? 0
        let limit = try ComplaintRoutes.intParameter(q.get("limit"), name: "limit", range: 1...500) ?? 100
        let heads = try await services.ledger.heads(from: from, limit: limit)
        return try JSONBody.response(heads.map(TreeHeadDTO.init))
    }

    @Sendable func key(_ request: Request, context: RedressRequestContext) async throws -> Response {
        struct KeyDTO: Encodable {
            var keyId: String
            var algorithm = "Ed25519"
            /// The 32 raw bytes, base64.
            var publicKey: String
            var pem: String
            var createdAt: Date
            var retiredAt: Date?
            init(_ k: LedgerPublicKey) {
                keyId = k.keyId
                publicKey = k.publicKey
                pem = k.pem
                createdAt = Date(millisecondsSince1970: k.createdAtMs)
                retiredAt = k.retiredAtMs.map { Date(millisecondsSince1970: $0) }
            }
        }
        struct KeysDTO: Encodable {
            var current: KeyDTO
            /// Every key that has signed heads, oldest first (a rotation keeps old heads verifiable).
            var keys: [KeyDTO]
        }
        // As recorded (with the time it was first used), not as this process created it.
        let (current, keys) = try await services.ledger.keys()
        return try JSONBody.response(KeysDTO(current: KeyDTO(current), keys: keys.map(KeyDTO.init)))
    }

    /// A required integer query parameter within `range`; a nil range means the log has nothing to prove yet.
    static func required(_ request: Request, _ name: String, in range: ClosedRange<Int>?) throws -> Int {
        guard let raw = request.uri.queryParameters.get(name) else {
            throw AppError.badQuery(name, zh: "缺少参数 \(name)", en: "The query parameter \(name) is required")
        }
        guard let range else { throw AppError.badQuery(name, zh: "日志还没有条目", en: "The log has no entries yet") }
        guard let n = Int(raw), range.contains(n) else {
            throw AppError.badQuery(
                name, zh: "\(name) 必须是 \(range.lowerBound) 到 \(range.upperBound) 之间的整数",
                en: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// Tree sizes a proof can be asked for: 1 up to the committed size.
    func sizes() async throws -> ClosedRange<Int>? {
        let size = try await services.ledger.size()
        return size >= 1 ? 1...size : nil
    }

    @Sendable func inclusion(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let size = try Self.required(request, "treeSize", in: try await sizes())
        let index = try Self.required(request, "leafIndex", in: 0...(size - 1))
        let (leaf, root, path) = try await services.ledger.inclusion(leafIndex: index, treeSize: size)
        struct InclusionDTO: Encodable {
            var leafIndex: Int
            var treeSize: Int
            var leafHash: String
            var rootHash: String
            var auditPath: [String]
        }
        return try JSONBody.response(
            InclusionDTO(
                leafIndex: index, treeSize: size, leafHash: HexCoding.encode(leaf), rootHash: HexCoding.encode(root),
                auditPath: path.map(HexCoding.encode)))
    }

    @Sendable func consistency(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let to = try Self.required(request, "to", in: try await sizes())
        let from = try Self.required(request, "from", in: 1...to)
        let (fromRoot, toRoot, proof) = try await services.ledger.consistency(from: from, to: to)
        struct ConsistencyDTO: Encodable {
            var from: Int
            var to: Int
            var fromRootHash: String
            var toRootHash: String
            var proof: [String]
        }
        return try JSONBody.response(
            ConsistencyDTO(
                from: from, to: to, fromRootHash: HexCoding.encode(fromRoot), toRootHash: HexCoding.encode(toRoot), proof: proof.map(HexCoding.encode)
            ))
    }
}

/// A signed tree head as the API shows it: the signed fields, plus the exact signed bytes for independent checkers.
struct TreeHeadDTO: Encodable {
    var treeSize: Int
    var rootHash: String
    var timestamp: Date
    var timestampMs: Int64
    var keyId: String
    var algorithm = "Ed25519"
    var signature: String
    /// RFC 6962 TreeHeadSignature bytes (base64): what the signature covers.
    var signedBytes: String

    init(_ h: SignedTreeHead) {
        treeSize = h.treeSize
        rootHash = h.rootHash
        timestamp = Date(millisecondsSince1970: h.timestampMs)
        timestampMs = h.timestampMs
        keyId = h.keyId
        signature = h.signature
        signedBytes = Data(SignedTreeHead.signedBytes(treeSize: h.treeSize, timestampMs: h.timestampMs, root: h.root ?? [])).base64EncodedString()
    }
}
