import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive hold on a data folder's embedded store, so that a command never writes to the SQLite file under a
/// running server (whose cache, case numbers and log frontier would then no longer match the file).
///
/// `redress serve` holds it for as long as it runs; every other command that writes takes it for its own run and
/// refuses when a server holds it. The hold is an advisory `flock` on `redress.lock` in the folder, written with the
/// holder's process id: the kernel lets go of it when the process ends, however it ends, so a crashed server never
/// leaves the folder locked. Stores on PostgreSQL need no such hold (several servers share them by design).
public final class DataFolderLock: Sendable {
    /// Why the hold could not be taken.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Another process holds the folder; its id when it wrote one.
        case held(pid: Int32?)
        /// The lock file cannot be created or opened.
        case unavailable(String)

        public var description: String {
            switch self {
            case .held(let pid):
                "the data folder is in use by a running server\(pid.map { ", pid \($0)" } ?? ""); stop it first or use the API"
            case .unavailable(let reason): "cannot lock the data folder: \(reason)"
            }
        }
    }

    /// The open lock file; closing it (at deinit or process exit) lets go of the hold.
    private let descriptor: Int32
    public let path: String

    /// Takes the hold on `folder` (created when missing), or throws `.held` at once when another process has it.
    public init(folder: String) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create \(folder): \(error.localizedDescription)")
        }
        path = (folder as NSString).appendingPathComponent("redress.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unavailable("\(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.pid(in: fd)
            close(fd)
            throw .held(pid: holder)
        }
        // This process's id, for the message another command shows while the hold lasts.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit {
        // Empties the file first, so that a later reader never names a process that has let go.
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
