/// Trimming without Foundation's `trimmingCharacters(in:)`, which goes through `NSString` on Linux (a filing's trims
/// of its fields and of the bearer token were 3 % of its CPU).
extension Substring {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`: Unicode's White_Space characters and, as Foundation has it
    /// on Linux, the zero-width space.
    public func trimmingWhitespace() -> String { trimmed { $0.properties.isWhitespace || $0 == "\u{200B}" } }

    /// `trimmingCharacters(in: .whitespaces)`: the space separators (Zs), the tab and the zero-width space.
    public func trimmingSpaces() -> String {
        trimmed { $0 == "\t" || $0 == "\u{200B}" || $0.properties.generalCategory == .spaceSeparator }
    }

    private func trimmed(_ drop: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }), let last = scalars.lastIndex(where: { !drop($0) }) else { return "" }
        return String(scalars[first...last])
    }
}

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` (see `Substring.trimmingWhitespace()`).
    public func trimmingWhitespace() -> String {
        guard let a = unicodeScalars.first, let z = unicodeScalars.last else { return self }
        if !a.properties.isWhitespace && !z.properties.isWhitespace && a != "\u{200B}" && z != "\u{200B}" { return self }
        return self[...].trimmingWhitespace()
    }

    /// `trimmingCharacters(in: .whitespaces)` (see `Substring.trimmingSpaces()`).
    public func trimmingSpaces() -> String { self[...].trimmingSpaces() }
}
