from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from ...domain.annexes import committee as ops
from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import CheckboxListField, MaxLength
from ...models import Gender, HowChosen, MemberRole

NOT_IN_LIST = _l("Please choose one of the options in the list.")
MAX_TEXT = 5000

FIELD_LABELS = {
    "name": _l("Name"),
    "role": _l("Role"),
    "gender": _l("Gender"),
    "how_chosen": _l("Elected or selected"),
    "since": _l("Member since"),
    "until": _l("Member until"),
}
ACTION_LABELS = {"add": _l("Add a member"), "update": _l("Change a member's details"),
                 "remove": _l("End a member's membership")}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    return None if value in ("", None) else int(value)


def id_or_invalid(value):
    """An id; anything that is not one becomes -1, which no member has (refused by the rules)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _enum_choices(enum, blank):
    return [SelectChoice("", blank)] + [SelectChoice(e.value, e.label) for e in enum]


def _select(label, enum, required_message=None):
    validators = [InputRequired(required_message)] if required_message else [Optional()]
    return SelectField(label, choices=_enum_choices(enum, _l("Choose…") if required_message else "—"),
                       validators=validators, invalid_value_message=NOT_IN_LIST, invalid_choice_message=NOT_IN_LIST)


class MemberForm(PortalForm):
    """The EA's form for one member."""

    name = StringField(FIELD_LABELS["name"], filters=[strip],
                       validators=[DataRequired(_l("Please enter the member's name.")), MaxLength(200)])
    role = _select(FIELD_LABELS["role"], MemberRole, _l("Please choose the member's role."))
    gender = _select(FIELD_LABELS["gender"], Gender, _l("Please choose the member's gender."))
    how_chosen = _select(FIELD_LABELS["how_chosen"], HowChosen, _l("Please say how the member was chosen."))
    since = DayField(FIELD_LABELS["since"], validators=[Optional()])
    until = DayField(FIELD_LABELS["until"], validators=[Optional()])

    def validate_until(self, field):
        problem = ops.member_date_problem(self.since.data, field.data)
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        return {"name": self.name.data, "role": MemberRole(self.role.data), "gender": Gender(self.gender.data),
                "how_chosen": HowChosen(self.how_chosen.data), "since": self.since.data, "until": self.until.data}


class ProposalForm(PortalForm):
    """The factory's proposed change: a new member, new details for one, or the end of one's membership."""

    action = RadioField(_l("What do you propose?"), choices=[SelectChoice(k, v) for k, v in ACTION_LABELS.items()],
                        validators=[InputRequired(_l("Please choose what to change."))],
                        invalid_choice_message=NOT_IN_LIST)
    member_id = SelectField(_l("Member (to change or remove)"), coerce=optional_id, choices=[],
                            validators=[Optional()], invalid_value_message=NOT_IN_LIST,
                            invalid_choice_message=NOT_IN_LIST)
    name = StringField(FIELD_LABELS["name"], filters=[strip], validators=[MaxLength(200)])
    role = _select(FIELD_LABELS["role"], MemberRole)
    gender = _select(FIELD_LABELS["gender"], Gender)
    how_chosen = _select(FIELD_LABELS["how_chosen"], HowChosen)
    since = DayField(FIELD_LABELS["since"], validators=[Optional()])
    until = DayField(_l("Leaving date (for a removal; empty: the day it is accepted)"), validators=[Optional()])
    note = TextAreaField(_l("Note to your Enterprise Advisor"), filters=[strip], validators=[MaxLength(2000)])

    def frame(self, current_members) -> None:
        self.members = {m.id: m for m in current_members}
        self.member_id.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(m.id, m.name) for m in current_members]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        action = self.action.data
        if action == "add":
            for name, message in (("name", _l("Please enter the member's name.")),
                                  ("role", _l("Please choose the member's role.")),
                                  ("gender", _l("Please choose the member's gender.")),
                                  ("how_chosen", _l("Please say how the member was chosen."))):
                if not self[name].data and not self[name].errors:
                    self[name].errors.append(message)
                    ok = False
        elif action in ("update", "remove"):
            member = self.members.get(self.member_id.data)
            if member is None:
                if not self.member_id.errors:
                    self.member_id.errors.append(_l("Please choose the member."))
                ok = False
            elif action == "update" and not any(self[k].data for k in ops.MEMBER_FIELDS):
                self.member_id.errors.append(_l("Please give at least one new value for the member."))
                ok = False
            elif action == "remove":
                problem = ops.member_date_problem(member.since, self.until.data)
                if problem:
                    self.until.errors.append(problem)
                    ok = False
        return ok

    def values(self) -> dict:
        kinds = {"role": MemberRole, "gender": Gender, "how_chosen": HowChosen}
        values = {k: self[k].data for k in (*ops.MEMBER_FIELDS, "until")}
        for key, kind in kinds.items():
            values[key] = kind(values[key]) if values[key] else None
        return values

    def chosen_member(self):
        return self.members.get(self.member_id.data)


class MeetingForm(PortalForm):
    meeting_date = DayField(_l("Date of the meeting"),
                            validators=[InputRequired(_l("Please enter the date of the meeting."))])
    attendees = CheckboxListField(_l("Members who attended"), coerce=id_or_invalid, validate_choice=False)
    chair_id = SelectField(_l("Chair of the meeting"), coerce=optional_id, validate_choice=False, choices=[],
                           validators=[Optional()], invalid_value_message=NOT_IN_LIST)
    key_issues = TextAreaField(
        _l("Key issues discussed and follow-up plan"), filters=[strip],
        validators=[DataRequired(_l("Please describe the issues discussed and the follow-up plan.")),
                    MaxLength(MAX_TEXT)])
    engagement = TextAreaField(_l("Engagement activities"), filters=[strip], validators=[MaxLength(MAX_TEXT)])
    to_improve = TextAreaField(_l("What to improve"), filters=[strip], validators=[MaxLength(MAX_TEXT)])
    union_present = BooleanField(_l("The union was present"))
    ea_present = BooleanField(_l("The Enterprise Advisor was present"))
    externals_present = BooleanField(_l("External guests were present"))

    def frame(self, members, today) -> None:
        """``members``: who may be ticked (see ``domain.committee.attendable``); ``today`` where the factory is."""
        self.allowed = {m.id: m for m in members}
        self.today = today
        self.attendees.choices = [SelectChoice(m.id, m.name) for m in members]
        self.chair_id.choices = [SelectChoice("", _l("Not recorded"))] + [SelectChoice(m.id, m.name) for m in members]

    def validate_meeting_date(self, field):
        problem = ops.meeting_date_problem(field.data, self.today)
        if problem:
            raise ValidationError(problem)

    def validate_attendees(self, field):
        problem = ops.attendees_problem(field.data or [], self.allowed)
        if problem:
            raise ValidationError(problem)

    def validate_chair_id(self, field):
        if field.data is not None and field.data not in self.allowed:
            raise ValidationError(NOT_IN_LIST)
        problem = ops.chair_problem(field.data, self.attendees.data or [])
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        keys = ("meeting_date", "chair_id", *ops.MEETING_TEXTS, *ops.MEETING_FLAGS)
        return {k: self[k].data for k in keys}
