"""The PR1 overview's counts (PR-4, 000 [8]) come from the IP as the report covers it, and
agree with the IP annex frozen beside them."""

from datetime import date

import pytest

from bwportal.domain.reports import counts
from bwportal.domain.reports import snapshot as report_snapshot
from bwportal.extensions import db
from bwportal.models import IPStatus
from tests import factories as f


@pytest.fixture
def two_cycles(world):
    """Angkor's cycle 1, its IP worked on, and cycle 2 assessed: one finding of cycle 1 repeated
    (merged into its open item) and one new finding, plus issues the factory put forward."""
    first = f.make_cycle(world.angkor, 1, date(2025, 2, 1), date(2025, 3, 1), start_date=date(2024, 10, 20))
    second = f.make_cycle(world.angkor, 2, date(2026, 2, 1), date(2026, 3, 1), start_date=date(2025, 10, 20))
    wages = f.make_finding(first, "Overtime Wages", "Overtime paid at 100%")
    leave = f.make_finding(first, "Paid Leave", "Annual leave not paid")
    repeat = f.make_finding(second, "Overtime Wages", "Overtime still paid at 100%")
    exits = f.make_finding(second, "Emergency Preparedness", "Exit blocked")
    done = dict(status=IPStatus.COMPLETED, completed_by=world.ea)
    items = {
        # cycle 1's item, merged with cycle 2's repeat, completed during cycle 2
        "merged": f.make_ip_item(first, finding=wages, findings=[repeat], completion_date=date(2026, 3, 20), **done),
        # cycle 1's item completed long before cycle 2: not this report's
        "old": f.make_ip_item(first, finding=leave, completion_date=date(2025, 6, 1), **done),
        "new": f.make_ip_item(second, finding=exits, completion_date=date(2026, 3, 25), **done),
        "self_diagnosed": f.make_advisory_item(second, "Gender", "Self-diagnosed before the assessment"),
        "put_forward_done": f.make_advisory_item(second, "Regular Hours", "Raised by the union",
                                                 completion_date=date(2026, 3, 28), **done),
        "cycle_1_advisory": f.make_advisory_item(first, "Overtime", "An advisory item of cycle 1"),
    }
    db.session.commit()
    return first, second, items


def test_counts_come_from_the_ip_as_the_report_covers_it(world, two_cycles):
    """PR-4 (issue 16, 7): the cycle-2 PR1 counts the findings of its assessment in the IP (a
    repeat merged into cycle 1's item included), the issues put forward during cycle 2, and
    those of them Completed (the merged one too) — not only items opened in cycle 2."""
    first, second, _items = two_cycles
    assert counts.overview_counts(second) == {"findings": 2, "advisory": 2, "completed": 3}
    assert counts.overview_counts(first) == {"findings": 2, "advisory": 1, "completed": 2}


def test_counts_agree_with_the_ip_annex(world, two_cycles):
    """PR-4, PR-8: every item counted is in the annex, with the status it is counted with."""
    _first, second, items = two_cycles
    annex = {row["id"]: row for row in report_snapshot.ip_annex(world.angkor.id)}
    counted = {items[k].id for k in ("merged", "new", "self_diagnosed", "put_forward_done")}
    assert counted <= set(annex)
    completed = sum(1 for item_id in counted if annex[item_id]["status"] == "completed")
    assert counts.overview_counts(second)["completed"] == completed == 3


def test_a_finding_found_again_in_an_item_put_forward_counts_once(world, two_cycles):
    """000 [8]: issues put forward are those "in addition to the assessment findings"."""
    _first, second, items = two_cycles
    found_too = f.make_finding(second, "Gender", "Discrimination in hiring")
    found_too.ip_item_id = items["self_diagnosed"].id  # the assessment found the self-diagnosed issue
    db.session.commit()
    assert counts.overview_counts(second) == {"findings": 3, "advisory": 1, "completed": 3}
