import Logging
import ServiceLifecycle

/// Runs `job` every `interval` until the server shuts down, logging (not stopping on) failures. The deadline sweeper,
/// the outbox, the head signer and the refresh of disabled accounts all run this way. A graceful shutdown ends the
/// loop between two runs and `run()` returns normally, so a service manager sees a clean stop.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let job: @Sendable () async throws -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await job()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("\(name) failed", metadata: ["error": "\(error)"])
                }
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }
}
