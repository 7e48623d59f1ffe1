"""The progress reports' sections as data (PR-4, DOMAIN.md): every question, tick box, yes/no
and comment field is declared once here; one editor renders and validates any of them.

Labels are English gettext messages (N_) where "%(committee)s" becomes the programme's
committee name. A programme may override a question's wording per locale, or hide it,
through Programme.question_overrides ({"pr1.social_dialogue.q1": {"label": {"km": "…"}}}).
"""

import enum
from dataclasses import dataclass, field

from flask_babel import gettext

from ...models import ReportKind
from ..errors import DomainError


def N_(msgid: str) -> str:
    return msgid


class Kind(enum.Enum):
    TICKS = "ticks"  # several ticks from a list
    YESNO = "yesno"
    TEXT = "text"  # a text answer
    COMMENT_ONLY = "comment"  # only the comments box
    IP_VALIDATION = "ip_validation"  # PR2: the EA's validation of each IP item's status


@dataclass(frozen=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    label: str
    hint: str = ""
    options: tuple[Option, ...] = ()
    comment: bool = True  # has a comments box
    required: bool = False  # must be answered before the report is submitted
    # Required only when another question of the section has this answer, e.g. ("q1", "yes").
    required_when: tuple[str, str] | None = None


@dataclass(frozen=True)
class Section:
    key: str
    slug: str  # its URL part
    title: str
    intro: str = ""
    questions: tuple[Question, ...] = field(default_factory=tuple)
    overview_counts: bool = False  # shows the counts computed from the IP


def _o(*pairs) -> tuple[Option, ...]:
    return tuple(Option(k, v) for k, v in pairs)


PR1_SECTIONS: tuple[Section, ...] = (
    Section("overview", "overview", N_("Overview"), overview_counts=True, questions=(
        Question("process", Kind.COMMENT_ONLY, N_("The improvement process since the start of the cycle"),
                 hint=N_("Describe the process, not the list of issues: the full list is in the Improvement Plan "
                         "attached to the report. If the self-diagnosis could not be (fully) done, say why.")),
        Question("q1", Kind.TICKS, N_("Q1. Since the assessment, the factory has:"), options=_o(
            ("shared_findings", N_("shared the assessment findings with the %(committee)s")),
            ("discussed_ip", N_("discussed the findings and the Improvement Plan in a %(committee)s meeting")),
            ("self_diagnosis", N_("carried out or updated its self-diagnosis")),
            ("lead_persons", N_("named a lead person for every Improvement Plan item")),
            ("shared_with_workers", N_("shared the Improvement Plan with workers")),
            ("public_first", N_("started work on publicly reported issues first")),
        ), hint=N_("Tick only what applies. Under comments, explain why some points have not been applied yet."),
           required=True),
    )),
    Section("social_dialogue", "social-dialogue", N_("Social Dialogue"),
            intro=N_("These questions are about the %(committee)s, not the OSH committee."), questions=(
        Question("q1", Kind.YESNO, N_("Q1. Does the factory have a %(committee)s?"), required=True,
                 hint=N_("If not, describe the other channels between workers and management.")),
        Question("q2", Kind.TICKS, N_("Q2. Since the assessment, the %(committee)s:"), options=_o(
            ("meets_regularly", N_("meets regularly as planned")),
            ("stopped", N_("has stopped functioning")),
            ("newly_set_up", N_("was newly set up")),
            ("membership_changed", N_("changed its membership")),
        ), hint=N_("Say why, the date of the last meeting, and the plans."), required_when=("q1", "yes")),
        Question("q3", Kind.TICKS, N_("Q3. Worker representatives were chosen by:"), options=_o(
            ("election", N_("election")),
            ("selection_management", N_("selection by management")),
            ("selection_union", N_("selection by the union")),
        ), hint=N_("Give the date (dd-mm-yyyy), whether the election followed local law and Better Work "
                   "guidelines, and why representatives were selected rather than elected."),
           required_when=("q1", "yes")),
        Question("q4", Kind.TICKS, N_("Q4. In place:"), options=_o(
            ("effectively_represented", N_("workers are effectively represented: their inputs are discussed and "
                                           "used, representatives get time off duty to consult colleagues, "
                                           "representatives are elected")),
            ("union_takes_part", N_("the union takes part in the %(committee)s")),
            ("minutes_shared", N_("minutes are shared with workers")),
            ("management_meets_chair", N_("top management meets the chairperson regularly")),
            ("paid_meeting_time", N_("members are paid for meeting time")),
            ("gender_balance", N_("the gender balance of members reflects the workforce")),
        ), hint=N_("Describe the composition, union presence, and any conflicts or strikes in the period."),
           required_when=("q1", "yes")),
        Question("q5", Kind.COMMENT_ONLY, N_("Q5. Other comments"),
                 hint=N_("If there is no %(committee)s, why, and the plans; other forms of social dialogue."),
                 required_when=("q1", "no")),
    )),
    Section("systems", "systems", N_("Management Systems"), questions=(
        Question("hr", Kind.TICKS, N_("HR management system"), options=_o(
            ("written_policies", N_("written policies for recruitment, wages, hours, leave, discipline and "
                                    "termination")),
            ("policies_explained", N_("policies explained to workers")),
            ("compliance_person", N_("a person responsible for labour compliance")),
            ("grievance_used", N_("a grievance mechanism that workers use")),
            ("records_checked", N_("payroll and hours records checked internally every month")),
            ("committee_reviews_hr", N_("the %(committee)s reviews HR issues")),
        ), hint=N_("Progress since the assessment; criteria not yet met and why."), required=True),
        Question("osh", Kind.TICKS, N_("OSH management system"), options=_o(
            ("policy_signed", N_("an OSH policy signed by top management")),
            ("osh_committee", N_("a functioning OSH committee")),
            ("risk_assessment", N_("a risk assessment, updated every year")),
            ("accidents_recorded", N_("accidents recorded and investigated")),
            ("monthly_inspections", N_("monthly OSH inspections")),
            ("evacuation_drills", N_("evacuation drills as the law requires")),
            ("chemical_inventory", N_("a chemical inventory with safety data sheets")),
        ), hint=N_("Progress since the assessment; criteria not yet met and why."), required=True),
    )),
    Section("learning", "learning", N_("Continuous Learning"), questions=(
        Question("plan", Kind.TICKS, N_("Learning plan"), options=_o(
            ("exists", N_("a learning plan exists")),
            ("with_committee", N_("it was made with the %(committee)s")),
            ("root_causes", N_("it addresses root causes in the Improvement Plan")),
            ("reviewed", N_("it is reviewed for progress")),
        ), hint=N_("Next steps; support needed, and from whom."), required=True),
        Question("given", Kind.TICKS, N_("Training given since the assessment"), options=_o(
            ("bw_training", N_("Better Work training")),
            ("bw_seminars", N_("Better Work industry seminars")),
            ("internal", N_("internal training")),
            ("other_providers", N_("training by other providers")),
        ), hint=N_("The kinds of training given."), required=True),
        Question("upcoming", Kind.TEXT, N_("Upcoming training: topics and target groups"), comment=False),
        Question("details", Kind.TEXT, N_("Further details: internal learning, actions after trainings"),
                 comment=False),
    )),
    Section("feedback", "feedback", N_("Feedback to Better Work"), questions=(
        Question("feedback", Kind.TEXT, N_("Your feedback to Better Work"), comment=False),
    )),
)

PR2_SECTIONS: tuple[Section, ...] = (
    Section("ip_validation", "ip-validation", N_("Validation of the Improvement Plan"),
            intro=N_("For each item, confirm the status the factory reports, or say what you found."), questions=(
        Question("items", Kind.IP_VALIDATION, N_("Status of each Improvement Plan item"), comment=False),
    )),
    Section("summary", "summary", N_("Summary"), questions=(
        Question("improvements", Kind.TEXT, N_("Summary of improvements"), comment=False, required=True),
        Question("social_dialogue", Kind.TEXT, N_("Social dialogue and the %(committee)s"), comment=False),
        Question("systems", Kind.TEXT, N_("Management systems"), comment=False),
    )),
)

SECTIONS = {ReportKind.PR1: PR1_SECTIONS, ReportKind.PR2: PR2_SECTIONS}
IP_VALIDATION_CHOICES = _o(
    ("confirmed", N_("Status confirmed")),
    ("not_confirmed", N_("Status not confirmed")),
)
MAX_TEXT = 10_000


def sections_for(kind: ReportKind, programme=None) -> tuple[Section, ...]:
    """The sections of a report kind as this programme shows them (hidden questions removed)."""
    overrides = (programme.question_overrides if programme is not None else None) or {}
    if not overrides:
        return SECTIONS[kind]
    out = []
    for section in SECTIONS[kind]:
        questions = tuple(q for q in section.questions
                          if not overrides.get(question_path(kind, section, q), {}).get("hidden"))
        out.append(Section(section.key, section.slug, section.title, section.intro, questions,
                           section.overview_counts))
    return tuple(out)


def section_by_key(kind: ReportKind, key: str, programme=None) -> Section | None:
    return next((s for s in sections_for(kind, programme) if s.key == key), None)


def question_path(kind: ReportKind, section: Section, question: Question) -> str:
    return f"{kind.value}.{section.key}.{question.key}"


def text(msgid: str, programme, locale: str | None = None, path: str | None = None) -> str:
    """A label in the reader's language with the programme's committee name, or the
    programme's own wording for that question where it has one."""
    if path and programme is not None:
        override = (programme.question_overrides or {}).get(path, {}).get("label", {})
        if locale and override.get(locale):
            return override[locale]
    committee = programme.committee_short if programme is not None else "PICC"
    return gettext(msgid, committee=committee) if msgid else ""


# --- reading and checking answers ---------------------------------------------------------

class AnswerError(DomainError, ValueError):
    """A posted answer the spec does not allow; args: (question key, message)."""


def parse_answers(section: Section, form, ip_item_ids=()) -> tuple[dict, dict]:
    """Answers from posted form data (a MultiDict), checked against the spec.

    Returns (answers, errors by field name). Names: "<q>" for the value (repeated for ticks),
    "<q>__comment" for the comments box, "<q>__<item id>" (+ "__note") for IP validation."""
    from flask_babel import lazy_gettext as _l

    answers, errors = {}, {}
    for q in section.questions:
        answer = {}
        if q.kind is Kind.TICKS:
            allowed = {o.key for o in q.options}
            ticked = form.getlist(q.key)
            if set(ticked) - allowed:
                errors[q.key] = _l("Please tick only the boxes shown.")
            answer["value"] = [o.key for o in q.options if o.key in ticked]
        elif q.kind is Kind.YESNO:
            value = form.get(q.key, "")
            if value not in ("", "yes", "no"):
                errors[q.key] = _l("Please answer yes or no.")
            answer["value"] = value if value in ("yes", "no") else ""
        elif q.kind is Kind.TEXT:
            answer["value"] = (form.get(q.key) or "").strip()
        elif q.kind is Kind.IP_VALIDATION:
            allowed = {o.key for o in IP_VALIDATION_CHOICES}
            items = {}
            for item_id in ip_item_ids:
                choice = form.get(f"{q.key}__{item_id}", "")
                note = (form.get(f"{q.key}__{item_id}__note") or "").strip()
                if choice and choice not in allowed:
                    errors[f"{q.key}__{item_id}"] = _l("Please choose one of the listed options.")
                if len(note) > MAX_TEXT:
                    errors[f"{q.key}__{item_id}__note"] = _l("Please keep this to %(max)d characters or fewer.",
                                                             max=MAX_TEXT)
                items[str(item_id)] = {"choice": choice if choice in allowed else "", "note": note}
            answer["value"] = items
        if q.comment:
            answer["comment"] = (form.get(f"{q.key}__comment") or "").strip()
        for name, value in ((q.key, answer.get("value")), (f"{q.key}__comment", answer.get("comment"))):
            if isinstance(value, str) and len(value) > MAX_TEXT:
                errors[name] = _l("Please keep this to %(max)d characters or fewer.", max=MAX_TEXT)
        answers[q.key] = answer
    return answers, errors


def is_required(section: Section, question: Question, answers: dict) -> bool:
    """Whether ``question`` must be answered, given the section's ``answers`` (PR-4)."""
    if question.required:
        return True
    if question.required_when is None:
        return False
    other, value = question.required_when
    return (answers.get(other) or {}).get("value") == value


def is_answered(question: Question, answer: dict | None) -> bool:
    """Answered: a value given, or (for ticks and comment boxes) a comment saying why none applies."""
    answer = answer or {}
    if question.kind is Kind.COMMENT_ONLY:
        return bool((answer.get("comment") or "").strip())
    if answer.get("value"):
        return True
    return question.kind is Kind.TICKS and bool((answer.get("comment") or "").strip())


def missing_required(kind: ReportKind, programme, answers_by_section: dict) -> list[tuple[Section, Question]]:
    """Required questions not yet answered: a report is submitted only when they are."""
    missing = []
    for section in sections_for(kind, programme):
        answers = answers_by_section.get(section.key, {})
        for q in section.questions:
            if is_required(section, q, answers) and not is_answered(q, answers.get(q.key)):
                missing.append((section, q))
    return missing
