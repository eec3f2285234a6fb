import Foundation
import Logging
import RedressStorage

/// Opens the store the configuration names: the PostgreSQL database of `databaseURL` when one is given, else the
/// SQLite file in the data folder. A failure is a `StoreError` that says what is wrong in words.
public func openStore(_ c: AppConfiguration, logger: Logger) async throws -> any RedressStore {
    if let url = c.databaseURL {
        var l = logger
        l[metadataKey: "database"] = "\(c.storeDescription)"
        return try await PostgresStore.open(try PostgresLocation(url: url), logger: l)
    }
    do {
        try FileManager.default.createDirectory(atPath: c.dataDirectory, withIntermediateDirectories: true)
    } catch {
        throw StoreError.unavailable("cannot create the data folder \(c.dataDirectory): \(error.localizedDescription)")
    }
    return try SQLiteStore(path: c.databasePath, logger: logger)
}
