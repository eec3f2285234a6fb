import Foundation
import Synchronization

/// Folders the tests write in (SQLite files, data folders), removed when the test process ends.
///
/// Removed at exit rather than when a test's value goes away: a store may still hold its files open (and open new
/// reader connections) after the last use of the value that made the folder.
public enum TemporaryFolders {
    private static let made = Mutex<[URL]?>(nil)

    /// A new, empty folder under the system's temporary folder.
    public static func make(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let first = made.withLock { list -> Bool in
            defer { list = (list ?? []) + [url] }
            return list == nil
        }
        if first { atexit { TemporaryFolders.removeAll() } }
        return url
    }

    static func removeAll() {
        for url in made.withLock({ $0 ?? [] }) { try? FileManager.default.removeItem(at: url) }
    }
}

/// Whether this run must include the PostgreSQL half of the engine suites: the test command sets
/// `REDRESS_REQUIRE_POSTGRES=1` (and CI sets `CI=true`), so a run that silently skipped them cannot pass.
public enum PostgresRequirement {
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["REDRESS_REQUIRE_POSTGRES"] == "1" || env["CI"] == "true"
    }
}

/// The clamd the scanning tests ask (REDRESS_TEST_CLAMD, started by the test command with the project's test
/// signatures); required when the test command or CI says so (REDRESS_REQUIRE_CLAMD=1, CI=true).
public enum ClamdForTests {
    public static var location: String? { ProcessInfo.processInfo.environment["REDRESS_TEST_CLAMD"].flatMap { $0.isEmpty ? nil : $0 } }
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["REDRESS_REQUIRE_CLAMD"] == "1" || env["CI"] == "true"
    }
    /// A harmless text whose hash is one of the test signatures (scripts/clamav/redress-test.hdb).
    public static let sample = Array("redress test malware sample: not harmful, only its hash is a signature\n".utf8)
    /// The EICAR test string (scripts/clamav/redress-test.ndb), as a text file would hold it.
    public static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
}
