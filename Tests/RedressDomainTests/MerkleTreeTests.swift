import Foundation
import Testing

@testable import RedressDomain

@Suite("RFC 9162 Merkle tree")
struct MerkleTreeTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// The eight leaves of the RFC 6962 reference test data (certificate-transparency's merkle tree tests).
    static let entries: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map(hex)

    static func log(_ n: Int) -> MerkleLevels {
        var l = MerkleLevels()
        for i in 0..<n { l.append(entry: i < entries.count ? entries[i] : Array("leaf \(i)".utf8)) }
        return l
    }

    @Test func rootsMatchThePublishedReferenceValues() throws {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        let l = Self.log(8)
        for n in 1...8 { #expect(try MerkleTree.root(size: n, l) == Self.hex(expected[n - 1]), "size \(n)") }
        #expect(try MerkleTree.root(size: 0, l) == Self.hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test func proofsMatchTheReferenceValues() throws {
        let l = Self.log(8)
        #expect(
            try MerkleTree.inclusionProof(leafIndex: 2, treeSize: 7, l)
                == [
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
                ].map(Self.hex))
        #expect(
            try MerkleTree.consistencyProof(from: 3, to: 7, l)
                == [
                    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
                ].map(Self.hex))
        #expect(try MerkleTree.consistencyProof(from: 4, to: 8, l) == [Self.hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")])
    }

    /// MTH straight from RFC 9162's recursive definition, over the leaves themselves.
    static func referenceRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.count == 1 { return MerkleTree.leafHash(leaves.first!) }
        let k = MerkleTree.split(leaves.count)
        let mid = leaves.startIndex + k
        return MerkleTree.nodeHash(referenceRoot(leaves[..<mid]), referenceRoot(leaves[mid...]))
    }

    @Test func everyProofUpTo70LeavesVerifiesAndAnyChangeFails() throws {
        let n = 70
        let l = Self.log(n)
        let entries = (0..<n).map { i in i < Self.entries.count ? Self.entries[i] : Array("leaf \(i)".utf8) }
        for size in 1...n {
            let root = try MerkleTree.root(size: size, l)
            #expect(root == Self.referenceRoot(entries[0..<size]))
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(leafIndex: index, treeSize: size, l)
                let leaf = MerkleTree.leafHash(entries[index])
                #expect(MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: (index + 1) % size, treeSize: size, proof: proof, root: root))
                }
                if var bad = proof.first {
                    bad[0] ^= 1
                    #expect(
                        !MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: index, treeSize: size, proof: [bad] + proof.dropFirst(), root: root))
                }
            }
            for old in 1...size {
                let oldRoot = try MerkleTree.root(size: old, l)
                let proof = try MerkleTree.consistencyProof(from: old, to: size, l)
                #expect(MerkleTree.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof), "\(old)→\(size)")
                if old < size {
                    var wrong = oldRoot
                    wrong[5] ^= 0x80
                    #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: size, oldRoot: wrong, newRoot: root, proof: proof))
                    #expect(
                        !MerkleTree.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, proof: Array(proof.dropLast())))
                }
            }
        }
    }

    @Test func appendingKeepsOnlyPerfectSubtrees() throws {
        let l = Self.log(13)  // 13 = 8 + 4 + 1
        #expect(l.levels.map(\.count) == [13, 6, 3, 1])
        #expect(throws: MerkleSourceError.missingNode(level: 4, index: 0)) { try l.perfectSubtreeHash(level: 4, index: 0) }
    }
}
