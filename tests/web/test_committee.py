"""COM-1/COM-2: the EA keeps the members list with the factory's proposals; the factory logs meetings."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bwportal.domain.time import today_in
from bwportal.extensions import db
from bwportal.models import (
    CommitteeMeeting,
    CommitteeMember,
    Gender,
    HowChosen,
    MemberProposal,
    MemberRole,
    ProposalStatus,
)
from tests import factories as f

HX = {"HX-Request": "true"}


def base(factory):
    return f"/factories/{factory.id}/committee"


@pytest.fixture
def today(world):
    return today_in(world.kh.timezone)


@pytest.fixture
def c(world, today):
    """Angkor's committee: three current members and one former, a pending proposal, a meeting."""
    class C:
        pass

    obj = C()
    obj.sokha = f.make_committee_member(world.angkor, "Sokha Chan", MemberRole.CHAIR, Gender.FEMALE,
                                        HowChosen.ELECTED, since=date(2025, 2, 1))
    obj.dara = f.make_committee_member(world.angkor, "Dara Meas", MemberRole.WORKER_REP, Gender.FEMALE,
                                       HowChosen.ELECTED, since=date(2025, 2, 1))
    obj.vibol = f.make_committee_member(world.angkor, "Vibol Keo", MemberRole.MANAGEMENT_REP, Gender.MALE,
                                        HowChosen.SELECTED, since=date(2024, 6, 1))
    obj.former = f.make_committee_member(world.angkor, "Former Member", MemberRole.WORKER_REP, Gender.MALE,
                                         HowChosen.ELECTED, since=date(2023, 1, 1), until=today - timedelta(days=40))
    obj.foreign = f.make_committee_member(world.mekong, "Mekong Member", MemberRole.WORKER_REP, Gender.FEMALE,
                                          HowChosen.ELECTED)
    obj.proposal = f.make_member_proposal(world.angkor, "add", data={
        "name": "Srey Pov", "role": "worker_rep", "gender": "female", "how_chosen": "elected",
        "since": "2026-01-10"}, note="Elected in the January vote")
    obj.meeting = f.make_committee_meeting(world.angkor, today - timedelta(days=10), [obj.sokha, obj.dara],
                                           chair=obj.sokha, key_issues="Canteen hygiene")
    db.session.commit()
    return obj


def meeting_data(c, today, **kw):
    data = {"meeting_date": (today - timedelta(days=1)).isoformat(), "attendees": [str(c.sokha.id), str(c.vibol.id)],
            "chair_id": str(c.vibol.id), "key_issues": "Overtime planning; follow up in March",
            "engagement": "Posters in every line", "to_improve": "Share minutes sooner", "union_present": "y"}
    data.update(kw)
    return data


def member_data(**kw):
    data = {"name": "Kosal Heng", "role": "worker_rep", "gender": "male", "how_chosen": "elected",
            "since": "2026-02-01", "until": ""}
    data.update(kw)
    return data


def meetings(factory):
    db.session.expire_all()
    return list(db.session.scalars(select(CommitteeMeeting).where(CommitteeMeeting.factory_id == factory.id)
                                   .order_by(CommitteeMeeting.id)))


def members(factory):
    db.session.expire_all()
    return {m.name: m for m in db.session.scalars(select(CommitteeMember)
                                                  .where(CommitteeMember.factory_id == factory.id))}


def proposal_status(proposal_id):
    db.session.expire_all()
    return db.session.get(MemberProposal, proposal_id).status


# --- who may write what -----------------------------------------------------------------

def post_routes(world, c, today):
    a = base(world.angkor)
    return {
        "new_member": (f"{a}/members/new", member_data()),
        "edit_member": (f"{a}/members/{c.dara.id}/edit", member_data(name="Dara Meas-Chea")),
        "propose": (f"{a}/proposals", {"action": "remove", "member_id": str(c.vibol.id), "note": "Left"}),
        "accept": (f"{a}/proposals/{c.proposal.id}/accept", {}),
        "decline": (f"{a}/proposals/{c.proposal.id}/decline", {}),
        "new_meeting": (f"{a}/meetings/new", meeting_data(c, today)),
        "edit_meeting": (f"{a}/meetings/{c.meeting.id}/edit", meeting_data(c, today)),
    }


WRITER = {"new_member": "ea", "edit_member": "ea", "accept": "ea", "decline": "ea",
          "propose": "factory_user", "new_meeting": "factory_user", "edit_meeting": "factory_user"}


def state(world):
    db.session.expire_all()
    ms = sorted((m.name, m.role.value, m.until) for m in members(world.angkor).values())
    ps = sorted((p.action, p.status.value) for p in db.session.scalars(select(MemberProposal)))
    mt = [(m.meeting_date, m.key_issues, tuple(a.id for a in m.attendees)) for m in meetings(world.angkor)]
    return ms, ps, mt


@pytest.mark.parametrize("route", sorted(WRITER))
@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor"])
def test_who_may_write_what(login, world, c, today, route, who):
    url, data = post_routes(world, c, today)[route]
    before = state(world)
    response = login(getattr(world, who)).post(url, data=data)
    if who == WRITER[route]:
        assert response.status_code == 302, response.get_data(as_text=True)[:600]
        assert state(world) != before
    else:
        assert response.status_code == 403
        assert state(world) == before


@pytest.mark.parametrize("url", ["/members/new", "/members/{member}/edit", "/meetings/new", "/meetings/{meeting}/edit"])
@pytest.mark.parametrize("who", ["buyer", "assessor", "admin"])
def test_forms_are_not_shown_to_readers(login, world, c, url, who):
    path = base(world.angkor) + url.format(member=c.dara.id, meeting=c.meeting.id)
    assert login(getattr(world, who)).get(path).status_code == 403


# --- members ------------------------------------------------------------------------------

def test_titles_use_the_programmes_committee_name(login, world, c):
    html = login(world.factory_user).get(f"{base(world.angkor)}/members").get_data(as_text=True)
    assert "<h1>PICC Members</h1>" in html
    html = login(world.factory_id_user).get(f"{base(world.bandung)}/meetings").get_data(as_text=True)
    assert re.search(r"<h1>[^<]*LKS Bipartit[^<]*</h1>", html)  # in Indonesian, the programme's language


def test_members_page_shows_current_members_and_collapses_former(login, world, c):
    html = login(world.ea).get(f"{base(world.angkor)}/members").get_data(as_text=True)
    current = html.split("<h2>Current members</h2>")[1].split("</table>")[0]
    for name in ("Sokha Chan", "Dara Meas", "Vibol Keo"):
        assert name in current
    row = re.search(rf'<tr id="member-{c.vibol.id}">.*?</tr>', current, re.S).group(0)
    assert all(text in row for text in ("Management representative", "Man", "Selected", "Jun 1, 2024"))
    assert "Former Member" not in current and "Mekong Member" not in html
    former = html.split('<details class="panel former-members">')[1].split("</details>")[0]
    assert "Former Member" in former and "Former members (1)" in former


def test_gender_balance_of_current_members_beside_the_workforce(login, world, c):
    html = login(world.factory_user).get(f"{base(world.angkor)}/members").get_data(as_text=True)
    balance = html.split('id="gender-balance"')[1].split("</dl>")[0]
    # Two women and one man among the current members (the former man does not count).
    assert re.search(r"<dt>Women</dt><dd>2 \(67%\)</dd>", balance)
    assert re.search(r"<dt>Men</dt><dd>1 \(33%\)</dd>", balance)
    # Angkor: 20 women of 30 employees.
    assert "<dt>Women in the workforce</dt>" in balance and "67% (20 of 30 employees)" in balance


def test_no_workforce_share_when_the_numbers_are_unknown(login, world, c):
    world.angkor.female_employees = world.angkor.male_employees = 0
    db.session.commit()
    html = login(world.factory_user).get(f"{base(world.angkor)}/members").get_data(as_text=True)
    assert "Women in the workforce" not in html and "<dt>Women</dt>" in html


def test_the_ea_adds_edits_and_ends_members(login, world, c, today):
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/members/new", data=member_data())
    assert response.status_code == 302
    kosal = members(world.angkor)["Kosal Heng"]
    assert (kosal.role, kosal.gender, kosal.how_chosen, kosal.since) == (
        MemberRole.WORKER_REP, Gender.MALE, HowChosen.ELECTED, date(2026, 2, 1))
    form = client.get(f"{base(world.angkor)}/members/{kosal.id}/edit").get_data(as_text=True)
    assert 'value="Kosal Heng"' in form and '<option selected value="male">' in form
    ended = today - timedelta(days=1)
    response = client.post(f"{base(world.angkor)}/members/{kosal.id}/edit",
                           data=member_data(role="secretary", until=ended.isoformat()))
    assert response.status_code == 302
    kosal = members(world.angkor)["Kosal Heng"]
    assert kosal.role is MemberRole.SECRETARY and kosal.until == ended
    page = client.get(response.location).get_data(as_text=True)
    assert "Member saved: Kosal Heng." in page
    assert "Kosal Heng" in page.split('class="panel former-members"')[1]


@pytest.mark.parametrize("data, message", [
    (member_data(name=""), "Please enter the member's name."),
    (member_data(role="boss"), "Please choose one of the options in the list."),
    (member_data(gender=""), "Please choose the member's gender."),
    (member_data(since="2026-02-01", until="2026-01-01"), "The end date cannot be before the date the member joined."),
])
def test_member_form_errors(login, world, c, data, message):
    before = state(world)
    response = login(world.ea).post(f"{base(world.angkor)}/members/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert state(world) == before


def test_another_factorys_member_is_404_even_to_an_ea_who_sees_both(login, world, c):
    f.assign_ea(world.ea, world.mekong, is_lead=False)
    db.session.commit()
    client = login(world.ea)
    assert client.get(f"{base(world.angkor)}/members/{c.foreign.id}/edit").status_code == 404
    assert client.post(f"{base(world.angkor)}/members/{c.foreign.id}/edit", data=member_data()).status_code == 404


# --- proposals ----------------------------------------------------------------------------

def test_pending_proposals_are_listed_for_both(login, world, c):
    for who, sees_buttons in (("factory_user", False), ("ea", True)):
        html = login(getattr(world, who)).get(f"{base(world.angkor)}/members").get_data(as_text=True)
        item = re.search(rf'<li class="proposal" id="proposal-{c.proposal.id}">.*?</li>\s*</ul>', html, re.S).group(0)
        assert "Add a member" in item and "Srey Pov" in item and "Elected in the January vote" in item
        assert (f"/proposals/{c.proposal.id}/accept" in item) is sees_buttons
        assert ("Waiting for the Enterprise Advisor" in item) is not sees_buttons
        assert ('id="proposal-form"' in html) is not sees_buttons


def test_the_factory_proposes_and_the_ea_accepts_an_addition(login, world, c):
    client = login(world.factory_user)
    response = client.post(f"{base(world.angkor)}/proposals", data={
        "action": "add", "name": "Nary Lim", "role": "secretary", "gender": "female", "how_chosen": "selected",
        "since": "2026-03-01", "note": "Chosen by management"})
    assert response.status_code == 302
    assert "Your proposal was sent to your Enterprise Advisor." in client.get(response.location).get_data(as_text=True)
    proposal = db.session.scalar(select(MemberProposal).where(MemberProposal.data["name"].as_string() == "Nary Lim"))
    assert "Nary Lim" not in members(world.angkor)  # nothing changes until the EA accepts
    response = login(world.ea).post(f"{base(world.angkor)}/proposals/{proposal.id}/accept")
    assert response.status_code == 302
    nary = members(world.angkor)["Nary Lim"]
    assert (nary.role, nary.gender, nary.how_chosen, nary.since, nary.until) == (
        MemberRole.SECRETARY, Gender.FEMALE, HowChosen.SELECTED, date(2026, 3, 1), None)
    assert proposal_status(proposal.id) is ProposalStatus.ACCEPTED


def test_an_accepted_update_and_removal_are_applied(login, world, c, today):
    factory = login(world.factory_user)
    assert factory.post(f"{base(world.angkor)}/proposals", data={
        "action": "update", "member_id": str(c.dara.id), "role": "secretary", "note": "New role"}).status_code == 302
    assert factory.post(f"{base(world.angkor)}/proposals", data={
        "action": "remove", "member_id": str(c.vibol.id), "until": (today - timedelta(days=2)).isoformat()}
    ).status_code == 302
    ea = login(world.ea)
    for p in db.session.scalars(select(MemberProposal).where(MemberProposal.action != "add")):
        assert ea.post(f"{base(world.angkor)}/proposals/{p.id}/accept").status_code == 302
    after = members(world.angkor)
    assert after["Dara Meas"].role is MemberRole.SECRETARY and after["Dara Meas"].gender is Gender.FEMALE
    assert after["Vibol Keo"].until == today - timedelta(days=2)


def test_a_declined_proposal_changes_nothing(login, world, c):
    response = login(world.ea).post(f"{base(world.angkor)}/proposals/{c.proposal.id}/decline")
    assert response.status_code == 302
    assert proposal_status(c.proposal.id) is ProposalStatus.DECLINED
    assert "Srey Pov" not in members(world.angkor)


@pytest.mark.parametrize("first, second", [("accept", "accept"), ("accept", "decline"), ("decline", "accept")])
def test_a_decided_proposal_cannot_be_decided_again(login, world, c, first, second):
    client = login(world.ea)
    assert client.post(f"{base(world.angkor)}/proposals/{c.proposal.id}/{first}").status_code == 302
    before = state(world)
    response = client.post(f"{base(world.angkor)}/proposals/{c.proposal.id}/{second}")
    assert response.status_code == 409
    assert "This proposal has already been decided." in response.get_data(as_text=True)
    assert state(world) == before


def test_proposal_decision_with_htmx_swaps_the_members_part(login, world, c):
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/proposals/{c.proposal.id}/accept", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="committee-members">')
    assert "Proposal accepted: the members list is updated." in html
    assert "Srey Pov" in html.split("<h2>Current members</h2>")[1].split("</table>")[0]
    again = client.post(f"{base(world.angkor)}/proposals/{c.proposal.id}/decline", headers=HX)
    assert again.status_code == 409 and "<html" not in again.get_data(as_text=True)
    assert "This proposal has already been decided." in again.get_data(as_text=True)


def test_proposal_decision_without_javascript_redirects(login, world, c):
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/proposals/{c.proposal.id}/decline")
    assert response.status_code == 302 and response.location.endswith(f"{base(world.angkor)}/members")
    assert "Proposal declined." in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"action": "add", "role": "worker_rep", "gender": "male", "how_chosen": "elected"}, "name",
     "Please enter the member's name."),
    ({"action": "update", "member_id": "{foreign}", "role": "chair"}, "member_id",
     "Please choose one of the options in the list."),
    ({"action": "remove", "member_id": "{former}"}, "member_id", "Please choose one of the options in the list."),
    ({"action": "remove"}, "member_id", "Please choose the member."),
    ({"action": "update", "member_id": "{dara}"}, "member_id", "Please give at least one new value for the member."),
    ({"action": "promote", "member_id": "{dara}"}, "action", "Please choose one of the options in the list."),
])
def test_proposal_errors_are_tied_to_fields(login, world, c, data, field, message):
    values = {k: v.format(foreign=c.foreign.id, former=c.former.id, dara=c.dara.id) for k, v in data.items()}
    before = state(world)
    response = login(world.factory_user).post(f"{base(world.angkor)}/proposals", data=values, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<div id="committee-members">')
    assert f'id="{field}-error">{message}</p>' in html
    assert state(world) == before


def test_another_factorys_proposal_is_404(login, world, c):
    f.assign_ea(world.ea, world.mekong, is_lead=False)
    theirs = f.make_member_proposal(world.mekong, "remove", member=c.foreign)
    db.session.commit()
    assert login(world.ea).post(f"{base(world.angkor)}/proposals/{theirs.id}/accept").status_code == 404
    assert proposal_status(theirs.id) is ProposalStatus.PENDING


# --- meetings -----------------------------------------------------------------------------

def test_the_factory_logs_a_meeting_without_javascript(login, world, c, today):
    client = login(world.factory_user)
    form = client.get(f"{base(world.angkor)}/meetings/new").get_data(as_text=True)
    boxes = form.split('id="attendees"')[1].split("</ul>")[0]
    for m in (c.sokha, c.dara, c.vibol):
        assert f'value="{m.id}"' in boxes
    assert f'value="{c.former.id}"' not in boxes and f'value="{c.foreign.id}"' not in boxes
    assert f'value="{today.isoformat()}"' in form
    response = client.post(f"{base(world.angkor)}/meetings/new", data=meeting_data(c, today))
    assert response.status_code == 302 and "/meetings#meeting-" in response.location
    meeting = meetings(world.angkor)[-1]
    assert [a.name for a in meeting.attendees] == ["Sokha Chan", "Vibol Keo"] and meeting.chair_id == c.vibol.id
    assert (meeting.union_present, meeting.ea_present, meeting.externals_present) == (True, False, False)
    assert meeting.created_by_id == world.factory_user.id
    page = client.get(response.location).get_data(as_text=True)
    assert "saved." in page and "Overtime planning; follow up in March" in page and "the union" in page


def test_the_meeting_form_with_htmx(login, world, c, today):
    client = login(world.factory_user)
    bad = client.post(f"{base(world.angkor)}/meetings/new", data=meeting_data(c, today, key_issues=""), headers=HX)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and html.lstrip().startswith('<form id="meeting-form"') and "<html" not in html
    assert "Please describe the issues discussed and the follow-up plan." in html
    assert "Posters in every line</textarea>" in html  # what was typed is kept
    good = client.post(f"{base(world.angkor)}/meetings/new", data=meeting_data(c, today), headers=HX)
    html = good.get_data(as_text=True)
    assert good.status_code == 200 and html.lstrip().startswith('<div id="meeting-form">') and "<html" not in html
    assert "saved." in html and "Posters in every line" in html
    assert len(meetings(world.angkor)) == 2


def test_attendees_must_be_current_members_of_this_factory(login, world, c, today):
    client = login(world.factory_user)
    for intruder in (c.foreign, c.former):
        data = meeting_data(c, today, attendees=[str(c.sokha.id), str(intruder.id)], chair_id="")
        response = client.post(f"{base(world.angkor)}/meetings/new", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert ('<p class="error" id="attendees-error">Only current members of the committee can be ticked as '
                'attending.</p>') in html
        assert "Mekong Member" not in html
    junk = client.post(f"{base(world.angkor)}/meetings/new",
                       data=meeting_data(c, today, attendees=[str(c.sokha.id), "x"], chair_id=""))
    assert junk.status_code == 422
    none = client.post(f"{base(world.angkor)}/meetings/new", data=meeting_data(c, today, attendees=[], chair_id=""))
    assert none.status_code == 422 and "Please tick who attended." in none.get_data(as_text=True)
    assert len(meetings(world.angkor)) == 1


def test_the_chair_must_attend(login, world, c, today):
    response = login(world.factory_user).post(
        f"{base(world.angkor)}/meetings/new",
        data=meeting_data(c, today, attendees=[str(c.sokha.id)], chair_id=str(c.dara.id)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="chair_id-error">The chair must be one of the members who attended.</p>' in html
    assert len(meetings(world.angkor)) == 1


def test_a_future_date_is_refused(login, world, c, today):
    response = login(world.factory_user).post(
        f"{base(world.angkor)}/meetings/new",
        data=meeting_data(c, today, meeting_date=(today + timedelta(days=1)).isoformat()))
    assert response.status_code == 422
    assert "A meeting cannot be logged before it happens: the date is after today." in response.get_data(as_text=True)
    assert len(meetings(world.angkor)) == 1


def test_editing_a_meeting_adds_and_removes_attendees(login, world, c, today):
    client = login(world.factory_user)
    form = client.get(f"{base(world.angkor)}/meetings/{c.meeting.id}/edit").get_data(as_text=True)
    assert re.search(rf'<input checked id="attendees-\d+" name="attendees" type="checkbox" value="{c.dara.id}">', form)
    response = client.post(f"{base(world.angkor)}/meetings/{c.meeting.id}/edit", data=meeting_data(
        c, today, meeting_date=c.meeting.meeting_date.isoformat(), attendees=[str(c.sokha.id), str(c.vibol.id)],
        chair_id=str(c.sokha.id), key_issues="Canteen hygiene, with the follow-up"))
    assert response.status_code == 302
    [meeting] = meetings(world.angkor)
    assert [a.name for a in meeting.attendees] == ["Sokha Chan", "Vibol Keo"]
    assert meeting.key_issues == "Canteen hygiene, with the follow-up"


def test_another_factorys_meeting_is_404(login, world, c, today):
    theirs = f.make_committee_meeting(world.mekong, today, [c.foreign], key_issues="Mekong secret")
    db.session.commit()
    client = login(world.factory_user)
    assert client.get(f"{base(world.angkor)}/meetings/{theirs.id}/edit").status_code == 404
    assert client.post(f"{base(world.angkor)}/meetings/{theirs.id}/edit",
                       data=meeting_data(c, today)).status_code == 404


def test_meetings_are_newest_first_and_read_only_for_the_ea(login, world, c, today):
    f.make_committee_meeting(world.angkor, today - timedelta(days=200), [c.dara], key_issues="Oldest meeting")
    f.make_committee_meeting(world.angkor, today - timedelta(days=1), [c.vibol], chair=c.vibol,
                             key_issues="Newest meeting")
    db.session.commit()
    html = login(world.ea).get(f"{base(world.angkor)}/meetings").get_data(as_text=True)
    assert html.index("Newest meeting") < html.index("Canteen hygiene") < html.index("Oldest meeting")
    assert "/meetings/new" not in html and "/edit" not in html and "<textarea" not in html
    factory_html = login(world.factory_user).get(f"{base(world.angkor)}/meetings").get_data(as_text=True)
    assert "/meetings/new" in factory_html and f"/meetings/{c.meeting.id}/edit" in factory_html
