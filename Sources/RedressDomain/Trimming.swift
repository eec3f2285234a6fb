/// Trimming without Foundation's `trimmingCharacters(in:)`, which goes through `NSString` on Linux (a filing's trims
/// of its fields and of the bearer token were 3 % of its CPU).
extension Unicode.Scalar {
    /// In Foundation's `.whitespacesAndNewlines`: Unicode's White_Space characters and, as Foundation has it on Linux,
    /// the zero-width space.
    var isTrimmedWhitespace: Bool { properties.isWhitespace || self == "\u{200B}" }

    /// In Foundation's `.whitespaces`: the space separators (Zs), the tab and the zero-width space.
    var isTrimmedSpace: Bool { self == "\t" || self == "\u{200B}" || properties.generalCategory == .spaceSeparator }
}

extension Substring {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespace() -> String { trimmed(\.isTrimmedWhitespace) }

    /// `trimmingCharacters(in: .whitespaces)`.
    public func trimmingSpaces() -> String { trimmed(\.isTrimmedSpace) }

    private func trimmed(_ drop: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }), let last = scalars.lastIndex(where: { !drop($0) }) else { return "" }
        return String(scalars[first...last])
    }
}

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`; the string itself when there is nothing to trim.
    public func trimmingWhitespace() -> String { untrimmed(\.isTrimmedWhitespace) ? self : self[...].trimmingWhitespace() }

    /// `trimmingCharacters(in: .whitespaces)`; the string itself when there is nothing to trim.
    public func trimmingSpaces() -> String { untrimmed(\.isTrimmedSpace) ? self : self[...].trimmingSpaces() }

    private func untrimmed(_ drop: (Unicode.Scalar) -> Bool) -> Bool {
        guard let a = unicodeScalars.first, let z = unicodeScalars.last else { return true }
        return !drop(a) && !drop(z)
    }
}
