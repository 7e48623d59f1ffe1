"""IP forms. Fields the user may not write (IP-2) are removed from the form, so they are
neither rendered as inputs nor accepted; the routes refuse them if a client sends them."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ...domain.ip.operations import REQUIRED_FIELDS, REQUIRED_FOR_NEW_ADVISORY
from ...domain.ip.status import CHECKS
from ...domain.policy import IP_FIELD_OWNERS, IP_STATUS_SETTABLE, ip_writable_fields
from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import MaxLength
from ...models import IPStatus, Role
from ..public_issues.forms import ACCEPT
from .labels import FIELD_LABELS

REQUIRED_MESSAGES = {
    "area_of_improvement": _l("Please describe the area of improvement."),
    "cluster_id": _l("Please choose a cluster."),
    "compliance_point_id": _l("Please choose a compliance point."),
    "root_cause_id": _l("Please choose a root cause."),
    "actions_needed": _l("Please describe the actions needed."),
    "lead_person": _l("Please name the lead person."),
    "target_date": _l("Please enter a target date."),
    "progress": _l("Please describe the progress, or why no progress has been made."),
}


def programme_today() -> date:
    """Today in the signed-in user's programme (the verification form's default completion
    date; the verify page sets the factory's own)."""
    from flask_login import current_user

    from ...domain.time import today_in

    programme = getattr(current_user, "programme", None)
    return today_in(programme.timezone) if programme is not None else today_in("UTC")


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class IPItemForm(PortalForm):
    area_of_improvement = TextAreaField(FIELD_LABELS["area_of_improvement"], validators=[MaxLength(5000)])
    cluster_id = SelectField(FIELD_LABELS["cluster_id"], coerce=_int_or_none, validate_choice=False)
    compliance_point_id = SelectField(FIELD_LABELS["compliance_point_id"], coerce=_int_or_none,
                                      validate_choice=False)
    root_cause_id = SelectField(FIELD_LABELS["root_cause_id"], coerce=_int_or_none, validate_choice=False)
    root_cause_description = TextAreaField(FIELD_LABELS["root_cause_description"], validators=[MaxLength(5000)])
    actions_needed = TextAreaField(FIELD_LABELS["actions_needed"], validators=[MaxLength(5000)])
    lead_person = StringField(FIELD_LABELS["lead_person"], validators=[MaxLength(200)])
    additional_persons = TextAreaField(FIELD_LABELS["additional_persons"], validators=[MaxLength(2000)])
    status = SelectField(FIELD_LABELS["status"], validate_choice=False)
    progress = TextAreaField(FIELD_LABELS["progress"], validators=[MaxLength(5000)])
    no_progress = BooleanField(FIELD_LABELS["no_progress"])
    key_work_ahead = TextAreaField(FIELD_LABELS["key_work_ahead"], validators=[MaxLength(5000)])
    target_date = DayField(FIELD_LABELS["target_date"], validators=[Optional()])
    completion_date = DayField(FIELD_LABELS["completion_date"], validators=[Optional()])
    version = HiddenField()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if "cluster_id" in self and "compliance_point_id" in self and self.compliance_point_id.data:
            point = self.points_by_id.get(self.compliance_point_id.data)
            if point is None or (self.cluster_id.data and point.cluster_id != self.cluster_id.data):
                self.compliance_point_id.errors.append(
                    _l("Please choose a compliance point of the chosen cluster."))
                ok = False
        for name, field_ in (("cluster_id", self._fields.get("cluster_id")),
                             ("root_cause_id", self._fields.get("root_cause_id"))):
            if field_ is not None and field_.data is not None and field_.data not in self.valid_ids[name]:
                field_.errors.append(_l("Please choose one of the listed options."))
                ok = False
        if "status" in self and self.status.data not in {s.value for s in self.settable_statuses}:
            self.status.errors.append(_l("Please choose one of the listed options."))
            ok = False
        return ok


def build_item_form(user, origin, catalogues, *, item=None, formdata=None, new_advisory=False):
    """The item form for ``user``: only the fields the policy lets them write, with the
    required ones (IP-4) marked required."""
    kwargs = {"obj": item} if item is not None else {}
    form = IPItemForm(formdata=formdata, **kwargs)
    writable = ip_writable_fields(user, origin)
    settable = IP_STATUS_SETTABLE.get(user.role, frozenset())
    if item is not None and item.status is IPStatus.COMPLETED and user.role is Role.FACTORY:
        writable = writable - {"status"}  # only Better Work reopens a Completed item
    if item is None or item.status is not IPStatus.COMPLETED:
        writable = writable - {"completion_date"}  # set by the verification, with its checks
    elif "status" in writable:
        # Better Work edits a Completed item (its completion date, key work ahead) and keeps it
        # Completed; choosing another status reopens it. Without this choice every save reopened it.
        settable = settable | {IPStatus.COMPLETED}
    for name in list(IP_FIELD_OWNERS):
        if name not in writable and name in form:
            del form[name]
    required = set(REQUIRED_FIELDS) | (set(REQUIRED_FOR_NEW_ADVISORY) if new_advisory else set())
    for name in required & writable:
        field_ = form[name]
        field_.validators = [InputRequired(REQUIRED_MESSAGES[name]), *field_.validators]
        field_.flags.required = True
    form.settable_statuses = [s for s in _STATUS_ORDER if s in settable]
    form.points_by_id = {p.id: p for p in catalogues["points"]}
    form.valid_ids = {"cluster_id": {c.id for c in catalogues["clusters"]},
                      "root_cause_id": {r.id for r in catalogues["root_causes"]}}
    if "cluster_id" in form:
        form.cluster_id.choices = [("", _l("Choose…"))] + [(c.id, c.label) for c in catalogues["clusters"]]
    if "compliance_point_id" in form:
        # Issue 19 item 8: a chosen cluster offers only its own points; none chosen, all, grouped.
        chosen = form.cluster_id.data if "cluster_id" in form else (item.cluster_id if item else None)
        if chosen in form.valid_ids["cluster_id"]:
            form.compliance_point_id.choices = [("", _l("Choose…"))] + [
                (p.id, p.label) for p in catalogues["points"] if p.cluster_id == chosen]
        else:
            groups: dict = {}
            for point in catalogues["points"]:
                groups.setdefault(point.cluster.label, []).append((point.id, point.label))
            form.compliance_point_id.choices = {"": [("", _l("Choose…"))], **groups}
    if "root_cause_id" in form:
        form.root_cause_id.choices = [("", _l("Choose…"))] + [(r.id, r.label) for r in catalogues["root_causes"]]
    if "status" in form:
        form.status.choices = [(s.value, s.label) for s in form.settable_statuses]
        if formdata is None and item is not None:
            current = item.status if item.status in settable else None
            form.status.data = (current or form.settable_statuses[-1]).value
    if formdata is None and item is not None:
        form.version.data = item.version
    return form


_STATUS_ORDER = (IPStatus.PENDING, IPStatus.IN_PROGRESS, IPStatus.DELAYED, IPStatus.COMPLETED)


class NewAdvisoryItemForm(PortalForm):
    """What a factory adds on top of the item fields for an item found during advisory."""

    cycle_id = SelectField(_l("Cycle"), coerce=_int_or_none, validate_choice=False)
    advisory_visit_id = SelectField(_l("Advisory visit"), coerce=_int_or_none, validate_choice=False)
    raised_by_id = SelectField(_l("Raised by"), coerce=_int_or_none, validate_choice=False,
                               validators=[InputRequired(_l("Please say who raised this issue."))])


class RemediatedForm(PortalForm):
    note = TextAreaField(_l("What was done"), validators=[
        InputRequired(_l("Please say what was done, so the Enterprise Advisor can verify it.")), MaxLength(5000)])


class EvidenceForm(PortalForm):
    """Files for an IP item (issue 19), checked by content in the domain, with the progress they show."""

    files = MultipleFileField(_l("Evidence files"), render_kw={"accept": ACCEPT})
    evidence_note = TextAreaField(_l("What these files show"), validators=[Optional(), MaxLength(5000)],
                                  render_kw={"dir": "auto", "rows": 3})


class CommentForm(PortalForm):
    body = TextAreaField(_l("Comment"), validators=[InputRequired(_l("Please write a comment.")), MaxLength(5000)])


class VerifyForm(PortalForm):
    check_committee_agrees = BooleanField(CHECKS[0][1])
    check_evidence_reviewed = BooleanField(CHECKS[1][1])
    check_root_causes_followed = BooleanField(CHECKS[2][1])
    # IP-8, 002 §3.3: an item not repeated in the new assessment is reviewed with the committee instead.
    root_causes_addressed = BooleanField(_l("The committee confirms that the underlying root causes are addressed."))
    grievance_mechanism_review = TextAreaField(_l("Effectiveness of the grievance mechanism"),
                                               validators=[MaxLength(5000)])
    grievance_enhancement = TextAreaField(_l("Enhancements made to the grievance mechanism"),
                                          validators=[MaxLength(5000)])
    completion_date = DayField(_l("Completion date"), default=programme_today,
                                     validators=[InputRequired(_l("Please enter the completion date."))])


class ReturnForm(PortalForm):
    comment = TextAreaField(_l("Why it is returned"), validators=[
        InputRequired(_l("Please tell the factory what is still missing.")), MaxLength(5000)])
