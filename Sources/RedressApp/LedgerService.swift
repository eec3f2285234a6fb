import Foundation
import RedressDomain
import RedressStorage

/// The evidence log as anyone may check it: signed heads, the signing keys, inclusion and consistency proofs.
package struct LedgerService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// The latest signed head.
    package func latestHead() async throws -> SignedTreeHead { try await app.treeHeads.head(covering: 0) }

    /// Signs a head covering everything committed now (admins); `signed` is false when the latest head covers it already.
    package func signNow(by caller: Identity) async throws -> (head: SignedTreeHead, signed: Bool) {
        try AccountService.requireAdmin(caller)
        let before = try await store.latestTreeHead()
        let head = try await app.treeHeads.signIfBehind()
        return (head, head.treeSize != before?.treeSize)
    }

    package func heads(from: Int, limit: Int) async throws -> [SignedTreeHead] { try await store.treeHeads(from: from, limit: limit) }

    /// The key signing now (as recorded, with the time it was first used) and every key that has signed heads.
    package func keys() async throws -> (current: LedgerPublicKey, all: [LedgerPublicKey]) {
        let signing = await app.treeHeads.publicKey
        let keys = try await store.ledgerKeys()
        return (keys.first { $0.keyId == signing.keyId } ?? signing, keys)
    }

    /// Entries committed to the log.
    package func size() async throws -> Int { try await store.ledgerState().size }

    /// A leaf's hash, its audit path and the root of the tree of `treeSize` leaves.
    package func inclusion(leafIndex: Int, treeSize: Int) async throws -> (leaf: MerkleTree.Hash, root: MerkleTree.Hash, path: [MerkleTree.Hash]) {
        let path = try await store.inclusionProof(leafIndex: leafIndex, treeSize: treeSize)
        let leaf = try await store.ledgerHashes(level: 0, from: leafIndex, limit: 1).first?.hash ?? []
        let root = try await store.ledgerRoot(treeSize: treeSize)
        return (leaf, root, path)
    }

    /// The roots of two tree sizes and the proof that the second extends the first.
    package func consistency(from: Int, to: Int) async throws -> (fromRoot: MerkleTree.Hash, toRoot: MerkleTree.Hash, proof: [MerkleTree.Hash]) {
        let proof = try await store.consistencyProof(from: from, to: to)
        return (try await store.ledgerRoot(treeSize: from), try await store.ledgerRoot(treeSize: to), proof)
    }
}
