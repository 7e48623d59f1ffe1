"""Who may do what, as data. Views and templates ask ``can``; IP forms ask ``ip_field_writable``.

Tenancy (which factory) is decided separately by domain.tenancy; these tables say what a
role may do to a factory it can see.
"""

import enum

from ..models import IPStatus, Origin, Role

# Action names are "<area>.<verb>".
ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.FACTORY: frozenset({
        "enterprise.view", "enterprise.edit",
        "ip.view", "ip.edit", "ip.create", "ip.report_remediated", "ip.comment", "ip.export",
        "ip.add_evidence", "ip.view_evidence", "evidence.upload",
        "assessments.view", "visits.view",
        "report.view", "report.create",
        "training.view", "training.request",
        "committee.view", "committee.propose", "committee.log_meeting",
        "public.view", "public.respond",
        "subscription.decide",
        "dashboard.factory",
    }),
    Role.EA: frozenset({
        "enterprise.view",
        "ip.view", "ip.edit", "ip.verify", "ip.import", "ip.comment", "ip.export", "ip.view_evidence",
        "assessments.view", "cycles.start", "visits.view", "visits.edit",
        "report.view", "report.create", "report.review",
        "training.view", "training.edit",
        "committee.view", "committee.edit_members",
        "public.view", "public.verify",
        "dashboard.advisor", "dashboard.factory",
    }),
    Role.ASSESSOR: frozenset({
        "enterprise.view",
        "ip.view", "ip.assessor_comment", "ip.export", "ip.view_evidence",
        "assessments.view", "assessments.edit", "cycles.start", "visits.view",
        "report.view", "training.view", "committee.view", "public.view",
        "dashboard.factory",
    }),
    # Buyers read the assessment reports of the cycles their subscription covers (PR-9, PUB-1).
    Role.BUYER: frozenset({"enterprise.view", "ip.view", "ip.export", "report.view", "public.view",
                           "assessments.view", "buyer.dashboard", "subscription.request"}),
    Role.ADMIN: frozenset({
        "enterprise.view", "enterprise.edit",
        # 002 §3.4.1: an admin may comment in the lead assessor's place (ip.assessor_comments)
        "ip.view", "ip.export", "ip.assessor_comment", "ip.view_evidence",
        "assessments.view", "assessments.edit", "cycles.start", "visits.view",
        "catalogue.edit", "report.view", "admin.manage", "subscription.revoke",
        "training.view", "committee.view", "public.view",
        "dashboard.programme", "dashboard.factory",
    }),
}


# What a factory user marked as the factory's account manager may do besides.
ACCOUNT_MANAGER_ACTIONS = frozenset({"people.manage"})


# What every signed-in role may do.
EVERYONE_ACTIONS = frozenset({"notices.view"})


def can(user, action: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in ACCOUNT_MANAGER_ACTIONS and user.role is Role.FACTORY and user.is_account_manager:
        return True
    if action in EVERYONE_ACTIONS:
        return True
    return action in ROLE_ACTIONS.get(user.role, frozenset())


class Owner(enum.Enum):
    FACTORY = "factory"
    BETTER_WORK = "better_work"
    BOTH = "both"


F, BW, BOTH = Owner.FACTORY, Owner.BETTER_WORK, Owner.BOTH

# IP-2: seed 002's table "Who is responsible for entering data to the system?", exactly.
# field -> (owner for assessment findings, owner for additional findings from advisory)
IP_FIELD_OWNERS: dict[str, tuple[Owner, Owner]] = {
    "area_of_improvement": (BW, F),
    "cluster_id": (BW, F),
    "compliance_point_id": (BW, F),
    "root_cause_id": (F, F),
    "root_cause_description": (F, F),
    "actions_needed": (F, F),
    "lead_person": (F, F),
    "additional_persons": (F, F),
    "target_date": (F, F),
    "progress": (F, F),
    "no_progress": (F, F),  # part of Progress: "no progress has been made", with the reason
    "status": (BOTH, BOTH),  # which values each may set: IP_STATUS_SETTABLE
    "key_work_ahead": (BW, BW),
    "completion_date": (BW, BW),
}

# Better Work's side of the table is the factory's assigned Enterprise Advisor.
_OWNER_ROLES = {F: {Role.FACTORY}, BW: {Role.EA}, BOTH: {Role.FACTORY, Role.EA}}

# IP-3: the statuses a role may choose. Delayed is never chosen (the daily job sets it);
# Completed is reached only through the EA's verification, with its checks.
IP_STATUS_SETTABLE: dict[Role, frozenset[IPStatus]] = {
    Role.FACTORY: frozenset({IPStatus.PENDING, IPStatus.IN_PROGRESS}),
    Role.EA: frozenset({IPStatus.PENDING, IPStatus.IN_PROGRESS}),
}


def ip_field_owner(field: str, origin: Origin) -> Owner:
    assessment, advisory = IP_FIELD_OWNERS[field]
    return assessment if origin is Origin.ASSESSMENT else advisory


def ip_field_writable(user, field: str, origin: Origin) -> bool:
    if not can(user, "ip.edit") or field not in IP_FIELD_OWNERS:
        return False
    return user.role in _OWNER_ROLES[ip_field_owner(field, origin)]


def ip_writable_fields(user, origin: Origin) -> frozenset[str]:
    return frozenset(f for f in IP_FIELD_OWNERS if ip_field_writable(user, f, origin))


def ip_status_settable(user, status: IPStatus) -> bool:
    return can(user, "ip.edit") and status in IP_STATUS_SETTABLE.get(user.role, frozenset())


# IP-8, 002 §3.3: the EA's review with the committee of an item the new assessment did not
# repeat. Written only through the EA's verification (domain.ip.operations), never in a form.
IP_REVIEW_FIELDS = ("grievance_mechanism_review", "grievance_enhancement")

# Who reads which fields of an IP item: seed 002's table says who writes each field, not who
# reads it, and every role that may see the IP ("ip.view") reads every field, the review with
# the committee included (buyers follow it, IP-8), as the IP pages show them. The public sees no
# IP item. The API (api.v1's item schema), the CSV/XLSX export and the IP's PDF hand out exactly
# these, and the item page shows the review only to whom may read it.
IP_READABLE_FIELDS = frozenset(IP_FIELD_OWNERS) | frozenset(IP_REVIEW_FIELDS)


def ip_readable_fields(user) -> frozenset[str]:
    return IP_READABLE_FIELDS if can(user, "ip.view") else frozenset()
