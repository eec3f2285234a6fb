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

/// Everything Redress keeps: one conformance per engine, and every conformance passes the same test suite
/// (`StoreConformanceTests`). The parts below are the rooms of the store; a use case asks for the part it needs.
public typealias RedressStore = CaseStore & LedgerStore & DirectoryStore & PolicyStore & OutboxStore & MailStore & ChatStore & ClusterCoordination

/// Mail received through the gateway, kept once per message, and the addresses members confirmed. Addresses are kept
/// as their blind index only; raw bytes and subjects are sealed.
public protocol MailStore: Sendable {
    /// Keeps a message unless one with its key is kept already; returns the kept row and whether it is new.
    func keepInboundMail(_ mail: InboundMail, sender: String, raw: [UInt8], confirmDigest: String?) async throws -> (InboundMail, isNew: Bool)
    /// Records what became of a message; without `keepRaw` its raw bytes and confirmation are dropped (they are
    /// evidence on a case by then, or expired).
    func settleInboundMail(id: String, status: InboundMailStatus, reason: String?, complaintId: String?, keepRaw: Bool) async throws
    /// Holds a message for its sender to confirm with the secret whose digest is given, until `expiresAt`.
    func holdInboundMail(id: String, confirmDigest: String, expiresAt: Date) async throws
    func inboundMail(id: String) async throws -> (mail: InboundMail, raw: [UInt8]?)?
    func inboundMail(messageKey: String) async throws -> InboundMail?
    func inboundMail(confirmDigest: String) async throws -> (mail: InboundMail, raw: [UInt8]?)?
    /// Newest first, of one status or all.
    func inboundMails(status: InboundMailStatus?, limit: Int) async throws -> [InboundMail]
    /// How many messages came from `sender` since `since` (the per-sender rate).
    func inboundMailCount(sender: String, since: Date) async throws -> Int
    /// Records that the member confirmed an address as theirs.
    func confirmMailAddress(_ address: String, userId: String, at: Date) async throws
    /// The member who confirmed an address.
    func mailAddressOwner(_ address: String) async throws -> String?
    /// Held mail past its expiry marked expired, its raw bytes dropped; returns how many.
    func expireHeldMail(at: Date) async throws -> Int
}

/// Online support chats: each with its messages (sealed under the member's key), and the agents on duty.
public protocol ChatStore: Sendable {
    func createChat(_ chat: SupportChat, first: ChatMessage) async throws
    func chat(id: String) async throws -> SupportChat?
    /// Runs `change` on the chat's current state in one transaction and saves what it returns, with the messages it
    /// adds numbered after the last; nil from `change`: nothing to save. Throws `notFound` for an unknown chat.
    func updateChat(id: String, _ change: @escaping @Sendable (SupportChat) throws -> (SupportChat, [ChatMessage])?) async throws -> (
        SupportChat, [ChatMessage]
    )
    /// The chat's messages after `after` (a sequence number), in order.
    func chatMessages(chatId: String, after: Int) async throws -> [ChatMessage]
    /// A member's chats, newest first.
    func chats(memberId: String, limit: Int) async throws -> [SupportChat]
    /// Chats of these statuses, longest open first.
    func chats(statuses: [ChatStatus], limit: Int) async throws -> [SupportChat]
    /// Chats opened since an instant, oldest first (the dashboard's time to first reply).
    func chatsOpened(since: Date, limit: Int) async throws -> [SupportChat]
    /// An agent on duty until an instant, or off duty (nil).
    func setOnDuty(userId: String, until: Date?) async throws
    /// The agents on duty at an instant.
    func onDuty(at: Date) async throws -> [String]
}

/// Users and merchants, and the log-in throttle.
public protocol DirectoryStore: Sendable {
    func createUser(_ user: StoredUser) async throws
    func user(id: String) async throws -> StoredUser?
    func user(login: String) async throws -> StoredUser?
    func users(role: Role?) async throws -> [User]
    func setUserDisabled(id: String, disabled: Bool) async throws
    /// The ids of every disabled account (each server keeps them in memory and refreshes them).
    func disabledUserIds() async throws -> Set<String>
    /// Replaces an account's password hash.
    func setPasswordHash(id: String, hash: String) async throws
    /// Replaces an account's log-in, name and contact details (a correction, or an erasure that pseudonymises them).
    func saveProfile(id: String, login: String, displayName: String, phone: String?, email: String?) async throws

    /// Erasure requests (个人信息保护法 Art. 47) and personal data keys.
    func createErasureRequest(_ request: ErasureRequest) async throws
    /// Pending requests nearest deadline first, or every request newest first.
    func erasureRequests(pendingOnly: Bool, limit: Int) async throws -> [ErasureRequest]
    func erasureRequest(id: String) async throws -> ErasureRequest?
    /// Carries a pending request out in one transaction: each of the member's cases kept under legal hold without its
    /// words (`Complaint.heldAfterErasure`), its search passages removed, the account left with its pseudonym in plain
    /// text, the member's data keys destroyed (so the words of their events and files can no longer be opened) and the
    /// request marked done. Throws `notFound` for an unknown or finished request.
    func carryOutErasure(id: String, by: String, at: Date) async throws -> ErasureRequest
    /// Wraps every live data key by the keyring's current master key, `batch` at a time; returns how many were read.
    func rewrapDataKeys(batch: Int) async throws -> Int
    /// How many live data keys each master key wraps.
    func masterKeysInUse() async throws -> [String: Int]
    /// Seals what a store from before encryption holds in plain text (case bodies, events' payloads, file names) for
    /// the next `limit` cases after `after` in id order; returns how many values were sealed and the last case's id
    /// (nil when there are no more cases).
    func sealStoredBeforeEncryption(after: String?, limit: Int) async throws -> (sealed: Int, last: String?)

    func createMerchant(_ merchant: Merchant) async throws
    func merchant(id: String) async throws -> Merchant?
    func merchants() async throws -> [Merchant]
    func saveMerchant(_ merchant: Merchant) async throws

    // The log-in throttle, shared by every server on the database and kept across restarts.
    /// Counts a failed log-in under `key` (a digest of the log-in, never the log-in itself) in a window that starts
    /// at its first failure and lasts `window` seconds; returns the window's failures and its start.
    func recordLoginFailure(key: String, at: Date, window: TimeInterval) async throws -> (failures: Int, since: Date)
    /// The failures recorded under `key` in its latest window, nil when none.
    func loginFailures(key: String) async throws -> (failures: Int, since: Date)?
    /// Forgets `key`'s failures (a log-in succeeded) and every window that started before `staleBefore`.
    func clearLoginFailures(key: String, staleBefore: Date) async throws

    /// Ends a token before it expires (log-out), by its digest, kept until `expiresAt`.
    func revokeToken(digest: String, expiresAt: Date) async throws
    /// The digests of revoked tokens not yet expired (the expired ones are forgotten).
    func revokedTokens(now: Date) async throws -> Set<String>
    /// Ends every session and token `userId` holds that was issued before `notBefore` (a floor only rises).
    func endSessions(userId: String, notBefore: Date) async throws
    /// Every account's floor (each server keeps them in memory and refreshes them).
    func sessionFloors() async throws -> [String: Date]
}

/// Cases, their timelines and their evidence.
///
/// Changes to a case go through `update`, which runs the domain's pure change function on the
/// current state inside one transaction and appends the sealed events with the new state, so a
/// failure leaves nothing half-written.
public protocol CaseStore: Sendable {
    /// Creates a complaint. `make` receives a case number of the day's sequence and returns the new case; it runs
    /// before the transaction, and its result is discarded when the idempotency claim finds an earlier complaint.
    func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (_ caseNumber: String) throws -> CaseChange
    ) async throws -> CreateOutcome
    func complaint(id: String) async throws -> Complaint?
    /// The maintained aggregates (`CaseFigures`) summed over the filing days from `fromDay` on, for a respondent (a
    /// merchant's id, "" for the platform, "*" for everyone): what the public figures read, never the cases.
    func figures(respondent: String, fromDay: Int) async throws -> FigureTotals
    /// Every respondent's aggregate rows (not the platform-wide total) of the filing days from `fromDay` on: what the
    /// supervisor's dashboard is read from.
    func figureRows(fromDay: Int) async throws -> [(key: CaseFigures.FigureKey, counters: [Int64])]
    /// The id of the case with this case number (its unique index), nil when there is none.
    func complaintId(caseNumber: String) async throws -> String?
    func complaintHead(id: String) async throws -> ComplaintHead?
    func complaints(_ query: ComplaintQuery) async throws -> ComplaintPage
    /// Builds the search index again from every case (after a change to how text is tokenized); returns the cases indexed.
    func rebuildSearchIndex() async throws -> Int
    /// Applies a change to the current state of a case; `change` returning nil means nothing to do.
    func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (Complaint, [TimelineEvent])
    /// Applies the same change function to several cases in one transaction (the sweeper's batches); cases with nothing to do
    /// are left out of the result. A case that no longer exists is skipped.
    func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(
        Complaint, [TimelineEvent]
    )]
    func timeline(complaintId: String) async throws -> [TimelineEvent]
    /// Identifiers of complaints in id order, for walking the whole store.
    func complaintIds(after: String?, limit: Int) async throws -> [String]
    /// Cases with a deadline the sweeper has to act on, nearest first.
    func complaintsDue(at: Date, limit: Int) async throws -> [String]
    /// Counts for `/health` and metrics.
    func complaintCount() async throws -> Int

    /// Stores the bytes (once per SHA-256) and records the file on the case with the change's events, atomically.
    func addEvidence(
        complaintId: String, file: EvidenceFile, bytes: [UInt8], change: @escaping @Sendable (Complaint) throws -> CaseChange
    ) async throws -> (Complaint, [TimelineEvent], alreadyPresent: Bool)
    func evidence(complaintId: String) async throws -> [EvidenceFile]
    /// Records what the virus scanner said of a stored file.
    func recordScan(sha256: String, status: String, signature: String?, at: Date) async throws
    /// What the virus scanner said of a stored file, nil when it was never scanned.
    func scan(sha256: String) async throws -> (status: String, signature: String?)?
    /// Stored files' SHA-256 in order, after `after`, at most `limit` (for rescans).
    func evidenceHashes(after: String, limit: Int) async throws -> [String]
    /// A stored file's bytes by its SHA-256.
    func evidenceBytes(sha256: String) async throws -> [UInt8]?
    /// The files on a case, and the bytes `uploaderId` has uploaded over every case (for the policy's quotas).
    func evidenceUsage(complaintId: String, uploaderId: String) async throws -> (filesOnCase: Int, bytesByUploader: Int64)
    func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])?
}

/// The policy in force, its history, and the holiday calendars.
public protocol PolicyStore: Sendable {
    func policy() async throws -> Policy
    func savePolicy(_ policy: Policy, by userId: String, at: Date) async throws
    func policyHistory(limit: Int) async throws -> [PolicyChange]
    func calendarYears() async throws -> [HolidayYear]
    func saveCalendarYear(_ year: HolidayYear, at: Date) async throws
}

/// The evidence log. Entries are appended by the case writes, in the same transaction as what they record.
public protocol LedgerStore: Sendable {
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
    /// A case's events, files and log entries together (one read where the engine can).
    func caseRecords(complaintId: String) async throws -> (events: [TimelineEvent], files: [EvidenceFile], records: [LedgerRecord])
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

/// Notices and their deliveries (e-mail, webhooks). Notices are written by the case writes, in the same transaction.
public protocol OutboxStore: Sendable {
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
    /// Replaces a webhook's stored secret (sealing one stored in plaintext).
    func setWebhookSecret(id: String, secret: String) async throws
    func setWebhookDisabled(id: String, disabled: Bool) async throws
}

/// What several servers sharing one database coordinate through.
public protocol ClusterCoordination: Sendable {
    /// Every case change committed from now on: by this server, or on PostgreSQL by any server sharing the database.
    func caseSignals() -> AsyncStream<CaseSignal>
    /// Runs `body` unless another server sharing the database is running the same job; nil when it is. For the
    /// periodic jobs (sweeps, the outbox's fan-out) that one server at a time should run.
    func exclusively<T: Sendable>(_ job: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T?
}

extension CaseStore {
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

extension LedgerStore where Self: CaseStore {
    /// Three reads, for an engine without a combined one.
    public func caseRecords(complaintId: String) async throws -> (events: [TimelineEvent], files: [EvidenceFile], records: [LedgerRecord]) {
        (
            try await timeline(complaintId: complaintId), try await evidence(complaintId: complaintId),
            try await ledgerRecords(complaintId: complaintId)
        )
    }
}
