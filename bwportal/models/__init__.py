"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from .api import ApiToken, Change
from .assignment import EAAssignment
from .audit import AuditEvent
from .buyer import BuyerOrganisation, Subscription, SubscriptionStatus
from .catalogue import Cluster, CompliancePoint, RaisedBy, RootCause
from .committee import (
    CommitteeMeeting,
    CommitteeMember,
    Gender,
    HowChosen,
    MeetingAttendee,
    MemberProposal,
    MemberRole,
    ProposalStatus,
)
from .cycle import AdvisoryVisit, Cycle, Finding
from .document import Document, DocumentStatus
from .factory import Factory, FactoryCustomer
from .findings_import import FindingsImport, FindingsImportStatus
from .idempotency import IdempotencyKey
from .invitation import Invitation
from .ip import EventKind, IPEvent, IPItem, IPItemFile, IPStatus, Origin
from .outbox import OutboxMessage, OutboxStatus
from .password_reset import PasswordReset
from .programme import Programme
from .public import EvidenceFile, PublicResponse
from .report import ProgressReport, ReportComment, ReportKind, ReportSection, ReportStatus, ReportTransition
from .training import Enrolment, EnrolmentStatus, FactoryTraining, TrainingCourse, TrainingSession
from .upload import Upload
from .user import Role, User

__all__ = [
    "IPItemFile",
    "Upload",
    "ApiToken",
    "Change",
    "Document",
    "FindingsImport",
    "FindingsImportStatus",
    "DocumentStatus",
    "OutboxMessage",
    "OutboxStatus",
    "AuditEvent",
    "IdempotencyKey",
    "Invitation",
    "PasswordReset",
    "CommitteeMeeting",
    "CommitteeMember",
    "Gender",
    "HowChosen",
    "MeetingAttendee",
    "MemberProposal",
    "MemberRole",
    "ProposalStatus",
    "EvidenceFile",
    "PublicResponse",
    "Enrolment",
    "EnrolmentStatus",
    "FactoryTraining",
    "TrainingCourse",
    "TrainingSession",
    "AdvisoryVisit",
    "Cluster",
    "CompliancePoint",
    "Cycle",
    "EventKind",
    "Finding",
    "IPEvent",
    "IPItem",
    "IPStatus",
    "Origin",
    "RaisedBy",
    "RootCause",
    "BuyerOrganisation",
    "EAAssignment",
    "Factory",
    "FactoryCustomer",
    "Programme",
    "ProgressReport",
    "ReportComment",
    "ReportKind",
    "ReportSection",
    "ReportStatus",
    "ReportTransition",
    "Role",
    "Subscription",
    "SubscriptionStatus",
    "User",
]
