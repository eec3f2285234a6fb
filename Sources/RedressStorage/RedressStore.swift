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
    /// Only cases against this merchant.
    public var respondentMerchantId: String?
    /// Only cases given to this external reviewer.
    public var reviewerId: String?
    /// Only cases filed at or after this instant (newest first).
    public var createdAfter: Date?
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

/// A webhook endpoint: notices of the chosen topics are POSTed to it, signed with its secret.
public struct WebhookSubscription: Sendable, Equatable {
    public var id: String
    public var url: String
    /// HMAC-SHA256 key; shown once, when the subscription is made.
    public var secret: String
    /// Topic names (`complaint.created`, …); empty means every topic.
    public var topics: [String]
    /// A merchant's own endpoint receives notices of cases against that merchant only.
    public var merchantId: String?
    public var createdBy: String
    public var createdAt: Date
    public var disabled: Bool
    public init(
        id: String, url: String, secret: String, topics: [String], merchantId: String?, createdBy: String, createdAt: Date, disabled: Bool = false
    ) {
        self.id = id
        self.url = url
        self.secret = secret
        self.topics = topics
        self.merchantId = merchantId
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.disabled = disabled
    }

    public func wants(_ topic: NoticeTopic) -> Bool { topics.isEmpty || topics.contains(topic.rawValue) }
}

public enum DeliveryChannel: String, Sendable, Codable {
    case email, webhook
}

public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, delivered, dead
}

/// Where one notice goes: an e-mail address, or a webhook subscription's id.
public struct DeliveryDraft: Sendable, Equatable {
    public var channel: DeliveryChannel
    public var destination: String
    public init(channel: DeliveryChannel, destination: String) {
        self.channel = channel
        self.destination = destination
    }
}

/// One entry of the outbox.
public struct Delivery: Sendable, Equatable {
    public var id: Int64
    public var noticeId: Int64
    public var notice: Notice
    public var channel: DeliveryChannel
    public var destination: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date
}

/// One try at delivering, as the delivery log keeps it.
public struct DeliveryAttempt: Sendable, Equatable {
    public var deliveryId: Int64
    public var attempt: Int
    public var at: Date
    public var ok: Bool
    public var statusCode: Int?
    public var error: String?
    public var durationMs: Int
    public init(deliveryId: Int64, attempt: Int, at: Date, ok: Bool, statusCode: Int?, error: String?, durationMs: Int) {
        self.deliveryId = deliveryId
        self.attempt = attempt
        self.at = at
        self.ok = ok
        self.statusCode = statusCode
        self.error = error
        self.durationMs = durationMs
    }
}

/// What follows an attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    case retry(at: Date)
    /// No more attempts (until replayed).
    case dead
}

/// One change of the policy: who, when, and what it was before.
public struct PolicyChange: Sendable {
    public var at: Date
    public var by: String
    public var previous: Policy?
    public var policy: Policy
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
    /// The ids of every disabled account (each server keeps them in memory and refreshes them).
    func disabledUserIds() async throws -> Set<String>

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
    /// Applies the same change function to several cases in one transaction (the sweeper's batches); cases with nothing to do
    /// are left out of the result. A case that no longer exists is skipped.
    func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(Complaint, [TimelineEvent])]
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

    // Merchants
    func createMerchant(_ merchant: Merchant) async throws
    func merchant(id: String) async throws -> Merchant?
    func merchants() async throws -> [Merchant]
    func saveMerchant(_ merchant: Merchant) async throws
    func policyHistory(limit: Int) async throws -> [PolicyChange]

    // Notifications (notices are written by the case writes above, in the same transaction)
    /// Notices not yet fanned out to their deliveries, oldest first.
    func pendingNotices(limit: Int) async throws -> [(id: Int64, notice: Notice)]
    /// Marks every pending notice as fanned out with no delivery (nothing is subscribed and no mail is sent); returns how many.
    func dismissPendingNotices(at: Date) async throws -> Int
    /// Creates each notice's deliveries (a destination already there is kept) and marks it fanned out, in one transaction.
    func fanOut(_ plans: [(noticeId: Int64, deliveries: [DeliveryDraft])], at: Date) async throws
    /// Pending deliveries due by `dueAt`, leased until `leaseUntil` so that no other sender takes them meanwhile.
    func claimDeliveries(dueAt: Date, leaseUntil: Date, limit: Int) async throws -> [Delivery]
    /// Logs an attempt and moves the delivery on.
    func recordDeliveryAttempt(_ attempt: DeliveryAttempt, outcome: DeliveryOutcome, error: String?) async throws
    func deliveries(status: DeliveryStatus?, limit: Int, offset: Int) async throws -> [Delivery]
    func delivery(id: Int64) async throws -> (Delivery, [DeliveryAttempt])?
    /// Queues a delivery again, whatever its status; its log is kept.
    func replayDelivery(id: Int64, at: Date) async throws -> Delivery
    func createWebhook(_ webhook: WebhookSubscription) async throws
    func webhooks() async throws -> [WebhookSubscription]
    func setWebhookDisabled(id: String, disabled: Bool) async throws

    // The log-in throttle, shared by every server on the database and kept across restarts.
    /// Counts a failed log-in under `key` (a digest of the log-in, never the log-in itself) in a window that starts
    /// at its first failure and lasts `window` seconds; returns the window's failures and its start.
    func recordLoginFailure(key: String, at: Date, window: TimeInterval) async throws -> (failures: Int, since: Date)
    /// The failures recorded under `key` in its latest window, nil when none.
    func loginFailures(key: String) async throws -> (failures: Int, since: Date)?
    /// Forgets `key`'s failures (a log-in succeeded) and every window that started before `staleBefore`.
    func clearLoginFailures(key: String, staleBefore: Date) async throws

    // Several servers.
    /// Every case change committed from now on: by this server, or on PostgreSQL by any server sharing the database.
    func caseSignals() -> AsyncStream<CaseSignal>
    /// Runs `body` unless another server sharing the database is running the same job; nil when it is. For the
    /// periodic jobs (sweeps, the outbox's fan-out) that one server at a time should run.
    func exclusively<T: Sendable>(_ job: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T?
}

extension RedressStore {
    /// Fires every timer due at `now`: reads due cases in pages of 5,000 and applies `CaseWorkflow.sweep` 500 cases to a
    /// transaction, two batches in flight so that one is prepared while the other is written. Returns the cases it
    /// changed with their new events. What the sweeper runs on every pass.
    public func sweepDue(workflow: CaseWorkflow, at now: Date) async throws -> [(Complaint, [TimelineEvent])] {
        var changed: [(Complaint, [TimelineEvent])] = []
        while true {
            let due = try await complaintsDue(at: now, limit: 5_000)
            if due.isEmpty { break }
            let chunks = stride(from: 0, to: due.count, by: 500).map { Array(due[$0..<min($0 + 500, due.count)]) }
            let results = try await withThrowingTaskGroup(of: [(Complaint, [TimelineEvent])].self) { group in
                var out: [(Complaint, [TimelineEvent])] = []
                var next = 0
                func start() {
                    guard next < chunks.count else { return }
                    let ids = chunks[next]
                    next += 1
                    group.addTask { try await self.update(complaintIds: ids) { workflow.sweep($0, now: now) } }
                }
                start()
                start()
                while let part = try await group.next() {
                    out += part
                    start()
                }
                return out
            }
            changed += results
            if results.isEmpty || due.count < 5_000 { break }
        }
        return changed
    }
}

extension StoreError: CustomStringConvertible {
    /// A sentence for messages and logs.
    public var description: String {
        switch self {
        case .notFound: "not found"
        case .duplicate(let field): "\(field) is already taken"
        case .idempotencyConflict: "the Idempotency-Key was used before with a different request"
        case .outsideLog(let m), .schemaTooNew(let m), .unavailable(let m): m
        }
    }
}
