"""What the people of a factory's life do, one step each, over HTTP as they would, on a day
of the story (time-machine moves the clock; days are Phnom Penh's, Angkor's programme).

Each step asserts only that the portal took the action (its status code) and returns what it
made; the test asserts the rules where they apply. New rules get new steps here (or a keyword
on an existing one): e.g. a refused submission (``submit(..., expect=422)``), a merge choice
for a repeated finding (``import_findings(merges=...)``), the lead assessor's comment
(``lead_comment``), a refused release (``release(..., expect=422)``), the EA's review of an
item not repeated (``review_not_repeated``).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from bwportal.domain.reports.spec import Kind, sections_for
from bwportal.extensions import db
from bwportal.jobs import deadlines
from bwportal.models import (
    AdvisoryVisit,
    Cycle,
    Finding,
    IPItem,
    IPStatus,
    OutboxMessage,
    ProgressReport,
    RaisedBy,
    ReportKind,
    ReportStatus,
    RootCause,
    Subscription,
)
from tests import factories as f
from tests.conftest import sign_in

ZONE = ZoneInfo("Asia/Phnom_Penh")
CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}


def at(day: date, hour: int = 10) -> datetime:
    """A moment of ``day`` in Phnom Penh."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def ok(response, *expected):
    """The response, checked to be one of ``expected`` (a redirect by default)."""
    expected = expected or (302,)
    assert response.status_code in expected, (response.status_code, response.get_data(as_text=True)[:3000])
    assert "/sign-in" not in response.headers.get("Location", ""), "signed out"
    return response


@dataclass
class Story:
    app: object
    client: object
    world: object
    mailbox: object
    run_jobs: object
    late_buyer: object = None
    other_assessor: object = None
    day: date | None = None
    _signed_in: object = field(default=None, repr=False)

    # --- the clock and who acts ---------------------------------------------------------------

    @property
    def factory(self):
        return self.world.angkor

    @contextmanager
    def on(self, day: date, hour: int = 10):
        """Everything inside happens on ``day`` (Phnom Penh time); people sign in again each day."""
        self.day, self._signed_in = day, None
        with time_machine.travel(at(day, hour), tick=False):
            yield self

    def as_(self, user):
        """The client, signed in as ``user``."""
        if self._signed_in is not user:
            self.client.post("/sign-out")
            sign_in(self.client, user)
            self._signed_in = user
        return self.client

    def page(self, user, url: str, status: int = 200) -> str:
        return ok(self.as_(user).get(url), status).get_data(as_text=True)

    def url(self, suffix: str = "") -> str:
        return f"/factories/{self.factory.id}{suffix}"

    # --- cycles, visits, assessments (CYC-1..3) --------------------------------------------------

    def start_cycle(self, user, number: int, start: date) -> Cycle:
        ok(self.as_(user).post(self.url("/cycles"), data={"number": str(number), "start_date": start.isoformat()}))
        return self._cycle(number)

    def record_late_cycle(self, user, number: int, start: date) -> Cycle:
        """A cycle entered after the fact, dated back (the admin catches up)."""
        return self.start_cycle(user, number, start)

    def log_visit(self, cycle: Cycle, day: date, description: str) -> AdvisoryVisit:
        ok(self.as_(self.world.ea).post(self.url("/visits"), data={
            "cycle_id": str(cycle.id), "visit_date": day.isoformat(), "description": description}))
        return db.session.scalar(select(AdvisoryVisit).where(AdvisoryVisit.description == description))

    def record_assessment(self, cycle: Cycle, day: date) -> None:
        ok(self.as_(self.world.assessor).post(self.url(f"/cycles/{cycle.id}/assessment"), data={
            "assessment_date": day.isoformat(), "lead_assessor_id": str(self.world.assessor.id)}))

    def add_finding(self, cycle: Cycle, point_name: str, text: str, public: bool) -> Finding:
        point = f.catalogue_point(point_name, self.world.kh)
        data = {"cluster_id": str(point.cluster_id), "compliance_point_id": str(point.id), "text": text}
        if public:
            data["publicly_reported"] = "y"
        ok(self.as_(self.world.assessor).post(self.url(f"/cycles/{cycle.id}/findings"), data=data))
        return db.session.scalar(select(Finding).where(Finding.text == text))

    def release(self, cycle: Cycle, day: date, expect: int = 302) -> str:
        """The assessor enters the report's release date; refused (422) while an open publicly
        reported item lacks the lead assessor's comment (002 §3.4.1): the page says which."""
        return ok(self.as_(self.world.assessor).post(self.url(f"/cycles/{cycle.id}/release-date"),
                                                     data={"report_release_date": day.isoformat()}), expect) \
            .get_data(as_text=True)

    def lead_comment(self, item: IPItem, body: str, user=None, expect: int = 302) -> None:
        """The lead assessor (or ``user``: an admin, another assessor) comments on an item for
        the report of the assessment awaiting release (002 §3.4.1)."""
        ok(self.as_(user or self.world.assessor).post(self.url(f"/ip/{item.id}/comments"), data={"body": body}),
           expect)

    # --- the Improvement Plan --------------------------------------------------------------------

    def add_self_diagnosed_item(self, cycle: Cycle, visit: AdvisoryVisit | None, area: str,
                                point_name: str) -> IPItem:
        """The factory adds an issue it found itself (IP-1: advisory origin, raised by self-diagnosis)."""
        point = f.catalogue_point(point_name, self.world.kh)
        data = {"area_of_improvement": area, "cluster_id": str(point.cluster_id),
                "compliance_point_id": str(point.id), "cycle_id": str(cycle.id),
                "advisory_visit_id": str(visit.id) if visit else "",
                "raised_by_id": str(f.catalogue_row(RaisedBy, "Self-diagnosis", self.world.kh).id),
                **self._factory_fields(), "status": "pending"}
        ok(self.as_(self.world.factory_user).post(self.url("/ip/new"), data=data))
        return db.session.scalar(select(IPItem).where(IPItem.area_of_improvement == area))

    def import_findings(self, merges: dict | None = None) -> None:
        """The EA brings the latest assessment's findings into the IP (CYC-2, IP-8); ``merges``:
        finding -> (earlier item, comment for buyers)."""
        data = {}
        for finding, (item, comment) in (merges or {}).items():
            data[f"merge-{finding.id}"], data[f"comment-{finding.id}"] = str(item.id), comment
        ok(self.as_(self.world.ea).post(self.url("/ip/import"), data=data))

    def item_of(self, finding: Finding) -> IPItem:
        """The IP item that tracks ``finding`` now (after an import or a merge)."""
        db.session.expire_all()
        return db.session.get(Finding, finding.id).ip_item

    def fill_item(self, item: IPItem) -> None:
        """The factory fills fields [36-42] of an item, as the guide asks of every item (IP-4)."""
        db.session.refresh(item)
        data = {**self._factory_fields(), "status": "in_progress", "version": str(item.version)}
        if item.origin.value == "advisory":
            data.update(area_of_improvement=item.area_of_improvement, cluster_id=str(item.cluster_id),
                        compliance_point_id=str(item.compliance_point_id))
        ok(self.as_(self.world.factory_user).post(self.url(f"/ip/{item.id}/edit"), data=data))

    def fill_open_items(self) -> None:
        for item in db.session.scalars(select(IPItem).where(IPItem.factory_id == self.factory.id,
                                                            IPItem.status != IPStatus.COMPLETED).order_by(IPItem.id)):
            self.fill_item(item)

    def _factory_fields(self) -> dict:
        return {"root_cause_id": str(f.catalogue_row(RootCause, "Lack of training or skills", self.world.kh).id),
                "root_cause_description": "Supervisors were not trained", "actions_needed": "Train the supervisors",
                "lead_person": "Chea Mony", "additional_persons": "HR team",
                "target_date": (self.day + timedelta(days=60)).isoformat(), "progress": "Training planned"}

    def verify(self, item: IPItem, day: date, expect: int = 302) -> str:
        """The EA marks the item Completed after the three checks (IP-5); a refusal says why."""
        return ok(self.as_(self.world.ea).post(self.url(f"/ip/{item.id}/verify"),
                                               data={**CHECKS, "completion_date": day.isoformat()}), expect) \
            .get_data(as_text=True)

    def review_not_repeated(self, item: IPItem, day: date, grievance: str, enhancement: str,
                            expect: int = 302) -> str:
        """IP-8, 002 §3.3: the EA reviews an item the new assessment did not repeat with the
        committee (root causes addressed, the grievance mechanism's effectiveness, enhancements)."""
        return ok(self.as_(self.world.ea).post(self.url(f"/ip/{item.id}/verify"), data={
            "root_causes_addressed": "y", "grievance_mechanism_review": grievance,
            "grievance_enhancement": enhancement, "completion_date": day.isoformat()}), expect).get_data(as_text=True)

    def item_page(self, user, item: IPItem) -> str:
        return self.page(user, self.url(f"/ip/{item.id}"))

    def reload(self, item: IPItem) -> IPItem:
        db.session.expire_all()
        return db.session.get(IPItem, item.id)

    def complete_item(self, item: IPItem, day: date) -> None:
        """The factory reports it remediated; the EA verifies it with the committee (IP-5, IP-7)."""
        self.report_remediated(item)
        self.verify(item, day)

    def report_remediated(self, item: IPItem) -> None:
        """IP-7: the factory reports the item remediated; it waits for the EA's verification."""
        ok(self.as_(self.world.factory_user).post(self.url(f"/ip/{item.id}/remediated"),
                                                  data={"note": "Done; the committee saw it"}))

    # --- progress reports (PR-1..PR-11) -----------------------------------------------------------

    def new_pr1_form(self) -> str:
        return self.page(self.world.factory_user, self.url("/reports/new"))

    def create_pr1(self, cycle: Cycle, report_date: date | None = None) -> ProgressReport:
        data = {"cycle_id": str(cycle.id), "report_date": (report_date or self.day).isoformat()}
        ok(self.as_(self.world.factory_user).post(self.url("/reports/new"), data=data))
        return db.session.scalar(select(ProgressReport).where(ProgressReport.cycle_id == cycle.id)
                                 .order_by(ProgressReport.id.desc()).limit(1))

    def write_pr1(self, report: ProgressReport, note: str = "") -> None:
        """The factory answers every question of every section and saves each to draft."""
        client = self.as_(self.world.factory_user)
        for section in sections_for(ReportKind.PR1, self.world.kh):
            url = self.url(f"/reports/{report.id}/{section.slug}")
            version = re.search(r'name="version" value="(\d+)"', ok(client.get(url), 200).get_data(as_text=True))
            data = {"version": version[1]} if version else {}
            for q in section.questions:
                if q.kind is Kind.TICKS:
                    data[q.key] = [q.options[0].key]
                elif q.kind is Kind.YESNO:
                    data[q.key] = "yes"
                elif q.kind is Kind.TEXT:
                    data[q.key] = f"Our answer to {q.key}. {note}"
                if q.comment:
                    data[f"{q.key}__comment"] = f"Our comments on {q.key}. {note}"
            ok(client.post(url, data=data))

    def submit(self, report: ProgressReport, expect: int = 302):
        return ok(self.as_(self.world.factory_user).post(self.url(f"/reports/{report.id}/submit")), expect)

    def refused(self, report: ProgressReport, action: str = "submit") -> str:
        """The author tries ``action``; it is refused (the report stays a draft): the page they land on."""
        author = self.world.factory_user if action == "submit" else self.world.ea
        page = ok(self.as_(author).post(self.url(f"/reports/{report.id}/{action}"), follow_redirects=True), 200)
        db.session.expire_all()
        assert db.session.get(ProgressReport, report.id).status is ReportStatus.DRAFT
        return page.get_data(as_text=True)

    def create_pr2(self, cycle: Cycle) -> ProgressReport:
        """The EA writes the cycle's PR2 (002 §3.2.1)."""
        data = {"cycle_id": str(cycle.id), "report_date": self.day.isoformat()}
        ok(self.as_(self.world.ea).post(self.url("/reports/new"), data=data))
        report = db.session.scalar(select(ProgressReport).where(ProgressReport.cycle_id == cycle.id,
                                                                ProgressReport.kind == ReportKind.PR2)
                                   .order_by(ProgressReport.id.desc()).limit(1))
        ok(self.as_(self.world.ea).post(self.url(f"/reports/{report.id}/summary"),
                                        data={"improvements": "Fire exits cleared; overtime paid back"}))
        return report

    def release_pr2(self, report: ProgressReport) -> None:
        ok(self.as_(self.world.ea).post(self.url(f"/reports/{report.id}/release")))
        db.session.expire_all()
        assert db.session.get(ProgressReport, report.id).status is ReportStatus.APPROVED

    def comment(self, report: ProgressReport, section: str, body: str) -> None:
        ok(self.as_(self.world.ea).post(self.url(f"/reports/{report.id}/comments"),
                                        data={"section": section, "body": body}))

    def send_back(self, report: ProgressReport, reason: str) -> None:
        ok(self.as_(self.world.ea).post(self.url(f"/reports/{report.id}/send_back"), data={"comment": reason}))

    def approve(self, report: ProgressReport) -> None:
        ok(self.as_(self.world.ea).post(self.url(f"/reports/{report.id}/approve")))

    def editor(self, report: ProgressReport, section: str = "overview") -> str:
        return self.page(self.world.factory_user, self.url(f"/reports/{report.id}/{section}"))

    # --- publicly reported issues (PUB-1..3) ------------------------------------------------------

    def respond_publicly(self, finding: Finding, text: str, file_name: str) -> None:
        from io import BytesIO

        ok(self.as_(self.world.factory_user).post(
            self.url(f"/public-issues/{finding.id}/respond"), content_type="multipart/form-data",
            data={"text": text, "version": "", "files": [(BytesIO(f.public_png_bytes()), file_name)]}))

    def verify_response(self, finding: Finding) -> None:
        from bwportal.domain.public.issues import response_for

        response = response_for(finding.id)
        db.session.refresh(response)
        ok(self.as_(self.world.ea).post(self.url(f"/public-issues/{finding.id}/verify"),
                                        data={"version": str(response.version)}))

    def public_page(self, status: int = 200) -> str:
        """The factory's Transparency Portal page, as an anonymous visitor sees it."""
        return ok(self.app.test_client().get(f"/transparency/factories/{self.factory.id}"), status) \
            .get_data(as_text=True)

    def public_file(self, name: str) -> int:
        """The status an anonymous visitor gets for the evidence file ``name``."""
        from bwportal.models import EvidenceFile

        evidence = db.session.scalar(select(EvidenceFile).where(EvidenceFile.original_name == name))
        return self.app.test_client().get(f"/transparency/files/{evidence.id}").status_code

    # --- buyers (PR-9, PUB-1) ----------------------------------------------------------------------

    def subscribe(self, buyer) -> Subscription:
        """The buyer asks to follow the factory; the factory accepts."""
        ok(self.as_(buyer).post(f"/buyers/factories/{self.factory.id}/subscription"))
        subscription = db.session.scalar(select(Subscription).where(
            Subscription.factory_id == self.factory.id,
            Subscription.buyer_organisation_id == buyer.buyer_organisation_id))
        ok(self.as_(self.world.factory_user).post(self.url(f"/buyers/{subscription.id}/accept")))
        db.session.refresh(subscription)
        return subscription

    def reads(self, buyer, url: str) -> int:
        """The status ``buyer`` gets for ``url``."""
        return self.as_(buyer).get(url).status_code

    # --- notices (PR-3, JOB-2) -----------------------------------------------------------------------

    def sweep(self, day: date) -> None:
        """The hourly deadline sweep, run at 01:00 on ``day``."""
        deadlines.sweep(at(day, 1))

    def notices(self, kind: str) -> list[tuple[str, str | None]]:
        """(recipient e-mail, due date) of every notice of ``kind`` written so far."""
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == f"mail.{kind}")
                                  .order_by(OutboxMessage.id))
        return [(row.recipient.email, (row.payload.get("params") or {}).get("due")) for row in rows]

    def mails_to(self, user, subject_part: str) -> list:
        self.run_jobs()
        return [m for m in self.mailbox.messages(to=user.email) if subject_part in m["Subject"]]

    def _cycle(self, number: int) -> Cycle:
        db.session.expire_all()
        return db.session.scalar(select(Cycle).where(Cycle.factory_id == self.factory.id, Cycle.number == number))
