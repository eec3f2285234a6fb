import Foundation
import Logging
import RedressStorage

/// Opens the store the configuration names: the PostgreSQL database of `databaseURL` when one is given, else the
/// SQLite file in the data folder. A failure is a `StoreError` that says what is wrong in words.
public func openStore(_ c: AppConfiguration, logger: Logger) async throws -> any RedressStore {
    try DataFolder.prepare(c.dataDirectory)
    let vault = try PersonalDataVault(keyringPath: PersonalDataVault.keyringPath(folder: c.dataDirectory))
    if let url = c.databaseURL {
        var l = logger
        l[metadataKey: "database"] = "\(c.storeDescription)"
        return try await PostgresStore.open(try PostgresLocation(url: url), vault: vault, logger: l)
    }
    return try SQLiteStore(path: c.databasePath, vault: vault, logger: logger)
}

/// The data folder holds the database, its keys and the evidence: readable by the server's own user only.
public enum DataFolder {
    /// Creates the folder (0700) or narrows an existing one to 0700 and its files to 0600, and makes every file the
    /// process creates from now on (the database, its journal, keys, dossiers) 0600.
    public static func prepare(_ path: String) throws {
        umask(0o077)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
            for name in try fm.contentsOfDirectory(atPath: path) {
                let file = (path as NSString).appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: file, isDirectory: &isDirectory) else { continue }
                try fm.setAttributes([.posixPermissions: isDirectory.boolValue ? 0o700 : 0o600], ofItemAtPath: file)
            }
        } catch {
            throw StoreError.unavailable("cannot prepare the data folder \(path): \(error.localizedDescription)")
        }
    }
}
