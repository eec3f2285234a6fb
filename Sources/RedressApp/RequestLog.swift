import Logging

/// What the use cases' log lines say about the request they serve (its id, the signed-in user), set by the HTTP edge
/// for the duration of a request, so that a line such as "complaint filed" can be traced to its request without every
/// use case taking a logger as a parameter. Lines logged outside a request (the background services) carry none.
public enum RequestLog {
    @TaskLocal public static var metadata: Logger.Metadata = [:]

    /// The metadata provider of the use-case layer's logger.
    public static let provider = Logger.MetadataProvider { metadata }
}
