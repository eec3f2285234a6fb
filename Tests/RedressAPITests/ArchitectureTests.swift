import Foundation
import Testing

/// The rooms of `Sources/` and what each may import (docs/ARCHITECTURE.md), read from the sources themselves: an
/// edge that reaches past the use cases into the store, or a page that calls the JSON API's code, fails here.
@Suite("Architecture")
struct ArchitectureTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized

    /// Each target's Redress modules it may import.
    static let allowed: [String: Set<String>] = [
        "RedressDomain": [],
        "RedressMail": [],
        "RedressStorage": ["RedressDomain"],
        "RedressDossier": ["RedressDomain", "RedressStorage"],
        "RedressApp": ["RedressDomain", "RedressStorage", "RedressDossier", "RedressMail"],
        "RedressHTTP": ["RedressDomain", "RedressApp"],
        "RedressAPI": ["RedressDomain", "RedressApp", "RedressHTTP", "RedressDossier"],
        "RedressWeb": ["RedressDomain", "RedressApp", "RedressHTTP"],
        "RedressServer": ["RedressDomain", "RedressApp", "RedressHTTP", "RedressAPI", "RedressWeb"],
        "redress": ["RedressDomain", "RedressStorage", "RedressDossier", "RedressApp", "RedressServer"],
    ]

    /// The domain is pure: no database, no network, no HTTP.
    static let domainMayImport: Set<String> = ["Foundation", "Crypto", "Synchronization"]

    static func swiftFiles(in target: String) throws -> [URL] {
        let root = sources.appendingPathComponent(target)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    static func imports(of file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line in
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                words[..<i].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "package" })
            else { return nil }
            return String(words[i + 1])
        }
    }

    @Test func eachRoomImportsOnlyWhatItMay() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(targets) == Set(Self.allowed.keys), "a target without rules, or rules for no target")
        for target in targets {
            let files = try Self.swiftFiles(in: target)
            #expect(!files.isEmpty, "\(target) has no Swift files")
            for file in files {
                for module in try Self.imports(of: file) {
                    if module.hasPrefix("Redress") || module == "redress" {
                        #expect(Self.allowed[target]?.contains(module) == true, "\(target)/\(file.lastPathComponent) imports \(module)")
                    } else if target == "RedressDomain" {
                        #expect(Self.domainMayImport.contains(module), "the domain imports \(module) (\(file.lastPathComponent))")
                    }
                }
            }
        }
    }

    /// No file so long that it holds several rooms: over 500 lines it says why at its top, over 700 never.
    @Test func noSourceFileIsTooLong() throws {
        for target in Self.allowed.keys {
            for file in try Self.swiftFiles(in: target) {
                let text = try String(contentsOf: file, encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                #expect(lines <= 700, "\(target)/\(file.lastPathComponent): \(lines) lines")
                if lines > 500 {
                    #expect(
                        text.prefix(600).contains("Longer than 500 lines"), "\(target)/\(file.lastPathComponent): \(lines) lines and no reason given")
                }
            }
        }
    }
}
