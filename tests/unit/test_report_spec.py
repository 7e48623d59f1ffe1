"""PR-4: the section spec drives rendering and validation; programmes may override wording."""

from werkzeug.datastructures import MultiDict

from bwportal.domain.reports.spec import (
    PR1_SECTIONS,
    Kind,
    missing_required,
    parse_answers,
    section_by_key,
    sections_for,
    text,
)
from bwportal.models import ReportKind


class Programme:
    committee_short = "LKS Bipartit"

    def __init__(self, overrides=None):
        self.question_overrides = overrides or {}


def test_pr1_has_the_five_sections_of_the_guide():
    assert [s.key for s in PR1_SECTIONS] == ["overview", "social_dialogue", "systems", "learning", "feedback"]
    assert len({s.slug for s in PR1_SECTIONS}) == 5


def test_ticks_keep_only_declared_options_in_spec_order():
    section = section_by_key(ReportKind.PR1, "social_dialogue")
    answers, errors = parse_answers(section, MultiDict([("q2", "stopped"), ("q2", "meets_regularly"),
                                                        ("q2__comment", " since May "), ("q1", "yes")]))
    assert errors == {}
    assert answers["q2"] == {"value": ["meets_regularly", "stopped"], "comment": "since May"}
    assert answers["q1"]["value"] == "yes"


def test_undeclared_tick_and_bad_yes_no_are_errors():
    section = section_by_key(ReportKind.PR1, "social_dialogue")
    _answers, errors = parse_answers(section, MultiDict([("q2", "invented"), ("q1", "maybe")]))
    assert set(errors) == {"q2", "q1"}


def test_overlong_text_is_an_error():
    section = section_by_key(ReportKind.PR1, "feedback")
    _answers, errors = parse_answers(section, MultiDict([("feedback", "x" * 10_001)]))
    assert "feedback" in errors


def test_ip_validation_takes_only_known_items_and_choices():
    section = section_by_key(ReportKind.PR2, "ip_validation")
    answers, errors = parse_answers(section, MultiDict([("items__7", "confirmed"), ("items__7__note", "seen"),
                                                        ("items__8", "bogus"), ("items__99", "confirmed")]),
                                    ip_item_ids=[7, 8])
    assert answers["items"]["value"]["7"] == {"choice": "confirmed", "note": "seen"}
    assert "99" not in answers["items"]["value"]
    assert "items__8" in errors


def test_required_questions_block_submission_until_answered():
    """PR-4, issue 16 defect 6: every section of the PR1 the guide asks the factory to fill is
    required (a tick or, where none applies, a comment saying why); the committee questions
    follow the answer to Q1 (no committee: Q5 says why)."""
    missing = missing_required(ReportKind.PR1, None, {})
    assert [(s.key, q.key) for s, q in missing] == [
        ("overview", "q1"), ("social_dialogue", "q1"), ("systems", "hr"), ("systems", "osh"),
        ("learning", "plan"), ("learning", "given")]
    no_committee = {"overview": {"q1": {"value": [], "comment": "Not yet: the PICC is being set up"}},
                    "social_dialogue": {"q1": {"value": "no"}},
                    "systems": {"hr": {"value": ["written_policies"]}, "osh": {"value": ["policy_signed"]}},
                    "learning": {"plan": {"value": ["exists"]}, "given": {"value": ["internal"]}}}
    assert [(s.key, q.key) for s, q in missing_required(ReportKind.PR1, None, no_committee)] == [
        ("social_dialogue", "q5")]
    no_committee["social_dialogue"]["q5"] = {"comment": "Elections are planned for March"}
    assert missing_required(ReportKind.PR1, None, no_committee) == []
    with_committee = {**no_committee, "social_dialogue": {"q1": {"value": "yes"}}}
    assert [q.key for _s, q in missing_required(ReportKind.PR1, None, with_committee)] == ["q2", "q3", "q4"]


def test_committee_name_fills_the_labels(app_ctx, app):
    with app.test_request_context():
        q = section_by_key(ReportKind.PR1, "social_dialogue").questions[0]
        assert text(q.label, Programme()) == "Q1. Does the factory have a LKS Bipartit?"


def test_programme_overrides_wording_per_locale_and_hides_questions(app_ctx, app):
    overrides = {"pr1.social_dialogue.q1": {"label": {"id": "Q1. Apakah ada LKS Bipartit?"}},
                 "pr1.social_dialogue.q5": {"hidden": True}}
    programme = Programme(overrides)
    section = section_by_key(ReportKind.PR1, "social_dialogue", programme)
    assert "q5" not in [q.key for q in section.questions]
    with app.test_request_context():
        label = text(section.questions[0].label, programme, "id", "pr1.social_dialogue.q1")
        assert label == "Q1. Apakah ada LKS Bipartit?"
        assert text(section.questions[0].label, programme, "en", "pr1.social_dialogue.q1").startswith("Q1. Does")
    assert len(sections_for(ReportKind.PR1)[1].questions) == 5  # the defaults are untouched


def test_every_question_kind_is_known():
    for sections in (sections_for(ReportKind.PR1), sections_for(ReportKind.PR2)):
        for section in sections:
            for q in section.questions:
                assert isinstance(q.kind, Kind)
                assert (q.kind is Kind.TICKS) == bool(q.options)
