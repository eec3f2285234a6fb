import RedressDomain

/// Who is calling: the signed-in user, from a verified bearer token or session cookie. Every use case takes it and
/// decides from it what the caller may see and do.
public struct Identity: Sendable, Equatable {
    public init(userId: String, role: Role, merchantId: String? = nil) {
        self.userId = userId
        self.role = role
        self.merchantId = merchantId
    }

    public var userId: String
    public var role: Role
    /// For a merchant's user: the merchant they answer for.
    public var merchantId: String? = nil
    public var actor: CaseActor { CaseActor(id: userId, role: role) }
}
