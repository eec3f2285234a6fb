#!/usr/bin/env python3
"""Writes Sources/RedressAPI/Resources/openapi.json, the OpenAPI 3.1 document Redress serves.

The document is written from this file so that shared parts (errors, enums, the complaint shape)
are stated once. `python3 scripts/openapi.py --check` fails when the committed JSON is stale.
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent.parent / "Sources/RedressAPI/Resources/openapi.json"

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}

def obj(props, required=(), extra=False):
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": extra}

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DT = {"type": "string", "format": "date-time"}
FEN = {"type": "integer", "format": "int64", "minimum": 0, "maximum": 10_000_000_000, "description": "Amount in fen (分); ¥1 = 100 fen"}
HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

ROLES = ["member", "agent", "specialist", "risk_control", "admin", "merchant", "arbitrator"]
ACTOR_ROLES = ROLES + ["system"]
TIERS = ["l1", "l2", "risk_control"]
QUEUES = ["l1", "l2", "risk_control", "emergency"]
STATUSES = ["submitted", "acknowledged", "in_progress", "awaiting_member", "awaiting_merchant", "resolution_proposed", "resolved", "closed", "rejected", "withdrawn"]
REJECTIONS = ["duplicate", "outside_scope", "insufficient_information", "handled_elsewhere", "time_barred", "not_a_party"]
ACTIONS = ["acknowledge", "start_work", "request_info", "await_merchant", "resume", "propose_resolution", "resolve", "close", "reject", "reopen", "withdraw", "assign"]
EVENT_KINDS = ["submitted", "routed", "public_message", "internal_note", "status_changed", "assigned", "escalated", "evidence_added", "deadline_breached", "automatic_action",
               "respondent_changed", "records_requested", "records_submitted", "records_defaulted", "remedy_offered", "ruling_proposed", "ruled",
               "frozen", "freeze_released", "external_complaint_recorded", "external_complaint_updated", "rated", "reviewer_assigned", "deadline_approaching"]
DEADLINE_KINDS = ["first_response", "escalation_response", "resolution", "merchant_evidence", "member_confirmation", "external_reply", "odr_negotiation"]
COMPLAINT_CHANNELS = ["web", "api", "email", "chat"]
CHANNELS = ["12315_odr", "12315_regulator", "black_cat", "consumer_association", "industry_association", "arbitration", "court"]
EXTERNAL_STATUSES = ["filed", "accepted", "platform_replied", "mediating", "resolved", "rejected", "withdrawn"]
OUTCOMES = ["for_member", "for_respondent", "partial"]
TOPICS = ["complaint.created", "complaint.reply", "complaint.status_changed", "complaint.escalated", "complaint.resolution_proposed", "complaint.ruling",
          "deadline.approaching", "deadline.missed", "records.requested", "records.submitted", "records.defaulted", "freeze.applied", "freeze.released",
          "external.recorded"]
REMEDY_KINDS = ["refund", "delivery", "compensation", "account_restored", "apology", "other"]
TEXT = lambda n: {**STR, "maxLength": n}
CATEGORIES = ["transaction.topup_not_credited", "transaction.goods_not_as_described", "transaction.forced_auto_renewal",
              "service.slow_support_response", "service.after_sales_not_honoured", "service.membership_not_activated",
              "security.account_stolen", "security.personal_info_leaked", "security.abnormal_transactions", "other.other"]

CHAT_STATUSES = ["waiting", "active", "proposed", "converted", "closed"]
MAIL_STATUSES = ["filed", "appended", "held", "ignored", "kept_aside", "expired"]
MAIL_REASONS = ["bounce", "auto_reply", "bulk", "rate_limited", "unknown_sender", "not_a_party", "reply_not_verified", "case_closed", "unreadable", "no_text"]

def enum(values):
    return {"type": "string", "enum": values}

schemas = {
    "Error": obj({"error": obj({"code": {**STR, "description": "Stable machine code, e.g. unknown_category"},
                                "message": {**STR, "description": "zh-CN by default, English with Accept-Language: en"},
                                "field": {**STR, "description": "The JSON path of the field at fault, when there is one"}},
                               ["code", "message"])}, ["error"]),
    "User": obj({"id": STR, "role": enum(ROLES), "login": STR, "displayName": STR,
                 "phone": {**STR, "description": "Shown in full to the user and admins, masked (138****5678) to others"},
                 "createdAt": DT, "disabled": BOOL, "merchantId": STR, "email": {**STR, "description": "Shown to the user and admins"}},
                ["id", "role", "login", "displayName", "createdAt", "disabled"]),
    "LoginRequest": obj({"login": STR, "password": STR}, ["login", "password"], True),
    "LoginResponse": obj({"token": STR, "tokenType": enum(["Bearer"]), "expiresAt": DT, "user": ref("User")}, ["token", "tokenType", "expiresAt", "user"]),
    "Registration": obj({"login": {**STR, "description": "E-mail address or 11-digit mainland mobile number"},
                         "password": {**STR, "minLength": 8, "maxLength": 72}, "displayName": {**STR, "maxLength": 100},
                         "phone": {**STR, "pattern": "^1[0-9]{10}$"}}, ["login", "password", "displayName"], True),
    "NewUser": obj({"login": STR, "password": {**STR, "minLength": 8, "maxLength": 72}, "displayName": {**STR, "maxLength": 100},
                    "role": enum(ROLES), "phone": {**STR, "pattern": "^1[0-9]{10}$"},
                    "merchantId": {**STR, "description": "Required for (and only for) the merchant role"}, "email": {**STR, "description": "Where notices are mailed"}},
                   ["login", "password", "displayName", "role"], True),
    "DisableRequest": obj({"disabled": BOOL}, ["disabled"], True),
    "PasswordChange": obj({"currentPassword": STR, "newPassword": {"type": "string", "minLength": 8, "maxLength": 72}}, ["currentPassword", "newPassword"], True),
    "ProfileChange": obj({"displayName": {"type": "string", "minLength": 1, "maxLength": 100}, "phone": STR, "email": STR}, [], True),
    "ErasureRequest": obj({"password": STR}, ["password"], True),
    "ErasureRecord": obj({"id": STR, "userId": STR, "requestedAt": DT, "dueAt": {**DT, "description": "15 working days after the request"},
                          "overdue": BOOL, "status": enum(["pending", "done"]), "accountErasedAt": DT, "completedAt": DT,
                          "completedBy": STR, "casesHeld": {"type": "integer", "minimum": 0}},
                         ["id", "userId", "requestedAt", "dueAt", "overdue", "status", "casesHeld"]),
    "PasswordReset": obj({"newPassword": {"type": "string", "minLength": 8, "maxLength": 72}}, ["newPassword"], True),
    "OrderReference": obj({"orderNumber": {**STR, "maxLength": 64}, "amountPaidFen": FEN,
                           "productKind": enum(["game_topup", "licence_key", "membership", "gift_card", "other"]),
                           "respondent": {**enum(["platform", "merchant"]), "description": "Who answers for the problem; a merchant needs merchantId"},
                           "merchantId": {**STR, "maxLength": 64}, "merchantName": {**STR, "maxLength": 200},
                           "paidAt": DT, "paymentReference": {**STR, "maxLength": 128}},
                          ["orderNumber", "amountPaidFen", "productKind", "respondent"], True),
    "Remedy": obj({"kind": enum(["refund", "delivery", "compensation", "account_restored", "apology", "other"]),
                   "text": {**STR, "maxLength": 1000, "description": "Required when kind is other"}}, ["kind"], True),
    "ComplaintDraft": obj({"category": enum(CATEGORIES), "order": ref("OrderReference"),
                           "occurredAt": {**DT, "description": "When it happened (not in the future)"},
                           "narrative": {**STR, "maxLength": 10000, "description": "What happened, up to 10,000 characters"},
                           "remedy": ref("Remedy"), "amountClaimedFen": FEN, "channel": enum(COMPLAINT_CHANNELS),
                           "emergency": {**BOOL, "description": "Urgent (e.g. an account being drained): emergency queue, 1-hour target"}},
                          ["category", "order", "occurredAt", "narrative", "remedy", "amountClaimedFen"], True),
    "Deadline": obj({"kind": enum(DEADLINE_KINDS), "tier": enum(TIERS), "owner": enum(["platform", "merchant", "member"]),
                     "ref": {**STR, "description": "The records request or external complaint the clock belongs to"}, "remindedAt": DT,
                     "mode": enum(["natural", "business"]), "startedAt": DT, "dueAt": DT, "paused": BOOL,
                     "remainingSeconds": {**INT, "description": "Seconds left on a paused clock; a running clock is read from dueAt"}, "metAt": DT, "breachedAt": DT, "supersededAt": DT, "overdue": BOOL},
                    ["kind", "tier", "owner", "mode", "startedAt", "paused", "overdue"]),
    "Merchant": obj({"id": STR, "registeredName": STR, "shopName": STR, "businessLicenceNumber": STR, "icpFilingNumber": STR, "registeredAddress": STR,
                     "contactName": STR, "contactPhone": STR, "contactEmail": STR, "verifiedAt": DT, "createdAt": DT, "updatedAt": DT},
                    ["id", "registeredName", "shopName", "businessLicenceNumber", "registeredAddress", "contactName", "contactPhone", "createdAt", "updatedAt"]),
    "MerchantRecord": obj({"merchant": ref("Merchant"), "verificationDue": BOOL, "nextVerificationDue": DT}, ["merchant", "verificationDue"]),
    "MerchantDraft": obj({"registeredName": TEXT(200), "shopName": TEXT(100),
                          "businessLicenceNumber": {**STR, "description": "统一社会信用代码: 18 characters with a valid check character (GB 32100-2015)"},
                          "icpFilingNumber": TEXT(50), "registeredAddress": TEXT(300), "contactName": TEXT(100), "contactPhone": TEXT(20), "contactEmail": STR},
                         ["registeredName", "shopName", "businessLicenceNumber", "registeredAddress", "contactName", "contactPhone"], True),
    "Ruling": obj({"outcome": enum(OUTCOMES), "remedy": ref("Remedy"), "amountFen": {"type": "integer"}, "reason": STR, "decidedBy": ref("Actor"),
                   "decidedAt": DT, "basis": enum(["review", "merchant_default"])}, ["outcome", "reason", "decidedBy", "decidedAt", "basis"]),
    "Complaint": obj({"id": STR, "caseNumber": {**STR, "pattern": "^RD-[0-9]{8}-[0-9]{6,}$"}, "memberId": STR,
                      "status": enum(STATUSES), "statusLabel": STR,
                      "category": obj({"code": STR, "dimension": enum(["transaction", "service", "security", "other"]), "label": STR}, ["code", "dimension", "label"]),
                      "tier": enum(TIERS), "queue": enum(QUEUES), "assigneeId": STR, "emergency": BOOL, "channel": enum(COMPLAINT_CHANNELS),
                      "order": ref("OrderReference"), "occurredAt": DT, "narrative": STR, "remedy": ref("Remedy"), "amountClaimedFen": FEN,
                      "deadlines": {"type": "array", "items": ref("Deadline")}, "nextDueAt": DT, "overdue": BOOL,
                      "rejectionReason": enum(REJECTIONS), "firstRespondedAt": DT, "resolvedAt": DT, "closedAt": DT,
                      "createdAt": DT, "updatedAt": DT, "eventCount": INT, "headHash": HASH, "memberMayEscalate": BOOL,
                      "respondent": obj({"kind": enum(["platform", "merchant"]), "merchantId": STR,
                                         "merchant": {**obj({"registeredName": STR, "shopName": STR, "businessLicenceNumber": STR, "icpFilingNumber": STR,
                                                             "registeredAddress": STR, "contactName": STR, "contactPhone": STR, "contactEmail": STR,
                                                             "verifiedAt": DT, "verificationDue": BOOL},
                                                            ["registeredName", "shopName", "businessLicenceNumber", "registeredAddress", "contactName", "contactPhone", "verificationDue"]),
                                                      "description": "The merchant's registered details (消保法 Art. 44)"}}, ["kind"]),
                      "member": {**obj({"displayName": STR, "phone": STR}, ["displayName"]), "description": "For staff and the merchant; masked except for admins"},
                      "recordsRequests": {"type": "array", "items": obj({"id": STR, "needed": STR, "requestedAt": DT, "dueAt": DT,
                                                                        "status": enum(["open", "fulfilled", "defaulted", "withdrawn"]), "files": {"type": "array", "items": HASH},
                                                                        "requestedBy": ref("Actor"), "fulfilledAt": DT, "defaultedAt": DT, "withdrawnAt": DT},
                                                                       ["id", "needed", "requestedAt", "dueAt", "status", "files", "requestedBy"])},
                      "ruling": ref("Ruling"), "proposedRuling": {**ref("Ruling"), "description": "Staff and external reviewers: a default ruling awaiting confirmation"},
                      "freezes": {"type": "array", "items": obj({"id": STR, "target": enum(["order", "account"]), "reference": STR, "reason": STR, "frozenAt": DT,
                                                                "active": BOOL, "releasedAt": DT, "releaseReason": STR},
                                                               ["id", "target", "reference", "reason", "frozenAt", "active"])},
                      "externalComplaints": {"type": "array", "items": obj({"id": STR, "channel": enum(CHANNELS), "channelLabel": STR, "reference": STR,
                                                                           "filedOn": {"type": "string", "format": "date"}, "status": enum(EXTERNAL_STATUSES),
                                                                           "recordedAt": DT, "updatedAt": DT, "note": STR},
                                                                          ["id", "channel", "channelLabel", "reference", "filedOn", "status", "recordedAt", "updatedAt"])},
                      "rating": obj({"attitude": INT, "speed": INT, "overall": INT, "comment": STR, "ratedAt": DT}, ["attitude", "speed", "overall", "ratedAt"]),
                      "reviewerIds": {"type": "array", "items": STR},
                      "match": {"type": "array", "description": "In a search's results: the passage that matched, as the caller may read it, "
                                "in parts; the parts with match true are the words found",
                                "items": obj({"text": STR, "match": BOOL}, ["text", "match"])}},
                     ["id", "caseNumber", "memberId", "status", "statusLabel", "category", "tier", "queue", "emergency", "channel", "order",
                      "occurredAt", "narrative", "remedy", "amountClaimedFen", "deadlines", "overdue", "createdAt", "updatedAt",
                      "eventCount", "headHash", "memberMayEscalate", "respondent"]),
    "ComplaintPage": obj({"items": {"type": "array", "items": ref("Complaint")}, "total": INT, "limit": INT, "offset": INT,
                          "totalIsLowerBound": {**BOOL, "description": "Lists are counted up to 10,000 cases (a search among the passages it looked at); true: there are more"},
                          "nextCursor": {"type": ["string", "null"], "description": "A staff queue's or a merchant's open cases' next page: pass it as `cursor`; null on the last page"}},
                         ["items", "total", "limit", "offset"]),
    "Actor": obj({"id": STR, "role": enum(ACTOR_ROLES)}, ["role"]),
    "Event": obj({"sequence": {**INT, "minimum": 1}, "kind": enum(EVENT_KINDS), "actor": ref("Actor"),
                  "visibility": enum(["public", "internal"]), "occurredAt": DT,
                  "payload": {"type": "object", "description": "Kind-specific facts; hashed as canonical JSON"},
                  "previousHash": HASH, "hash": HASH},
                 ["sequence", "kind", "actor", "visibility", "occurredAt", "payload", "previousHash", "hash"]),
    "Change": obj({"complaint": ref("Complaint"), "events": {"type": "array", "items": ref("Event")}}, ["complaint", "events"]),
    "Message": obj({"body": {**STR, "maxLength": 10000}, "visibility": {**enum(["public", "internal"]), "description": "internal: staff only"}}, ["body"], True),
    "Escalation": obj({"reason": {**STR, "maxLength": 2000}}, ["reason"], True),
    "Transition": obj({"action": enum(ACTIONS), "note": {**STR, "maxLength": 10000, "description": "Required for propose_resolution"},
                       "reason": {**enum(REJECTIONS), "description": "Required for reject"},
                       "assigneeId": {**STR, "description": "For assign; omit to unassign"}}, ["action"], True),
    "Confirmation": obj({"accept": BOOL, "note": {**STR, "maxLength": 10000}}, ["accept"], True),
    "Evidence": obj({"sha256": HASH, "sizeBytes": INT, "mediaType": enum(["image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain", "message/rfc822"]),
                     "fileName": STR, "uploadedBy": ref("Actor"), "uploadedAt": DT, "url": STR},
                    ["sha256", "sizeBytes", "mediaType", "fileName", "uploadedBy", "uploadedAt", "url"]),
    "MailReceipt": obj({"id": STR, "status": enum(MAIL_STATUSES), "statusLabel": STR,
                        "reason": {**STR, "description": "Why it was held, ignored or kept aside: one of " + ", ".join(MAIL_REASONS) + " (unreadable:<parse error>)"},
                        "reasonLabel": STR, "caseNumber": STR, "duplicate": {**BOOL, "description": "Taken before: the mail system handed it over again"}},
                       ["id", "status", "statusLabel", "duplicate"]),
    "InboundMail": obj({"id": STR, "receivedAt": DT, "status": enum(MAIL_STATUSES), "statusLabel": STR, "reason": STR, "reasonLabel": STR,
                        "complaintId": STR, "sizeBytes": INT, "sha256": HASH, "subject": STR, "expiresAt": DT},
                       ["id", "receivedAt", "status", "statusLabel", "sizeBytes", "sha256", "subject"]),
    "HeldMail": obj({"subject": STR, "text": {**STR, "description": "The first 2,000 characters of the message's text"},
                     "attachments": {"type": "array", "items": STR}, "receivedAt": DT, "expiresAt": DT},
                    ["subject", "text", "attachments", "receivedAt"]),
    "ChatMessage": obj({"sequence": INT, "role": enum(ACTOR_ROLES), "roleLabel": STR, "body": STR, "at": DT},
                       ["sequence", "role", "roleLabel", "body", "at"]),
    "Chat": obj({"id": STR, "status": enum(CHAT_STATUSES), "statusLabel": STR, "complaintId": STR, "openedAt": DT,
                 "waitingSeconds": {**INT, "description": "While waiting for an agent: how long so far"}, "taken": BOOL, "firstReplyAt": DT,
                 "expectedReplyBy": {**DT, "description": "Opened with no agent on duty: when the member was told to expect an answer"},
                 "proposal": obj({"category": STR, "categoryLabel": STR, "orderNumber": STR, "amountClaimedFen": FEN, "narrative": STR},
                                 ["category", "categoryLabel", "orderNumber", "amountClaimedFen", "narrative"]),
                 "messages": {"type": "array", "items": ref("ChatMessage")}},
                ["id", "status", "statusLabel", "openedAt", "taken"]),
    "ChatOpen": obj({"body": {**STR, "minLength": 1, "maxLength": 2000}, "complaintId": {**STR, "description": "One of the member's cases the chat is about"}}, ["body"]),
    "ChatPost": obj({"body": {**STR, "minLength": 1, "maxLength": 2000}}, ["body"]),
    "ChatProposal": obj({"category": enum(CATEGORIES), "orderNumber": TEXT(64), "narrative": TEXT(10000)}, ["category"]),
    "Duty": obj({"onDuty": BOOL, "until": DT, "agentsOnDuty": INT}, ["onDuty", "agentsOnDuty"]),
    "DutyChange": obj({"onDuty": BOOL}, ["onDuty"]),
    "MailConfirm": obj({"category": {**enum(CATEGORIES), "description": "The kind of problem (default other.other)"}}),
    "Upload": obj({"evidence": ref("Evidence"), "alreadyPresent": BOOL, "events": {"type": "array", "items": ref("Event")}},
                  ["evidence", "alreadyPresent", "events"]),
    "VerifyReport": obj({"complaintId": STR, "eventCount": INT, "valid": {**BOOL, "description": "The chain and the evidence log both verify"},
                         "chainValid": BOOL,
                         "firstBreak": obj({"position": INT, "foundSequence": INT,
                                            "reason": enum(["sequence_gap", "previous_hash_mismatch", "hash_mismatch", "wrong_case", "head_mismatch"]),
                                            "expected": STR, "found": STR}, ["position", "reason", "expected", "found"]),
                         "ledger": obj({"valid": BOOL, "entries": INT, "files": INT, "treeHead": ref("TreeHead"),
                                        "firstFailure": {**STR, "description": "Names the first event, file, leaf or head that does not verify"}},
                                       ["valid", "entries", "files", "treeHead"])},
                        ["complaintId", "eventCount", "valid", "chainValid", "ledger"]),
    "TreeHead": obj({"treeSize": INT, "rootHash": HASH, "timestamp": DT, "timestampMs": INT, "keyId": HASH, "algorithm": enum(["Ed25519"]),
                     "signature": {**STR, "description": "Ed25519 signature of signedBytes, base64"},
                     "signedBytes": {**STR, "description": "RFC 6962 TreeHeadSignature (version 0, type 1, uint64 timestamp ms, uint64 tree size, root), base64"}},
                    ["treeSize", "rootHash", "timestamp", "timestampMs", "keyId", "algorithm", "signature", "signedBytes"]),
    "LedgerKey": obj({"keyId": {**HASH, "description": "SHA-256 of the 32 raw key bytes"}, "algorithm": enum(["Ed25519"]),
                      "publicKey": {**STR, "description": "The 32 raw bytes, base64"}, "pem": {**STR, "description": "SubjectPublicKeyInfo PEM (RFC 8410)"},
                      "createdAt": DT, "retiredAt": DT}, ["keyId", "algorithm", "publicKey", "pem", "createdAt"]),
    "LedgerKeys": obj({"current": ref("LedgerKey"), "keys": {"type": "array", "items": ref("LedgerKey")}}, ["current", "keys"]),
    "InclusionProof": obj({"leafIndex": INT, "treeSize": INT, "leafHash": HASH, "rootHash": HASH, "auditPath": {"type": "array", "items": HASH}},
                          ["leafIndex", "treeSize", "leafHash", "rootHash", "auditPath"]),
    "ConsistencyProof": obj({"from": INT, "to": INT, "fromRootHash": HASH, "toRootHash": HASH, "proof": {"type": "array", "items": HASH}},
                            ["from", "to", "fromRootHash", "toRootHash", "proof"]),
    "Receipt": obj({"format": enum(["redress-receipt"]), "version": INT, "complaintId": STR, "caseNumber": STR, "kind": enum(["event", "evidence_file"]),
                    "sequence": INT, "sha256": HASH,
                    "entry": {**STR, "description": "The log entry's exact bytes (canonical JSON, UTF-8)"},
                    "event": {**STR, "description": "For an event: its canonical JSON, whose SHA-256 is the entry's eventHash"},
                    "leafIndex": INT, "leafHash": HASH,
                    "treeHead": obj({"treeSize": INT, "rootHash": HASH, "timestampMs": INT, "keyId": HASH, "signature": STR},
                                    ["treeSize", "rootHash", "timestampMs", "keyId", "signature"]),
                    "inclusionProof": {"type": "array", "items": HASH}},
                   ["format", "version", "complaintId", "caseNumber", "kind", "entry", "leafIndex", "leafHash", "treeHead", "inclusionProof"]),
    "Receipts": obj({"complaintId": STR, "caseNumber": STR, "keyId": HASH, "receipts": {"type": "array", "items": ref("Receipt")}},
                    ["complaintId", "caseNumber", "keyId", "receipts"]),
    "PublicMerchant": obj({"id": STR, "shopName": STR, "registeredName": STR, "businessLicenceNumber": STR, "icpFilingNumber": STR,
                           "registeredAddress": STR, "verifiedAt": DT, "nextVerificationDue": DT, "verificationDue": BOOL},
                          ["id", "shopName", "registeredName", "businessLicenceNumber", "registeredAddress", "verificationDue"]),
    "PublicMerchantDirectory": obj({"items": {"type": "array", "items": ref("PublicMerchant")}, "total": INT}, ["items", "total"]),
    "PublicFigures": obj({"complaints": INT, "answerRate": {"type": "number"}, "answeredOnTimeRate": {"type": "number"},
                          "medianAnswerHours": obj({"from": INT, "to": INT}, ["from"]),
                          "completionRate": {"type": "number"}, "satisfaction": {"type": "number"}, "rated": INT,
                          "repeatRate": {"type": "number"}}, ["complaints", "rated"]),
    "PublicFigureWindow": obj({"days": INT, "merchant": ref("PublicFigures"), "platform": ref("PublicFigures")}, ["days"]),
    "PublicMerchantPage": obj({"merchant": ref("PublicMerchant"), "figures": {"type": "array", "items": ref("PublicFigureWindow")},
                               "minimumCases": INT}, ["merchant", "figures", "minimumCases"]),
    "GuidePoint": obj({"title": STR, "detail": STR}, ["title", "detail"]),
    "GuideSection": obj({"id": STR, "title": STR, "text": STR, "points": {"type": "array", "items": ref("GuidePoint")}},
                        ["id", "title", "text", "points"]),
    "Guide": obj({"title": STR, "platform": STR, "language": enum(["zh-CN", "en"]),
                  "inForceSince": {**DT, "description": "When the policy this guide is written from took effect; absent for the defaults"},
                  "sections": {"type": "array", "items": ref("GuideSection")},
                  "versions": {"type": "array", "items": DT, "description": "Every instant the policy changed (each starts a version), oldest first"}},
                 ["title", "platform", "language", "sections", "versions"]),
    "Category": obj({"code": STR, "dimension": enum(["transaction", "service", "security", "other"]), "dimensionLabel": STR, "label": STR,
                     "labelZh": STR, "labelEn": STR,
                     "evidence": {"type": "array", "items": obj({"code": STR, "label": STR}, ["code", "label"])}},
                    ["code", "dimension", "dimensionLabel", "label", "labelZh", "labelEn", "evidence"]),
    "DeadlineComputation": obj({"start": DT, "deadline": DT, "calendarCovered": BOOL, "timeZone": STR,
                                "note": {**STR, "description": "Present when a day beyond the calendars on file was counted Monday–Friday"}},
                               ["start", "deadline", "calendarCovered", "timeZone"]),
    "Policy": obj({
        "routing": obj({"riskControlThresholdFen": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000_000},
                        "securityToRiskControl": BOOL, "emergencyQueueEnabled": BOOL},
                       ["riskControlThresholdFen", "securityToRiskControl", "emergencyQueueEnabled"], True),
        "deadlines": obj({"firstResponseHours": {"type": "integer", "minimum": 1, "maximum": 8760},
                          "emergencyFirstResponseHours": {"type": "integer", "minimum": 1, "maximum": 8760},
                          "escalationResponseHours": {"type": "integer", "minimum": 1, "maximum": 8760},
                          "resolutionHours": {"type": "integer", "minimum": 1, "maximum": 8760},
                          "hourMode": enum(["natural", "business"]),
                          "businessOpensAt": {"type": "integer", "minimum": 0, "maximum": 86399},
                          "businessClosesAt": {"type": "integer", "minimum": 1, "maximum": 86400},
                          "reopenWindowDays": {"type": "integer", "minimum": 1, "maximum": 3650}},
                         ["firstResponseHours", "emergencyFirstResponseHours", "escalationResponseHours", "resolutionHours", "hourMode",
                          "businessOpensAt", "businessClosesAt", "reopenWindowDays"], True),
        "evidence": obj({"maxFileBytes": {"type": "integer", "minimum": 1024, "maximum": 536870912},
                         "maxFilesPerCase": {"type": "integer", "minimum": 1, "maximum": 10000},
                         "maxBytesPerMember": {"type": "integer", "minimum": 1024, "maximum": 1099511627776},
                         "whenScannerDown": enum(["refuse", "quarantine"])}, ["maxFileBytes"], True),
        "merchant": obj({"evidenceHours": {"type": "integer", "minimum": 1, "maximum": 8760},
                         "defaultRuling": enum(["propose_for_review", "apply_immediately"]),
                         "reverifyDays": {"type": "integer", "minimum": 1, "maximum": 3650}},
                        ["evidenceHours", "defaultRuling", "reverifyDays"], True),
        "member": obj({"silenceDays": {"type": "integer", "minimum": 1, "maximum": 365}, "reminderHours": {"type": "integer", "minimum": 0, "maximum": 720},
                       "escalateAfterHours": {"type": "integer", "minimum": 1, "maximum": 8760}}, ["silenceDays", "reminderHours", "escalateAfterHours"], True),
        "external": obj({"replyWorkingDays": {"type": "integer", "minimum": 1, "maximum": 365},
                         "odrNegotiationWorkingDays": {"type": "integer", "minimum": 1, "maximum": 365}}, ["replyWorkingDays", "odrNegotiationWorkingDays"], True),
        "sessions": obj({"idleMinutes": {"type": "integer", "minimum": 5, "maximum": 1440},
                         "absoluteHours": {"type": "integer", "minimum": 1, "maximum": 2160}}, ["idleMinutes", "absoluteHours"], True),
    }, ["routing", "deadlines", "evidence"], True),
    "PolicyChange": obj({"at": DT, "by": STR, "changes": {"type": "array", "items": obj({"field": STR, "old": {}, "new": {}}, ["field"])}}, ["at", "by", "changes"]),
    "NextStep": obj({"code": enum(["respond_to_proposal", "escalate_internal", "external_12315", "external_black_cat", "compensation_fraud", "court", "reopen", "rate"]),
                     "title": STR, "detail": STR, "rule": STR, "available": BOOL, "recommended": BOOL, "at": DT, "amountFen": INT},
                    ["code", "title", "detail", "rule", "available", "recommended"]),
    "Guidance": obj({"complaintId": STR, "caseNumber": STR, "steps": {"type": "array", "items": ref("NextStep")},
                     "complaintText": {**STR, "description": "A complaint for 12315 or 黑猫投诉 built from the case facts"}},
                    ["complaintId", "caseNumber", "steps", "complaintText"]),
    "Webhook": obj({"id": STR, "url": STR, "topics": {"type": "array", "items": enum(TOPICS)}, "merchantId": STR, "createdAt": DT, "disabled": BOOL,
                    "secret": {**STR, "description": "HMAC-SHA256 key; returned once, at creation"}, "signatureHeader": STR},
                   ["id", "url", "topics", "createdAt", "disabled", "signatureHeader"]),
    "Delivery": obj({"id": INT, "topic": enum(TOPICS), "complaintId": STR, "caseNumber": STR, "channel": enum(["email", "webhook"]),
                     "destination": {**STR, "description": "A webhook id, or an e-mail address masked"}, "status": enum(["pending", "delivered", "dead"]),
                     "attempts": INT, "nextAttemptAt": DT, "lastError": STR, "deliveredAt": DT, "createdAt": DT,
                     "log": {"type": "array", "items": obj({"attempt": INT, "at": DT, "ok": BOOL, "statusCode": INT, "error": STR, "durationMs": INT},
                                                          ["attempt", "at", "ok", "durationMs"])}},
                    ["id", "topic", "complaintId", "caseNumber", "channel", "destination", "status", "attempts", "createdAt"]),
    "HolidayYear": obj({"year": {"type": "integer", "minimum": 2000, "maximum": 2100}, "region": STR, "timeZone": STR, "source": STR,
                        "daysOff": {"type": "array", "items": {"type": "string", "format": "date"}},
                        "workingWeekends": {"type": "array", "items": {"type": "string", "format": "date"}}},
                       ["year", "region", "timeZone", "daysOff", "workingWeekends"], True),
    "Health": obj({"status": enum(["ok"]), "complaints": {**INT, "description": "Cases kept; only with the metrics token"}}, ["status"]),
}

ERROR_TEXT = {
    "400": "Malformed JSON or query parameter",
    "401": "Not signed in, token invalid or expired",
    "403": "Not allowed for this role",
    "404": "Not found (another member's case also answers 404)",
    "409": "Conflict: illegal transition, already at the top tier, log-in taken",
    "413": "Body or file too large",
    "415": "Unsupported content type or file type",
    "422": "A field is invalid; `field` names it",
    "429": "Too many failed log-ins",
    "503": "Storage unavailable",
}

def errors(*codes):
    return {c: {"description": ERROR_TEXT[c], "content": {"application/json": {"schema": ref("Error")}}} for c in codes}

def ok(schema, code="200", description="OK", headers=None):
    r = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        r["headers"] = headers
    return {code: r}

def body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}

def op(summary, responses, request=None, params=None, auth=True, description=None, tags=None):
    o = {"summary": summary, "responses": responses}
    if description:
        o["description"] = description
    if request:
        o["requestBody"] = request
    if params:
        o["parameters"] = params
    if not auth:
        o["security"] = []
    if tags:
        o["tags"] = tags
    return o

def path_param(name, description, schema=None):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or STR}

def query(name, description, schema, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}

ID = path_param("id", "Complaint id")
CHAT = path_param("chatId", "Chat id")
JSON_IN = ("400", "401", "413", "415", "422", "503")
LOCATION = {"Location": {"schema": STR, "description": "The new complaint's URL"}}

def process_paths():
    """The three-party process: merchants, respondent, records, rulings, freezes, external routes, guidance, notifications."""
    cid = [ID]
    def post(summary, schema, code="200", extra=(), params=None, tags=("process",), description=None):
        responses = {**ok(ref("Change"), code, "The case and the new events"), **errors(*JSON_IN, "403", "404", "409", *extra)}
        return {"post": op(summary, responses, body(schema), params=(params or []) + cid, tags=list(tags), description=description)}
    page = {**ok(ref("ComplaintPage")), **errors("400", "401", "403", "503")}
    paging = [query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 200}),
              query("offset", "Items to skip", {"type": "integer", "minimum": 0, "maximum": 10000000}),
              query("all", "true: finished cases too (a search reads them unless all is false)", enum(["true", "false"])),
              query("cursor", "A merchant's next page of open cases (the previous page's nextCursor), read in deadline order from an index",
                    {"type": "string", "maxLength": 200}),
              query("q", "Words to search for (Chinese two-character words such as 退款 work; a case or order number too): "
                                "the cases found, best match first, each with the passage that matched", {"type": "string", "maxLength": 400})]
    mid = path_param("merchantId", "Merchant id")
    return {
        "/api/v1/merchants": {
            "post": op("Register a merchant with its qualification records (admin)", {**ok(ref("MerchantRecord"), "201", "Created"), **errors(*JSON_IN, "403", "409")},
                       body(ref("MerchantDraft")), tags=["merchants"]),
            "get": op("Merchants (staff)", {**ok({"type": "array", "items": ref("MerchantRecord")}), **errors("400", "401", "403", "503")},
                      params=[query("verificationDue", "Only those due (or not) for re-verification (电子商务法 Art. 27)", enum(["true", "false"]))], tags=["merchants"]),
        },
        "/api/v1/merchants/{merchantId}": {
            "get": op("One merchant (staff, or its own users)", {**ok(ref("MerchantRecord")), **errors("401", "403", "404", "503")}, params=[mid], tags=["merchants"]),
            "put": op("Update a merchant's records (admin); a changed licence or name needs verifying again",
                      {**ok(ref("MerchantRecord")), **errors(*JSON_IN, "403", "404", "409")}, body(ref("MerchantDraft")), params=[mid], tags=["merchants"]),
        },
        "/api/v1/merchants/{merchantId}/verification": {"post": op("Record that the records were checked today (admin)",
            {**ok(ref("MerchantRecord")), **errors("401", "403", "404", "503")}, params=[mid], tags=["merchants"])},
        "/api/v1/merchant/cases": {"get": op("A merchant's cases, nearest deadline first; members' personal data masked", page, params=paging, tags=["merchants"])},
        "/api/v1/reviewer/cases": {"get": op("An external reviewer's cases", page, params=paging, tags=["process"])},
        "/api/v1/complaints/{id}/respondent": post("Change who answers for the case, with a reason (L2 and above)",
            obj({"kind": enum(["platform", "merchant"]), "merchantId": STR, "reason": TEXT(2000)}, ["kind", "reason"], True)),
        "/api/v1/complaints/{id}/records-requests": post("Ask the merchant for its original records by a deadline (电子商务法 Art. 62)",
            obj({"needed": TEXT(2000), "dueAt": {**DT, "description": "Default: the policy's evidence window (72 h); must be in the future"}}, ["needed"], True), "201"),
        "/api/v1/complaints/{id}/records-requests/{requestId}/submission": post("The merchant answers a records request, naming evidence files already uploaded",
            obj({"note": TEXT(10000), "files": {"type": "array", "items": STR, "maxItems": 100}}, ["note", "files"], True),
            params=[path_param("requestId", "Records request id")]),
        "/api/v1/complaints/{id}/remedy-offers": post("The respondent merchant offers a remedy; the member accepts or disputes it (silence for 7 days accepts)",
            obj({"remedy": ref("Remedy"), "amountFen": {"type": "integer", "minimum": 0, "maximum": 10000000000}, "note": TEXT(10000)}, ["remedy", "note"], True), "201"),
        "/api/v1/complaints/{id}/rulings": post("Decide the case (L2, risk control, admin, or an assigned external reviewer)",
            obj({"outcome": enum(OUTCOMES), "remedy": ref("Remedy"), "amountFen": {"type": "integer", "minimum": 0, "maximum": 1000000000000}, "reason": TEXT(2000)},
                ["outcome", "reason"], True), "201"),
        "/api/v1/complaints/{id}/rulings/confirm-proposed": {"post": op("Confirm the ruling proposed after a merchant default (L2 and above)",
            {**ok(ref("Change"), "201", "The case and the new events"), **errors("401", "403", "404", "409", "422", "503")}, params=cid, tags=["process"])},
        "/api/v1/complaints/{id}/freezes": post("Freeze an order or an account, with a reason (risk control, admin)",
            obj({"target": enum(["order", "account"]), "reference": TEXT(200), "reason": TEXT(2000)}, ["target", "reference", "reason"], True), "201"),
        "/api/v1/complaints/{id}/freezes/{freezeId}/release": post("Release a freeze, with a reason (risk control, admin)",
            obj({"reason": TEXT(2000)}, ["reason"], True), params=[path_param("freezeId", "Freeze id")]),
        "/api/v1/complaints/{id}/external-complaints": post("Record a complaint about the same dispute on another channel; starts its working-day clocks",
            obj({"channel": enum(CHANNELS), "reference": TEXT(100), "filedOn": {"type": "string", "format": "date"}, "note": TEXT(2000)},
                ["channel", "reference", "filedOn"], True), "201"),
        "/api/v1/complaints/{id}/external-complaints/{externalId}": post("Move an external complaint on (platform_replied: staff only)",
            obj({"status": enum(EXTERNAL_STATUSES), "note": TEXT(2000)}, ["status"], True), params=[path_param("externalId", "External complaint id")]),
        "/api/v1/complaints/{id}/rating": post("The member rates the handling once the case is finished (1–5 each)",
            obj({"attitude": {"type": "integer", "minimum": 1, "maximum": 5}, "speed": {"type": "integer", "minimum": 1, "maximum": 5},
                 "overall": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": TEXT(1000)}, ["attitude", "speed", "overall"], True), "201"),
        "/api/v1/complaints/{id}/reviewers": post("Give an external reviewer the case (admin)", obj({"reviewerId": STR}, ["reviewerId"], True), "201"),
        "/api/v1/complaints/{id}/guidance": {"get": op("Next steps for the member with the rule behind each, and a pre-filled complaint for 12315 / 黑猫投诉",
            {**ok(ref("Guidance")), **errors("401", "403", "404", "503")}, params=cid, tags=["process"])},
        "/api/v1/policy/history": {"get": op("Every policy change: who, when, each setting old → new (admin)",
            {**ok({"type": "array", "items": ref("PolicyChange")}), **errors("400", "401", "403", "503")},
            params=[query("limit", "At most this many", {"type": "integer", "minimum": 1, "maximum": 500})], tags=["policy"])},
        "/api/v1/webhooks": {
            "post": op("Subscribe a URL to notices (admin; a merchant for its own cases). Deliveries carry Redress-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>",
                       {**ok(ref("Webhook"), "201", "Created; the secret is shown this once"), **errors(*JSON_IN, "403")},
                       body(obj({"url": {**STR, "description": "http:// or https://; a merchant's must be a public address (private_address otherwise)"}, "topics": {"type": "array", "items": STR, "description": "Empty or absent: every topic"}}, ["url"], True)),
                       tags=["notifications"]),
            "get": op("Webhook subscriptions", {**ok({"type": "array", "items": ref("Webhook")}), **errors("401", "403", "503")}, tags=["notifications"]),
        },
        "/api/v1/webhooks/{webhookId}/disabled": {"post": op("Disable or re-enable a webhook", {**ok(ref("Webhook")), **errors(*JSON_IN, "403", "404")},
            body(obj({"disabled": BOOL}, ["disabled"], True)), params=[path_param("webhookId", "Webhook id")], tags=["notifications"])},
        "/api/v1/deliveries": {"get": op("The outbox, newest first (admin)", {**ok({"type": "array", "items": ref("Delivery")}), **errors("400", "401", "403", "503")},
            params=[query("status", "Only this status", enum(["pending", "delivered", "dead"])),
                    query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 500}),
                    query("offset", "Items to skip", {"type": "integer", "minimum": 0, "maximum": 10000000})], tags=["notifications"])},
        "/api/v1/deliveries/{deliveryId}": {"get": op("One delivery with its log of attempts (admin)", {**ok(ref("Delivery")), **errors("401", "403", "404", "503")},
            params=[path_param("deliveryId", "Delivery id")], tags=["notifications"])},
        "/api/v1/deliveries/{deliveryId}/replay": {"post": op("Send a delivery again; its log is kept (admin)",
            {**ok(ref("Delivery"), "202", "Queued"), **errors("401", "403", "404", "503")}, params=[path_param("deliveryId", "Delivery id")], tags=["notifications"])},
    }

paths = {
    "/health": {"get": op("Liveness and store check (the number of cases only with the metrics token as bearer)", {**ok(ref("Health")), **errors("401", "503")}, auth=False, tags=["system"])},
    "/metrics": {"get": op("Prometheus metrics (bearer: the metrics token, REDRESS_METRICS_TOKEN)", {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": STR}}}, **errors("401")},
                          auth=False, tags=["system"])},
    "/openapi.json": {"get": op("This document", {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("401")},
                               auth=False, tags=["system"])},
    "/api/v1/openapi.json": {"get": op("This document", {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}, **errors("401")},
                                      auth=False, tags=["system"])},
    "/api/v1/auth/logout": {"post": op("Log out: the bearer token the request carries is ended (401 from now on, on every server within seconds)",
                                       {"204": {"description": "Logged out"}, **errors("400", "401", "503")}, tags=["accounts"])},
    "/api/v1/auth/login": {"post": op("Log in; returns a bearer token", {**ok(ref("LoginResponse")), **errors("400", "401", "413", "415", "422", "429", "503")},
                                      body(ref("LoginRequest")), auth=False, tags=["accounts"],
                                      description="Five failed attempts for one log-in from one client within 15 minutes, or twenty for any log-ins from one client, "
                                                  "answer 429 with Retry-After for that client; the log-in stays open to every other client. "
                                                  "After ten failures for one log-in from anywhere each try takes a second longer.")},
    "/api/v1/members": {"post": op("Register as a member (ten registrations per client an hour)", {**ok(ref("User"), "201", "Created"), **errors(*JSON_IN, "409", "429")},
                                   body(ref("Registration")), auth=False, tags=["accounts"])},
    "/api/v1/me": {"get": op("The signed-in user", {**ok(ref("User")), **errors("401", "503")}, tags=["accounts"]),
                   "patch": op("Correct one's own name, phone or e-mail (PIPL Art. 46); an empty phone or e-mail removes it",
                               {**ok(ref("User")), **errors(*JSON_IN)}, body(ref("ProfileChange")), tags=["accounts"])},
    "/api/v1/me/export": {"get": op("A copy of everything kept about the caller (PIPL Art. 45): a ZIP with the account and, for a member, "
                                    "every case as they read it with its timeline and evidence files",
                                    {"200": {"description": "A ZIP archive", "content": {"application/zip": {"schema": {"type": "string"}}}},
                                     **errors("401", "503")}, tags=["accounts"])},
    "/api/v1/me/erasure": {"post": op("Erase one's own account (members, giving the password): log-in, name, phone and e-mail replaced by a "
                                      "pseudonym at once, every session ended, the account disabled; the cases stay under legal hold (3 years)",
                                      {"204": {"description": "Erased; an erasure request queued for an admin (GET /api/v1/erasure-requests)"},
                                       **errors(*JSON_IN, "403")}, body(ref("ErasureRequest")), tags=["accounts"])},
    "/api/v1/erasure-requests": {"get": op(
        "Members' erasure requests (admin): pending ones nearest deadline first (15 working days), or all newest first",
        {**ok({"type": "array", "items": ref("ErasureRecord")}), **errors("400", "401", "403", "503")},
        params=[query("status", "pending (default) or all", enum(["pending", "all"]))], tags=["accounts"])},
    "/api/v1/erasure-requests/{requestId}/carry-out": {"post": op(
        "Carry out an erasure request (admin): the member's data key is destroyed, so the words of their cases and file names "
        "can no longer be read; the cases stay under legal hold and the evidence log still verifies",
        {**ok(ref("ErasureRecord")), **errors("401", "403", "404", "409", "503")},
        params=[path_param("requestId", "Erasure request id")], tags=["accounts"])},
    "/api/v1/mail/inbound": {
        "post": {**op("Hand over one e-mail message (the mail gateway, `redress mailgate`; bearer: REDRESS_MAILGATE_TOKEN)",
                      {**ok(ref("MailReceipt"), "201", "Filed as a complaint or added to its case"),
                       **ok(ref("MailReceipt"), "202", "Kept: held for its sender to confirm, ignored (written by a machine, or over the sender's rate) or kept aside with the reason"),
                       **ok(ref("MailReceipt"), "200", "Taken before (same Message-ID): answered as the first time"),
                       **errors("401", "403", "413", "415", "422", "503")},
                      {"required": True, "content": {"message/rfc822": {"schema": {"type": "string", "contentMediaType": "message/rfc822"}}}},
                      params=[query("recipient", "The envelope recipient the mail system delivered to", STR)], tags=["mail"],
                      description="A reply joins its case only with the tag a notice carried for the sender's address (in the reply address or the "
                                  "Message-ID it answers); new mail from an address a member confirmed files a complaint (channel email); mail from "
                                  "other addresses is held 14 days and its sender asked to confirm. Bounces, auto-replies and bulk mail are never "
                                  "answered. 403 when the server has no gateway credential; 413 above REDRESS_MAIL_MAX_BYTES (10 MiB)."),
                 "security": [{"mailgate": []}]},
        "get": op("Mail received, newest first (admin)", {**ok({"type": "array", "items": ref("InboundMail")}), **errors("400", "401", "403", "503")},
                  params=[query("status", "Only this status, or all (default)", enum(MAIL_STATUSES + ["all"]))], tags=["mail"]),
    },
    "/api/v1/mail/held/{token}": {"get": op("A message held for the signed-in member to confirm (the link in the answer it was sent)",
                                            {**ok(ref("HeldMail")), **errors("401", "403", "404", "503")},
                                            params=[path_param("token", "The secret of the confirmation link")], tags=["mail"])},
    "/api/v1/mail/held/{token}/confirm": {"post": op("Confirm a held message as one's own (member): the address is confirmed for the account and the "
                                                     "message filed as a complaint with its files as evidence",
                                                     {**ok(ref("Complaint"), "201", "Filed", LOCATION), **errors(*JSON_IN, "403", "404")},
                                                     body(ref("MailConfirm")), params=[path_param("token", "The secret of the confirmation link")],
                                                     tags=["mail"])},
    "/api/v1/chats": {
        "post": op("Open an online support chat with one's first words (member); with no agent on duty it waits as a message and "
                   "expectedReplyBy says when to expect an answer", {**ok(ref("Chat"), "201", "Opened"), **errors(*JSON_IN, "403", "404", "409")},
                   body(ref("ChatOpen")), tags=["chat"]),
        "get": op("A member's own chats, or the waiting and open chats for agents (longest waiting first)",
                  {**ok({"type": "array", "items": ref("Chat")}), **errors("401", "403", "503")}, tags=["chat"]),
    },
    "/api/v1/chats/{chatId}": {"get": op("A chat and its messages after a sequence number", {**ok(ref("Chat")), **errors("400", "401", "404", "503")},
                                         params=[CHAT, query("after", "Only messages after this sequence number", {**INT, "minimum": 0})], tags=["chat"])},
    "/api/v1/chats/{chatId}/live": {"get": op("New messages (event: message) and changes of state (event: chat) as server-sent events",
                                              {"200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": STR}}},
                                               **errors("400", "401", "404", "429", "503")},
                                              params=[CHAT, query("after", "Send messages after this sequence number", {**INT, "minimum": 0})], tags=["chat"])},
    "/api/v1/chats/{chatId}/messages": {"post": op("Write in the chat (its member, or an agent: an agent's first message takes a waiting chat)",
                                                   {**ok(ref("ChatMessage"), "201", "Sent"), **errors(*JSON_IN, "404", "409")},
                                                   body(ref("ChatPost")), params=[CHAT], tags=["chat"])},
    "/api/v1/chats/{chatId}/take": {"post": op("Take a waiting chat (agent); 409 when another agent has", {**ok(ref("Chat")), **errors("401", "403", "404", "409", "503")},
                                               params=[CHAT], tags=["chat"])},
    "/api/v1/chats/{chatId}/close": {"post": op("End the chat (its member or an agent); a chat about a case leaves its transcript on the case (staff only)",
                                                {**ok(ref("Chat")), **errors("401", "404", "409", "503")}, params=[CHAT], tags=["chat"])},
    "/api/v1/chats/{chatId}/proposal": {"post": op("Propose a complaint from the chat (agent): category, order number and narrative pre-filled from "
                                                   "what the member said", {**ok(ref("Chat")), **errors(*JSON_IN, "403", "404", "409")},
                                                   body(ref("ChatProposal")), params=[CHAT], tags=["chat"])},
    "/api/v1/chats/{chatId}/confirm": {"post": op("Confirm the proposed complaint (the chat's member): filed with channel chat, the transcript sealed "
                                                  "into the case's timeline as a staff-only note",
                                                  {**ok(ref("Complaint"), "201", "Filed", LOCATION), **errors("401", "403", "404", "409", "422", "503")},
                                                  params=[CHAT], tags=["chat"])},
    "/api/v1/duty": {"get": op("Whether the caller is on duty for chats, and how many agents are", {**ok(ref("Duty")), **errors("401", "503")}, tags=["chat"]),
                     "put": op("Go on duty for chats for 10 minutes (renewed while the agents' page is open), or off (agents)",
                               {**ok(ref("Duty")), **errors(*JSON_IN, "403")}, body(ref("DutyChange")), tags=["chat"])},
    "/api/v1/users": {
        "get": op("List users (admin)", {**ok({"type": "array", "items": ref("User")}), **errors("400", "401", "403", "503")},
                  params=[query("role", "Only this role", enum(ROLES))], tags=["accounts"]),
        "post": op("Create a user of any role (admin)", {**ok(ref("User"), "201", "Created"), **errors(*JSON_IN, "403", "409")},
                   body(ref("NewUser")), tags=["accounts"]),
    },
    "/api/v1/users/{userId}/disabled": {"post": op("Disable or re-enable a user (admin)", {**ok(ref("User")), **errors(*JSON_IN, "403", "404", "409")},
                                                   body(ref("DisableRequest")), params=[path_param("userId", "User id")], tags=["accounts"])},
    "/api/v1/me/password": {"post": op("Change one's own password: every other session and token of the account ends (on every server within seconds); "
                                        "the answer carries a new token", {**ok(ref("LoginResponse")), **errors(*JSON_IN, "403")},
                                        body(ref("PasswordChange")), tags=["accounts"])},
    "/api/v1/users/{userId}/password": {"post": op("Set a new password for another user (admin; one's own is changed with the current one, 409); "
                                                   "the user's sessions and tokens end",
                                                   {**ok(ref("User")), **errors(*JSON_IN, "403", "404", "409")},
                                                   body(ref("PasswordReset")), params=[path_param("userId", "User id")], tags=["accounts"])},
    "/api/v1/complaints": {
        "post": op("File a complaint (member)", {**ok(ref("Complaint"), "201", "Created (or replayed from the Idempotency-Key)", LOCATION),
                                                **errors(*JSON_IN, "403")},
                   body(ref("ComplaintDraft")),
                   params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                            "description": "Same key and body: the same complaint (201, Idempotent-Replayed: true); same key, other body: 422",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
                   tags=["complaints"],
                   description="Routes the case (L1; amount above the threshold or security dimension → risk control; emergency → emergency queue) "
                               "and starts its clocks (first response 24 h, emergency 1 h; resolution 72 h)."),
        "get": op("A member's own complaints, or a staff member's queues sorted by nearest deadline",
                  {**ok(ref("ComplaintPage")), **errors("400", "401", "403", "503")},
                  params=[query("status", "Comma-separated statuses", STR), query("tier", "Tier", enum(TIERS)), query("queue", "Queue (staff)", enum(QUEUES)),
                          query("category", "Category code", enum(CATEGORIES)), query("overdue", "Only cases with an unmet deadline already due", enum(["true", "false"])),
                          query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 200}),
                          query("offset", "Items to skip", {"type": "integer", "minimum": 0, "maximum": 10000000}),
                          query("cursor", "A staff queue's next page (the previous page's nextCursor): read from the queue's index, "
                                "stable while cases come and go", {"type": "string", "maxLength": 200}),
                          query("q", "Words to search for (Chinese two-character words such as 退款 work; a case or order number too): "
                                "the cases found, best match first, each with the passage that matched", {"type": "string", "maxLength": 400})],
                  tags=["complaints"],
                  description="A staff queue (open cases of the caller's queues, no status filter) is read through the queue index in "
                              "its order and stops at the page; its total is counted up to 10,000 (totalIsLowerBound beyond). "
                              "Other lists count every match. With q, a search: the newest 4,000 matching passages are looked at, "
                              "the first 500 the filters allow are ranked by case (totalIsLowerBound when more match), paged with offset; a staff search reads "
                              "closed cases too unless a status is given."),
    },
    "/api/v1/complaints/{id}": {"get": op("One complaint", {**ok(ref("Complaint")), **errors("401", "403", "404", "503")}, params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/timeline": {"get": op("The case's hash-chained events (internal notes only for staff)",
                                                   {**ok({"type": "array", "items": ref("Event")}), **errors("401", "403", "404", "503")}, params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/verify": {"get": op("Check the case's chain, its evidence files and its entries in the evidence log under a signed head; names the first failure",
                                                 {**ok(ref("VerifyReport")), **errors("401", "403", "404", "503")}, params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/receipts": {"get": op("A receipt for every log entry of the case the caller may see (members: not internal notes)",
                                                   {**ok(ref("Receipts")), **errors("401", "403", "404", "503")}, params=[ID], tags=["ledger"],
                                                   description="Each receipt, with the log's public key alone, proves the platform accepted that exact content at that time.")},
    "/api/v1/complaints/{id}/dossier": {"get": op("The case dossier (ZIP): summary in Chinese, every file, manifest, signed head, proofs, key",
        {"200": {"description": "A ZIP archive; check it offline with `redress verify-dossier`", "content": {"application/zip": {"schema": {"type": "string"}}}},
         **errors("400", "401", "403", "404", "429", "503")},
        params=[ID, query("audience", "member (default): internal notes withheld; court (admins): everything, and says so", enum(["member", "court"]))],
        tags=["ledger"])},
    "/api/v1/complaints/{id}/messages": {"post": op("A public reply or (staff) an internal note",
                                                    {**ok(ref("Change"), "201", "Created"), **errors(*JSON_IN, "403", "404", "409")},
                                                    body(ref("Message")), params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/escalate": {"post": op("Escalate one tier (member: once a response deadline has passed or after disputing an answer)",
                                                    {**ok(ref("Change")), **errors(*JSON_IN, "403", "404", "409")},
                                                    body(ref("Escalation")), params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/transitions": {"post": op("Staff actions on the case's life cycle, and assignment",
                                                       {**ok(ref("Change")), **errors(*JSON_IN, "403", "404", "409")},
                                                       body(ref("Transition")), params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/confirm": {"post": op("The member accepts or disputes a proposed resolution",
                                                   {**ok(ref("Change")), **errors(*JSON_IN, "403", "404", "409")},
                                                   body(ref("Confirmation")), params=[ID], tags=["complaints"])},
    "/api/v1/complaints/{id}/evidence": {
        "get": op("Evidence files on the case", {**ok({"type": "array", "items": ref("Evidence")}), **errors("401", "403", "404", "503")}, params=[ID], tags=["evidence"]),
        "post": op("Upload an evidence file (JPEG, PNG, WebP, PDF or plain text; type read from the bytes; 422 too_many_files or "
                   "member_quota_exceeded past the policy's quotas, infected_file when clamd finds a signature; 503 scanner_unavailable "
                   "when clamd does not answer and the policy refuses)",
                   {**ok(ref("Upload"), "201", "Stored"), **ok(ref("Upload"), "200", "Already on the case"), **errors(*JSON_IN, "403", "404", "409")},
                   {"required": True, "content": {"multipart/form-data": {"schema": obj({"file": {"type": "string", "contentMediaType": "application/octet-stream"}}, ["file"], True)}}},
                   params=[ID], tags=["evidence"]),
    },
    "/api/v1/complaints/{id}/evidence/{sha256}": {"get": op("Download an evidence file by its SHA-256",
        {"200": {"description": "The file's bytes", "content": {t: {"schema": {"type": "string"}} for t in ["image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain", "message/rfc822"]}},
         **errors("400", "401", "403", "404", "409", "503")},
        params=[ID, path_param("sha256", "Lowercase hex SHA-256")], tags=["evidence"],
        description="409 file_quarantined: the file awaits its virus scan, or a rescan found it infected.")},
    "/api/v1/ledger/head": {"get": op("The latest signed tree head of the evidence log", {**ok(ref("TreeHead")), **errors("401", "503")}, auth=False, tags=["ledger"])},
    "/api/v1/ledger/heads": {
        "get": op("Signed tree heads in size order", {**ok({"type": "array", "items": ref("TreeHead")}), **errors("400", "401", "503")},
                  params=[query("from", "Smallest tree size", {"type": "integer", "minimum": 0, "maximum": 2147483647}),
                          query("limit", "At most this many", {"type": "integer", "minimum": 1, "maximum": 500})],
                  auth=False, tags=["ledger"]),
        "post": op("Sign a head over everything committed now (admin)", {**ok(ref("TreeHead"), "201", "Signed"), **ok(ref("TreeHead"), "200", "Already signed"),
                                                                         **errors("401", "403", "503")}, tags=["ledger"]),
    },
    "/api/v1/ledger/key": {"get": op("The log's Ed25519 public key, and every earlier key", {**ok(ref("LedgerKeys")), **errors("401", "503")}, auth=False, tags=["ledger"])},
    "/api/v1/ledger/proofs/inclusion": {"get": op("RFC 9162 inclusion proof (audit path) of a leaf", {**ok(ref("InclusionProof")), **errors("400", "401", "503")},
        params=[query("leafIndex", "Leaf index, below treeSize", {"type": "integer", "minimum": 0}, True),
                query("treeSize", "Tree size, at most the log's size", {"type": "integer", "minimum": 1}, True)], auth=False, tags=["ledger"])},
    "/api/v1/ledger/proofs/consistency": {"get": op("RFC 9162 consistency proof between two tree sizes", {**ok(ref("ConsistencyProof")), **errors("400", "401", "503")},
        params=[query("from", "The older size (≥ 1)", {"type": "integer", "minimum": 1}, True),
                query("to", "The newer size, at most the log's size", {"type": "integer", "minimum": 1}, True)], auth=False, tags=["ledger"])},
    "/api/v1/taxonomy": {"get": op("Complaint categories with the evidence asked for", {**ok({"type": "array", "items": ref("Category")}), **errors("401")}, auth=False, tags=["reference"])},
    "/api/v1/calendar/deadline": {"get": op("Deadline calculator on the working-day calendar (Asia/Shanghai)",
        {**ok(ref("DeadlineComputation")), **errors("400", "401", "503")},
        params=[query("start", "RFC 3339 instant", DT, True),
                query("workingDays", "Working days after the start day (民法典 Art. 201); ends 23:59:59 local", {"type": "integer", "minimum": 0, "maximum": 3650}),
                query("hours", "Natural hours", {"type": "integer", "minimum": 0, "maximum": 87600}),
                query("days", "Natural days; a last day off rolls to the next working day (Art. 203)", {"type": "integer", "minimum": 0, "maximum": 3650})],
        auth=False, tags=["reference"], description="Give exactly one of workingDays, hours, days.")},
    "/api/v1/calendar/years": {"get": op("Holiday calendars on file", {**ok({"type": "array", "items": ref("HolidayYear")}), **errors("401", "503")}, auth=False, tags=["reference"])},
    "/api/v1/calendar/years/{year}": {"put": op("Add or replace a year's holiday calendar (admin)", {**ok(ref("HolidayYear")), **errors(*JSON_IN, "403")},
                                                body(ref("HolidayYear")), params=[path_param("year", "Year", {"type": "integer"})], tags=["reference"])},
    **process_paths(),
    "/api/v1/live": {"get": op(
        "Live updates: a server-sent event each time a case the caller may see changes",
        {"200": {"description": "An event stream (text/event-stream): `event: case`, `id: <complaintId>:<eventCount>`, "
                                "`data: {\"complaintId\": …, \"eventCount\": …}`; a comment line every 15 s; the stream ends after 10 minutes "
                                "(EventSource reconnects by itself)",
                 "content": {"text/event-stream": {"schema": STR}}},
         **errors("401", "403", "404", "429", "503")},
        params=[query("complaintId", "Only this case (404 if the caller may not see it)", STR)], tags=["complaints"],
        description="Members hear of their own cases, merchants of the cases against them, staff of their tier's queues. "
                    "With PostgreSQL, a change made through any server sharing the database is announced on every server.")},
    "/api/v1/public/merchants": {"get": op(
        "The merchants registered on the platform (public): shop-name order, or those matching q",
        {**ok(ref("PublicMerchantDirectory")), **errors("400", "401", "503")},
        params=[query("q", "Part of the shop or registered name, or the start of the licence number", {"type": "string", "maxLength": 100}),
                query("limit", "At most this many (1–200, default 50)", {"type": "integer", "minimum": 1, "maximum": 200}),
                query("offset", "Skip this many", {"type": "integer", "minimum": 0, "maximum": 10000000})],
        auth=False, tags=["public"],
        description="Registered details and verification only: no contact person, no member, no case.")},
    "/api/v1/public/merchants/{merchantId}": {"get": op(
        "A merchant's public record and its complaint figures over 30, 90 and 365 days beside the platform's (public)",
        {**ok(ref("PublicMerchantPage")), **errors("401", "404", "503")},
        params=[path_param("merchantId", "Merchant id", STR)], auth=False, tags=["public"],
        description="Figures come from the maintained aggregates (the day a case was filed, Beijing time); a span with fewer than "
                    "minimumCases cases has no figures. Completed: the member accepted the outcome or a ruling closed the case; "
                    "answered: the platform or the merchant first answered the member; repeat: reopened after it finished.")},
    "/api/v1/guide": {"get": op(
        "The published complaint guide, written from the policy in force (public)",
        {**ok(ref("Guide")), **errors("400", "401", "503")},
        params=[query("date", "The guide as in force on this day (yyyy-mm-dd, Beijing time); today when absent", {"type": "string", "format": "date"})],
        auth=False, tags=["reference"],
        description="Channels, the promised times, what happens when one is missed, what to prepare per problem, the merchant's burden of proof, "
                    "the proposal and its answer, the outside routes with their clocks and how to check a dossier. Chinese by default; "
                    "Accept-Language: en for English.")},
    "/api/v1/policy": {
        "get": op("Routing thresholds, deadlines and limits in force (staff)", {**ok(ref("Policy")), **errors("401", "403", "503")}, tags=["policy"]),
        "put": op("Change the policy (admin); applies within seconds without a restart", {**ok(ref("Policy")), **errors(*JSON_IN, "403")},
                  body(ref("Policy")), tags=["policy"]),
    },
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Redress 维权台 API", "version": "1.0.0",
             "description": "Complaint handling and dispute resolution for virtual-goods platforms. Money is in integer fen; instants are RFC 3339 in UTC. "
                            "Errors are {\"error\": {\"code\", \"message\", \"field\"}}; messages are zh-CN unless Accept-Language prefers English."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "tags": [{"name": n} for n in ["complaints", "process", "merchants", "evidence", "ledger", "accounts", "reference", "public", "policy", "notifications", "mail", "chat", "system"]],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Token from POST /api/v1/auth/login"},
                                                       "mailgate": {"type": "http", "scheme": "bearer", "description": "The mail gateway's credential (REDRESS_MAILGATE_TOKEN)"}}},
}

text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
if "--check" in sys.argv:
    if OUT.read_text(encoding="utf-8") != text:
        sys.exit(f"{OUT} is stale: run python3 scripts/openapi.py")
else:
    OUT.write_text(text, encoding="utf-8")
