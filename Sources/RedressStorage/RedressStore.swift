import Foundation
import RedressDomain

/// A stored user with their password hash (bcrypt). Never leaves the server.
public struct StoredUser: Sendable, Equatable {
    public var user: User
    public var passwordHash: String
    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// An `Idempotency-Key` claimed by a member for one request body.
public struct IdempotencyClaim: Sendable, Equatable {
    public var memberId: String
    public var key: String
    /// SHA-256 of the request body, to tell a retry from a different request under the same key.
    public var requestHash: String
    public init(memberId: String, key: String, requestHash: String) {
        self.memberId = memberId
        self.key = key
        self.requestHash = requestHash
    }
}

public enum CreateOutcome: Sendable {
    case created(Complaint, [TimelineEvent])
    /// The same key and body were seen before: the complaint created then.
    case replayed(Complaint)
}

/// Which complaints to list.
public struct ComplaintQuery: Sendable, Equatable {
    public var memberId: String?
    public var queues: Set<Queue>?
    public var statuses: Set<ComplaintStatus>?
    public var tier: Tier?
    public var category: String?
    /// Only cases with a deadline due at or before this instant and unmet.
    public var overdueAt: Date?
    /// Leave out resolved, closed, rejected and withdrawn cases unless statuses asks for them.
    public var openOnly: Bool
    public var limit: Int
    public var offset: Int

    public init(
        memberId: String? = nil, queues: Set<Queue>? = nil, statuses: Set<ComplaintStatus>? = nil, tier: Tier? = nil, category: String? = nil,
        overdueAt: Date? = nil, openOnly: Bool = false, limit: Int = 50, offset: Int = 0
    ) {
        self.memberId = memberId
        self.queues = queues
        self.statuses = statuses
        self.tier = tier
        self.category = category
        self.overdueAt = overdueAt
        self.openOnly = openOnly
        self.limit = limit
        self.offset = offset
    }
}

/// The few columns needed to authorise a read and to tell whether a cached rendering is current.
public struct ComplaintHead: Sendable, Equatable {
    public var id: String
    public var memberId: String
    public var queue: Queue
    public var assigneeId: String?
    /// Grows with every change to the case: a version number.
    public var eventCount: Int
    public init(id: String, memberId: String, queue: Queue, assigneeId: String?, eventCount: Int) {
        self.id = id
        self.memberId = memberId
        self.queue = queue
        self.assigneeId = assigneeId
        self.eventCount = eventCount
    }
}

public struct ComplaintPage: Sendable {
    public var items: [Complaint]
    public var total: Int
}

/// A case's entry in the evidence log.
public struct LedgerRecord: Sendable, Equatable {
    public enum Subject: Sendable, Equatable {
        case event(sequence: Int)
        case evidenceFile(sha256: String)
    }
    public var subject: Subject
    public var leafIndex: Int
    public var leafHash: MerkleTree.Hash
    public init(subject: Subject, leafIndex: Int, leafHash: MerkleTree.Hash) {
        self.subject = subject
        self.leafIndex = leafIndex
        self.leafHash = leafHash
    }
}

/// The log's size and root as committed.
public struct LedgerState: Sendable, Equatable {
    public var size: Int
    public var root: MerkleTree.Hash
    public init(size: Int, root: MerkleTree.Hash) {
        self.size = size
        self.root = root
    }
}

public enum StoreError: Error, Sendable, Equatable {
    case notFound
    /// A unique value is taken (e.g. the log-in).
    case duplicate(field: String)
    /// The `Idempotency-Key` was used before with a different body.
    case idempotencyConflict
    /// A log position or proof outside the committed log.
    case outsideLog(String)
    /// The database was written by a newer Redress.
    case schemaTooNew(String)
    /// The database cannot be opened or written.
    case unavailable(String)
}

/// Everything Redress keeps. One conformance per engine; all must pass the same test suite.
///
/// Changes to a case go through `update`, which runs the domain's pure change function on the
/// current state inside one transaction and appends the sealed events with the new state, so a
/// failure leaves nothing half-written.
public protocol RedressStore: Sendable {
    // Users
    func createUser(_ user: StoredUser) async throws
    func user(id: String) async throws -> StoredUser?
    func user(login: String) async throws -> StoredUser?
    func users(role: Role?) async throws -> [User]
    func setUserDisabled(id: String, disabled: Bool) async throws

    // Complaints
    /// Creates a complaint. `make` receives a case number of the day's sequence and returns the new case; it runs
    /// before the transaction, and its result is discarded when the idempotency claim finds an earlier complaint.
    func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (_ caseNumber: String) throws -> CaseChange
    ) async throws -> CreateOutcome
    func complaint(id: String) async throws -> Complaint?
    func complaintHead(id: String) async throws -> ComplaintHead?
    func complaints(_ query: ComplaintQuery) async throws -> ComplaintPage
    /// Applies a change to the current state of a case; `change` returning nil means nothing to do.
    func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (Complaint, [TimelineEvent])
    func timeline(complaintId: String) async throws -> [TimelineEvent]
    /// Identifiers of complaints in id order, for walking the whole store.
    func complaintIds(after: String?, limit: Int) async throws -> [String]
    /// Cases with a deadline the sweeper has to act on, nearest first.
    func complaintsDue(at: Date, limit: Int) async throws -> [String]

    // Evidence
    /// Stores the bytes (once per SHA-256) and records the file on the case with the change's events, atomically.
    func addEvidence(
        complaintId: String, file: EvidenceFile, bytes: [UInt8], change: @escaping @Sendable (Complaint) throws -> CaseChange
    ) async throws -> (Complaint, [TimelineEvent], alreadyPresent: Bool)
    func evidence(complaintId: String) async throws -> [EvidenceFile]
    func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])?

    // Policy and calendars
    func policy() async throws -> Policy
    func savePolicy(_ policy: Policy, by userId: String, at: Date) async throws
    func calendarYears() async throws -> [HolidayYear]
    func saveCalendarYear(_ year: HolidayYear, at: Date) async throws

    /// Counts for `/health` and metrics.
    func complaintCount() async throws -> Int

    // Evidence log (entries are appended by the writes above, in the same transaction)
    /// Size and root of the committed log.
    func ledgerState() async throws -> LedgerState
    /// The root of the first `treeSize` leaves (`treeSize` ≤ the committed size).
    func ledgerRoot(treeSize: Int) async throws -> MerkleTree.Hash
    /// RFC 9162 audit path of a leaf in the tree of the first `treeSize` leaves.
    func inclusionProof(leafIndex: Int, treeSize: Int) async throws -> [MerkleTree.Hash]
    /// RFC 9162 consistency proof between two tree sizes.
    func consistencyProof(from: Int, to: Int) async throws -> [MerkleTree.Hash]
    /// The log entries of one case, in log order (as stored: a row beyond the committed log is returned too, for checks to name).
    func ledgerRecords(complaintId: String) async throws -> [LedgerRecord]
    /// Hashes of one level of the tree (0 = leaves) from `index`, in order, as stored (or computed from stored leaves for levels
    /// an engine does not store): for verifying the whole log.
    func ledgerHashes(level: Int, from index: Int, limit: Int) async throws -> [(index: Int, hash: MerkleTree.Hash)]
    /// Records a signed head; a head of the same size already recorded is kept.
    func saveTreeHead(_ head: SignedTreeHead) async throws
    func latestTreeHead() async throws -> SignedTreeHead?
    /// The earliest signed head whose tree has at least `size` leaves.
    func treeHead(covering size: Int) async throws -> SignedTreeHead?
    func treeHead(size: Int) async throws -> SignedTreeHead?
    /// Signed heads in size order from `size`.
    func treeHeads(from size: Int, limit: Int) async throws -> [SignedTreeHead]
    /// Every key that has signed heads, oldest first.
    func ledgerKeys() async throws -> [LedgerPublicKey]
    /// Records a key (kept if already there) and retires every other key still active.
    func activateLedgerKey(_ key: LedgerPublicKey) async throws
}
