"""Scale data: ``flask --app wsgi seed-scale --factories N`` (default 10,000).

One programme (``Scale`` unless named otherwise) with N factories and everything their pages
show: 2–3 users each, a lead Enterprise Advisor (each EA covers 20–50 factories, some with a
supporting EA or an ended assignment), brands listed as customers with subscriptions in every
status, one or two cycles with findings, about 40 IP items per factory with their timelines
(Pending, In Progress, Delayed, Completed; merges and review flags on a second cycle; some
waiting for verification), advisory visits, committee members and meetings, training
enrolments, answers to publicly reported findings, and a PR1 per factory in every state:
draft with some sections saved, sent back, submitted, final (and the first cycle's final PR1
of factories on their second cycle).

Fast because it writes rows in bulk (one INSERT per table per batch of factories, one commit
per batch) with ids computed here, not one ORM object at a time; PostgreSQL's sequences are
moved past them after every batch. Run it on a quiet database: rows written by someone else
meanwhile could take the same ids.

Submitted and final reports carry their snapshot, built from the same rows, field for field
what ``report_snapshot.take`` returns (tests/web/test_seed_scale.py compares them), so the
pages read them exactly as they read a real submission's.
"""

import json
import random
import re
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, delete, func, insert, inspect, or_, select, text, update

from bwportal.domain.people.accounts import hash_password
from bwportal.domain.programmes.setup import create_programme
from bwportal.domain.reports.spec import PR1_SECTIONS, Kind
from bwportal.extensions import db
from bwportal.models import (
    BuyerOrganisation,
    Cluster,
    CommitteeMeeting,
    CompliancePoint,
    Factory,
    Programme,
    RaisedBy,
    RootCause,
    TrainingCourse,
    TrainingSession,
    User,
)

SCALE_PASSWORD = "scale-password"
DEFAULT_NAME = "Scale"
DEFAULT_FACTORIES = 10_000

# The tables written, in an order that satisfies their foreign keys.
TABLES = ("factory", "factory_customer", "user", "ea_assignment", "subscription", "cycle", "advisory_visit",
          "ip_item", "finding", "ip_event", "committee_member", "committee_meeting", "meeting_attendee",
          "public_response", "factory_training", "enrolment", "progress_report", "report_section",
          "report_transition", "report_comment")
# The state of each factory's PR1 on its latest cycle, in turn, so that any 20 factories
# in a row have every state: draft 30 %, sent back 10 %, submitted 25 %, final 35 %.
STATES = ("draft",) * 6 + ("sent_back",) * 2 + ("submitted",) * 5 + ("final",) * 7
STATES = tuple(random.Random(0).sample(STATES, len(STATES)))
# Those with an ``id`` the seeder assigns.
ID_TABLES = tuple(t for t in TABLES if t not in ("factory_customer", "meeting_attendee"))

FIRST = ("Sokha", "Dara", "Srey", "Pisey", "Vannak", "Rithy", "Bopha", "Chantha", "Kosal", "Nary", "Sophal", "Thida",
         "Vuthy", "Mony", "Nimol", "Ayesha", "Rahim", "Fatema", "Karim", "Nusrat", "Tanvir", "Shirin", "Jamal", "Dewi",
         "Siti", "Budi", "Agus", "Lestari", "Linh", "Minh", "Hoa", "Tuan", "Maria", "Ana", "Jorge", "Amira", "Omar")
LAST = ("Chan", "Kim", "Long", "Lim", "Keo", "Nhem", "Sok", "Heng", "Ouk", "Meas", "Rahman", "Akter", "Hossain",
        "Begum", "Islam", "Sari", "Wijaya", "Nguyen", "Tran", "Pham", "Lopez", "Haddad", "Mansour")
NAME_A = ("Golden", "River", "Lotus", "Eastern", "Silver", "Harbor", "Royal", "Green", "Sunrise", "Delta", "Pearl",
          "Northern", "Jade", "Coral", "Summit", "Orchid", "Phoenix", "Crescent", "Horizon", "Monsoon")
NAME_B = ("Garments", "Apparel", "Textiles", "Knitwear", "Fashion", "Clothing", "Sportswear", "Denim", "Fabrics")
ROLES_AT_WORK = ("HR", "Payroll", "OSH officer", "Production", "Compliance", "Admin", "Maintenance")
FINDING_TEXTS = (
    "{p}: records sampled do not match what workers said in interviews.",
    "{p}: no written procedure; practice differs between production lines.",
    "{p}: two of ten personnel files sampled were incomplete.",
    "{p}: the requirement is not met on the night shift.",
    "{p}: supervisors on floor {n} did not know the rule.",
    "{p}: found on the cutting floor during the walk-through.",
)
ADVISORY_TEXTS = (
    "Workers on line {n} asked for clearer information on {p}.",
    "The self-diagnosis found gaps in {p}.",
    "The union raised {p} at the last committee meeting.",
    "Management wants to improve {p} before peak season.",
)
ACTIONS = ("Write a procedure and train the supervisors", "Monthly check of records by the committee",
           "Replace the equipment and inspect it weekly", "Reconcile time cards with payroll every month",
           "Hold a briefing for all workers on each floor", "Agree a plan with the committee and post it")
PROGRESS = ("Procedure drafted; committee reviewed it.", "Half of the supervisors trained so far.",
            "Equipment ordered; delivery next month.", "First monthly check done; two gaps fixed.",
            "Started with the committee; first steps done.")
ROOT_NOTES = ("Nobody was responsible for it.", "The rule was not known on the floor.", "",
              "Rush orders left no time.", "")
VISITS = ("Introduced the IP to the committee; agreed priorities.", "Reviewed overtime records with payroll.",
          "Committee meeting on emergency exits and heat.", "Walked the floor with the OSH officer.",
          "Checked progress on publicly reported items.", "Coached the committee chair on minutes.")
MEETING_ISSUES = ("Overtime planning for peak season; follow-up by HR.", "Locked exits on floor 2; OSH officer to "
                  "check daily.", "Canteen hygiene; contractor to be replaced.", "Leave requests refused; new form.")
RESPONSES = ("Corrected; the committee checks it every month.", "Back pay paid with this month's wages.",
             "New procedure posted on every floor; supervisors trained.", "Fixed and inspected; log signed weekly.")
SENT_BACK = ("Please add the dates of the committee meetings.", "Please say which items were discussed with workers.")
EA_COMMENTS = ("Good progress; please add the dates.", "Please explain why this has not been applied yet.",
               "Which training did the supervisors receive?")
TEXT_ANSWERS = ("The committee met twice and agreed the priorities.", "Supervisors and line leaders; OSH topics.",
                "Training on fire safety for all floors next month.", "The seminars were very useful.")


class ScaleExists(Exception):
    """A programme of that name exists; ``args[0]`` says so."""


@dataclass
class ScaleResult:
    programme_id: int
    factories: int
    seconds: float
    counts: dict = field(default_factory=dict)
    reports: dict = field(default_factory=dict)  # PR1 state -> number
    sample: dict = field(default_factory=dict)  # role -> e-mail
    sample_factory: str = ""


def email_domain(name: str) -> str:
    """The programme's users' e-mail domain: ``scale.test`` for ``Scale``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scale"
    return f"{slug}.test"


def programme_exists(name: str) -> bool:
    return db.session.scalar(select(Programme.id).where(Programme.name == name)) is not None


def _iso(value):
    return value.isoformat() if value is not None else None


def _write(name: str, rows: list[dict]) -> None:
    """Insert ``rows`` (all with the same keys) into the table ``name``, in the session's
    transaction: PostgreSQL's COPY (many times faster than INSERT), else one executemany."""
    table = db.metadata.tables[name]
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    # Columns left out get their default: the model's constant here, the database's otherwise.
    constants = {c.name: getattr(c.default.arg, "value", c.default.arg) for c in table.c  # an enum: its value
                 if c.name not in rows[0] and c.default is not None and c.default.is_scalar}
    columns += list(constants)
    rows = [{**row, **constants} for row in rows] if constants else rows
    as_json = {c.name for c in table.c if isinstance(c.type, JSON)}
    raw = db.session.connection().connection.dbapi_connection  # psycopg 3
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json and row[c] is not None else row[c]
                            for c in columns])


# --- ids -------------------------------------------------------------------------------------

class _Ids:
    """The next free id of each table, taken from the data once; PostgreSQL's sequences are
    moved past what was written (``sync``)."""

    def __init__(self):
        self.next = {}
        for name in ID_TABLES:
            table = db.metadata.tables[name]
            self.next[name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def sync(self) -> None:
        if db.engine.dialect.name != "postgresql":
            return  # SQLite continues from the largest rowid
        for name in ID_TABLES:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{name}\"), 1))"))


# --- the programme's catalogue and staff -----------------------------------------------------

@dataclass
class _Catalogue:
    points: list  # (id, cluster_id, name, public, interviews, cluster position, point position)
    names: dict  # (table, id) -> English name
    translations: dict  # (table, id) -> name_translations
    root_causes: list
    raised_by: list
    sessions: list  # (id, course name, days, starts_on, location, course translations)


def _catalogue(programme_id: int) -> _Catalogue:
    names, translations = {}, {}
    clusters = {c.id: c for c in db.session.scalars(select(Cluster).where(Cluster.programme_id == programme_id))}
    for c in clusters.values():
        names["cluster", c.id], translations["cluster", c.id] = c.name, dict(c.name_translations or {})
    points = []
    for p in db.session.scalars(select(CompliancePoint).where(CompliancePoint.cluster_id.in_(clusters))
                                .order_by(CompliancePoint.id)):
        if not p.active:
            continue
        names["point", p.id], translations["point", p.id] = p.name, dict(p.name_translations or {})
        points.append((p.id, p.cluster_id, p.name, p.publicly_reported, p.needs_worker_interviews,
                       clusters[p.cluster_id].position, p.position))
    flat = {}
    for key, model in (("root_cause", RootCause), ("raised_by", RaisedBy)):
        rows = list(db.session.scalars(select(model).where(model.programme_id == programme_id, model.active)
                                       .order_by(model.position)))
        for r in rows:
            names[key, r.id], translations[key, r.id] = r.name, dict(r.name_translations or {})
        flat[key] = [r.id for r in rows]
    return _Catalogue(points, names, translations, flat["root_cause"], flat["raised_by"], [])


def _training_sessions(programme_id: int, today: date, rng: random.Random) -> list:
    courses = list(db.session.scalars(select(TrainingCourse).where(TrainingCourse.programme_id == programme_id)
                                      .order_by(TrainingCourse.id)))
    sessions = []
    for n in range(14):
        course = courses[n % len(courses)]
        session = TrainingSession(programme_id=programme_id, course_id=course.id, seats=25,
                                  starts_on=today + timedelta(days=-210 + n * 21 + rng.randint(0, 6)),
                                  location=("Better Work office", "Industrial park hall", "Online")[n % 3])
        db.session.add(session)
        sessions.append((session, course))
    db.session.flush()
    return [(s.id, c.name, c.days, s.starts_on, s.location, dict(c.name_translations or {})) for s, c in sessions]


# --- the generator ---------------------------------------------------------------------------

class _Generator:
    def __init__(self, programme, catalogue: _Catalogue, staff: dict, brands: list, buyers: dict,
                 password_hash: str, domain: str, ids: _Ids, seed: int, people_only: bool = False):
        self.people_only = people_only
        self.programme, self.cat, self.staff, self.brands, self.buyers = programme, catalogue, staff, brands, buyers
        self.password_hash, self.domain, self.ids, self.seed = password_hash, domain, ids, seed
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.names = {u["id"]: u["name"] for u in staff["all"]}
        self.rows: dict[str, list] = {t: [] for t in TABLES}
        self.counts: dict[str, int] = {t: 0 for t in TABLES}
        self.reports: dict[str, int] = {}
        self.sample: dict | None = None

    # The EA of each factory: blocks of 20–50 factories per EA, in factory order.
    def lead_ea(self, index: int) -> dict:
        return self.staff["eas"][self.staff["ea_of"][index]]

    def flush(self) -> None:
        """Write what was generated, table by table, and commit."""
        for name in TABLES:
            rows = self.rows[name]
            if rows:
                _write(name, rows)
                self.counts[name] += len(rows)
                self.rows[name] = []
        self.ids.sync()
        db.session.commit()

    def _add(self, table: str, **values) -> dict:
        if table in ID_TABLES:
            values = {"id": self.ids.take(table), **values}
        self.rows[table].append(values)
        return values

    def _at(self, day: date, rng: random.Random) -> datetime:
        """A moment of that day (never in the future)."""
        moment = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 540))
        return min(moment, self.now - timedelta(minutes=rng.randint(1, 600)))

    def _person(self, rng) -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    # --- one factory ---------------------------------------------------------------------------

    def factory(self, index: int) -> None:
        rng = random.Random(self.seed * 1_000_003 + index)
        n = index + 1
        ea = self.lead_ea(index)
        # The first factory shows everything: a draft to edit, two released cycles (so it is on
        # the Transparency Portal), a subscribed brand. The command prints its people.
        showcase = index == 0
        ctx = {"rng": rng, "ea": ea, "showcase": showcase,
               "state": "draft" if showcase else STATES[(index + self.seed) % len(STATES)]}
        male, female = rng.randint(80, 900), rng.randint(300, 4000)
        created = self.now - timedelta(days=rng.randint(800, 1500))
        factory = self._add(
            "factory", programme_id=self.programme.id, name=f"{rng.choice(NAME_A)} {rng.choice(NAME_B)} {n:05d}",
            address=f"{rng.randint(1, 400)} Industrial Road {rng.randint(1, 60)}, {self.programme.name}",
            contact_name=self._person(rng), phone=f"+880 2 555 {n:05d}", email=f"hr{n:05d}@factory.{self.domain}",
            ownership_info=rng.choice(("Privately owned", "Joint venture", "Subsidiary of a listed group")),
            male_employees=male, female_employees=female, active=True, created_at=created, updated_at=None,
            updated_by_id=None, version=1)
        fid = factory["id"]
        ctx["factory"] = factory
        listed = rng.sample(range(len(self.brands)), k=min(len(self.brands), rng.choice((1, 1, 2, 2, 3))))
        for b in listed:
            self._add("factory_customer", factory_id=fid, buyer_organisation_id=self.brands[b]["id"])
        ctx["customers"] = sorted(self.brands[b]["name"] for b in listed)
        users = []
        for k in range(1, rng.choice((2, 3, 3)) + 1):
            users.append(self._add(
                "user", email=f"f{n:05d}.{k}@{self.domain}", name=self._person(rng), password_hash=self.password_hash,
                role="factory", locale="en", factory_id=fid, buyer_organisation_id=None, programme_id=None,
                active=True, is_account_manager=k == 1, created_at=created, last_sign_in_at=None))
        ctx["users"] = users
        self._assignments(ctx, index, created)
        if self.people_only:
            self._subscriptions(ctx, listed, created.date())
            self._maybe_sample(ctx)
            return
        cycles = self._cycles(ctx)
        self._subscriptions(ctx, listed, cycles[0]["assessment_date"])
        for cycle in cycles:
            self._visits(ctx, cycle, cycles)
        self._items(ctx, cycles)
        self._committee(ctx)
        self._responses(ctx, cycles)
        self._training(ctx, cycles[-1])
        self._reports(ctx, cycles)
        self._maybe_sample(ctx)

    def _assignments(self, ctx, index, created) -> None:
        rng, fid = ctx["rng"], ctx["factory"]["id"]
        admin = self.staff["admin"]["id"]
        eas = self.staff["eas"]
        if len(eas) > 1 and rng.random() < 0.1:  # an earlier lead EA, moved on
            before = eas[(self.staff["ea_of"][index] + 1) % len(eas)]
            started = created + timedelta(days=10)
            self._add("ea_assignment", ea_id=before["id"], factory_id=fid, is_lead=True, started_at=started,
                      ended_at=started + timedelta(days=rng.randint(100, 500)), assigned_by_id=admin)
        self._add("ea_assignment", ea_id=ctx["ea"]["id"], factory_id=fid, is_lead=True,
                  started_at=created + timedelta(days=rng.randint(600, 700)), ended_at=None, assigned_by_id=admin)
        if len(eas) > 1 and rng.random() < 0.1:  # a supporting EA
            support = eas[(self.staff["ea_of"][index] + 2) % len(eas)]
            if support["id"] != ctx["ea"]["id"]:
                self._add("ea_assignment", ea_id=support["id"], factory_id=fid, is_lead=False,
                          started_at=created + timedelta(days=700), ended_at=None, assigned_by_id=admin)

    def _cycles(self, ctx) -> list[dict]:
        rng, fid, today = ctx["rng"], ctx["factory"]["id"], self.today
        if ctx["showcase"] or rng.random() < 0.45:
            first = today - timedelta(days=rng.randint(420, 700))
            # Some were assessed again a few days ago: the report is not out yet and the PR1 a draft.
            just_assessed = ctx["state"] == "draft" and not ctx["showcase"] and rng.random() < 0.3
            second = today - timedelta(days=rng.randint(5, 20) if just_assessed else rng.randint(60, 300))
            starts = [first, second]
        else:
            starts = [today - timedelta(days=rng.randint(40, 360))]
        cycles = []
        for number, start in enumerate(starts, start=1):
            # About 100 days of advisory before the assessment, after the previous report's release (CYC-1).
            advisory = start - timedelta(days=rng.randint(90, 110))
            if cycles:
                advisory = max(advisory, cycles[-1]["report_release_date"] + timedelta(days=1))
            cycles.append(self._add(
                "cycle", factory_id=fid, number=number, start_date=advisory, assessment_date=start,
                report_release_date=start + timedelta(days=rng.randint(21, 35)),
                lead_assessor_id=rng.choice(self.staff["assessors"])["id"], created_at=self._at(advisory, rng)))
        ctx["cycles"] = cycles
        return cycles

    def _subscriptions(self, ctx, listed, since: date) -> None:
        rng, fid = ctx["rng"], ctx["factory"]["id"]
        manager = ctx["users"][0]["id"]
        for b in listed:
            brand = self.brands[b]
            r = 0 if ctx["showcase"] and b == listed[0] else rng.random()
            status = "active" if r < 0.6 else "requested" if r < 0.75 else "declined" if r < 0.8 else None
            if status is None:
                continue
            asked = self._at(since + timedelta(days=rng.randint(1, 20)), rng)
            decided = asked + timedelta(days=rng.randint(1, 10)) if status != "requested" else None
            # What an accepted subscription covers, as subscriptions.accept keeps it: the cycle in progress.
            first = None
            if status == "active":
                day = decided.astimezone(ZoneInfo(self.programme.timezone)).date()
                first = max((c["number"] for c in ctx.get("cycles", []) if c["start_date"] <= day), default=0)
            self._add("subscription", buyer_organisation_id=brand["id"], factory_id=fid, status=status,
                      requested_at=asked, requested_by_id=rng.choice(self.buyers[brand["id"]])["id"],
                      accepted_at=decided if status == "active" else None, decided_at=decided,
                      decided_by_id=manager if decided else None, first_cycle_number=first)
            if status == "active":
                ctx.setdefault("subscribed", []).append(brand["id"])

    def _visits(self, ctx, cycle, cycles) -> None:
        rng = ctx["rng"]
        start = cycle["assessment_date"]
        later = [c["assessment_date"] for c in cycles if c["number"] > cycle["number"]]
        end = min(later[0] if later else self.today, self.today)
        span = (end - start).days
        if span < 3:
            return
        days = sorted(rng.sample(range(1, span), k=min(span - 1, rng.randint(3, 5))))
        ctx.setdefault("visits", [])
        for d in days:
            day = start + timedelta(days=d)
            ctx["visits"].append(self._add(
                "advisory_visit", factory_id=ctx["factory"]["id"], cycle_id=cycle["id"], visit_date=day,
                description=rng.choice(VISITS), ea_id=ctx["ea"]["id"], created_at=self._at(day, rng)))

    # --- the Improvement Plan ------------------------------------------------------------------

    def _event(self, ctx, item, kind, actor, at, *, field=None, old=None, new=None, body="") -> None:
        self._add("ip_event", item_id=item["id"], factory_id=item["factory_id"], kind=kind, actor_id=actor,
                  created_at=at, field=field, old_value=old, new_value=new, body=body)

    def _item(self, ctx, cycle, origin, point, *, area, public, created_by, visit=None, raised_by=None) -> dict:
        return self._add(
            "ip_item", factory_id=ctx["factory"]["id"], programme_id=ctx["factory"]["programme_id"],
            cycle_id=cycle["id"], origin=origin,
            advisory_visit_id=visit["id"] if visit else None, raised_by_id=raised_by, area_of_improvement=area,
            cluster_id=point[1], compliance_point_id=point[0], root_cause_id=None, root_cause_description="",
            actions_needed="", lead_person="", additional_persons="", status="pending", progress="",
            no_progress=False, key_work_ahead="", target_date=None, completion_date=None, publicly_reported=public,
            needs_worker_interviews=point[4] if origin == "assessment" else False, review_with_committee=False,
            remediation_reported_at=None, remediation_note="", check_committee_agrees=False,
            check_evidence_reviewed=False, check_root_causes_followed=False, completed_by_id=None,
            created_by_id=created_by, created_at=self._at(cycle["assessment_date"] + timedelta(days=1), ctx["rng"]),
            updated_at=None, version=1)

    def _finding(self, ctx, cycle, point, item_id) -> dict:
        rng = ctx["rng"]
        text_ = rng.choice(FINDING_TEXTS).format(p=point[2], n=rng.randint(1, 5))
        return self._add("finding", factory_id=ctx["factory"]["id"], cycle_id=cycle["id"], cluster_id=point[1],
                         compliance_point_id=point[0], text=text_, publicly_reported=point[3], ip_item_id=item_id,
                         created_at=self._at(cycle["assessment_date"] + timedelta(days=1), rng))

    def _items(self, ctx, cycles) -> None:
        rng = ctx["rng"]
        ea, factory_user = ctx["ea"]["id"], ctx["users"][0]["id"]
        ctx["items"], ctx["findings"] = [], []
        newer = len(cycles) > 1
        open_by_point: dict[int, dict] = {}
        for cycle in cycles:
            next_start = next((c["assessment_date"] for c in cycles if c["number"] == cycle["number"] + 1), None)
            if cycle["number"] == 1:
                points = rng.sample(self.cat.points, k=min(len(self.cat.points),
                                                           rng.randint(25, 31) if newer else rng.randint(33, 39)))
            else:
                points = rng.sample(self.cat.points, k=min(len(self.cat.points), rng.randint(16, 24)))
            repeated = set()
            for point in sorted(points, key=lambda p: (p[5], p[6])):
                earlier = open_by_point.get(point[0])
                if earlier is not None:  # a repeated finding joins the open item (ip_import.merge)
                    finding = self._finding(ctx, cycle, point, earlier["id"])
                    earlier["publicly_reported"] = earlier["publicly_reported"] or finding["publicly_reported"]
                    self._event(ctx, earlier, "merged", ea, self._at(cycle["assessment_date"] + timedelta(days=2),
                                                                      rng),
                                field="finding", new=str(finding["id"]), body="Repeated in the new assessment.")
                    repeated.add(point[0])
                    ctx["findings"].append(finding)
                    continue
                item = self._item(ctx, cycle, "assessment", point, area="", public=point[3],
                                  created_by=rng.choice((None, ea)))
                finding = self._finding(ctx, cycle, point, item["id"])
                item["area_of_improvement"] = finding["text"]
                ctx["findings"].append(finding)
                self._event(ctx, item, "created", item["created_by_id"], item["created_at"])
                self._work(ctx, item, cycle, next_start, factory_user)
                ctx["items"].append(item)
            if cycle["number"] > 1:  # open items of earlier cycles not repeated: review with the committee
                for point_id, item in open_by_point.items():
                    if point_id not in repeated and item["status"] != "completed":
                        item["review_with_committee"] = True
                        self._event(ctx, item, "review_flagged", ea,
                                    self._at(cycle["assessment_date"] + timedelta(days=2), rng),
                                    new=str(cycle["number"]))
            visits = [v for v in ctx.get("visits", []) if v["cycle_id"] == cycle["id"]]
            for _ in range(rng.randint(1, 3) if newer else rng.randint(2, 5)):
                if not visits:
                    break
                visit = rng.choice(visits)
                point = rng.choice(self.cat.points)
                item = self._item(ctx, cycle, "advisory", point,
                                  area=rng.choice(ADVISORY_TEXTS).format(p=point[2].lower(), n=rng.randint(1, 9)),
                                  public=False, created_by=factory_user, visit=visit,
                                  raised_by=rng.choice(self.cat.raised_by))
                item["created_at"] = self._at(visit["visit_date"], rng)
                self._event(ctx, item, "created", factory_user, item["created_at"])
                self._work(ctx, item, cycle, next_start, factory_user)
                ctx["items"].append(item)
            for item in ctx["items"]:
                if item["cycle_id"] == cycle["id"] and item["status"] != "completed":
                    open_by_point.setdefault(item["compliance_point_id"], item)

    def _work(self, ctx, item, cycle, next_start: date | None, factory_user: int) -> None:
        """What the factory and the EA did with the item: its fields, status and timeline.
        ``next_start``: when the factory was assessed again (None: not yet)."""
        rng, ea = ctx["rng"], ctx["ea"]["id"]
        start = cycle["assessment_date"]
        r = rng.random()
        if r < 0.18 or (self.today - start).days < 30:
            return  # Pending, untouched (or just assessed)
        worked = self._at(start + timedelta(days=rng.randint(5, 30)), rng)
        item.update(root_cause_id=rng.choice(self.cat.root_causes), root_cause_description=rng.choice(ROOT_NOTES),
                    actions_needed=rng.choice(ACTIONS),
                    lead_person=f"{self._person(rng)} ({rng.choice(ROLES_AT_WORK)})",
                    progress=rng.choice(PROGRESS), status="in_progress", updated_at=worked,
                    version=rng.randint(2, 4))
        if rng.random() < 0.3:
            item["additional_persons"] = self._person(rng)
        if rng.random() < 0.2:
            item["key_work_ahead"] = "Follow up at the next advisory visit."
        self._event(ctx, item, "field", factory_user, worked, field="actions_needed", old="",
                    new=item["actions_needed"])
        self._event(ctx, item, "field", factory_user, worked, field="root_cause_id", old=None,
                    new=str(item["root_cause_id"]))
        self._event(ctx, item, "status", factory_user, worked, field="status", old="pending", new="in_progress")
        if rng.random() < 0.06:
            self._event(ctx, item, "assessor_comment", cycle["lead_assessor_id"], worked + timedelta(hours=2),
                        body="Check the night shift as well.")
        # IP-6: an item that needs worker interviews is Completed only after the next assessment.
        may_complete = next_start is not None or not item["needs_worker_interviews"]
        if r < 0.45:  # In Progress, target ahead; some reported remediated, waiting for the EA
            item["target_date"] = self.today + timedelta(days=rng.randint(10, 240))
            if rng.random() < 0.08:
                reported = self.now - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
                item["remediation_reported_at"] = reported
                item["remediation_note"] = "Done; the committee checked a sample."
                self._event(ctx, item, "remediation_reported", factory_user, reported,
                            body=item["remediation_note"])
        elif r < 0.65 or not may_complete:  # past its target date: Delayed (the daily job, no actor)
            item["target_date"] = max(start + timedelta(days=30), self.today - timedelta(days=rng.randint(1, 120)))
            if item["target_date"] >= self.today:
                item["target_date"] = self.today - timedelta(days=1)
            item["status"] = "delayed"
            self._event(ctx, item, "status", None, self._at(item["target_date"] + timedelta(days=1), rng),
                        field="status", old="in_progress", new="delayed")
        else:  # Completed after the EA's three checks
            first = next_start if item["needs_worker_interviews"] else start + timedelta(days=30)
            done = first + timedelta(days=rng.randint(0, max(0, (self.today - first).days - 1)))
            item.update(target_date=done + timedelta(days=rng.randint(0, 30)), completion_date=done, status="completed",
                        completed_by_id=ea, check_committee_agrees=True, check_evidence_reviewed=True,
                        check_root_causes_followed=True, updated_at=self._at(done, rng))
            self._event(ctx, item, "remediation_reported", factory_user, self._at(done - timedelta(days=3), rng),
                        body="Done; evidence with the committee.")
            self._event(ctx, item, "field", ea, self._at(done, rng), field="completion_date", old=None,
                        new=done.isoformat())
            self._event(ctx, item, "status", ea, self._at(done, rng), field="status", old="in_progress",
                        new="completed")

    # --- annexes -------------------------------------------------------------------------------

    def _committee(self, ctx) -> None:
        rng, fid = ctx["rng"], ctx["factory"]["id"]
        names, wanted = set(), rng.randint(6, 9)
        while len(names) < wanted:
            names.add(self._person(rng))
        names = sorted(names)
        rng.shuffle(names)
        roles = ["chair", "secretary", "management_rep", "management_rep"]
        since = self.today - timedelta(days=rng.randint(200, 900))
        members = []
        for i, name in enumerate(names):
            role = roles[i] if i < len(roles) else "worker_rep"
            left = i == len(names) - 1 and rng.random() < 0.4  # a former member
            members.append(self._add(
                "committee_member", factory_id=fid, name=name, role=role,
                gender=rng.choice(("female", "female", "male")),
                how_chosen="selected" if role in ("management_rep", "secretary") else "elected",
                since=since, until=self.today - timedelta(days=rng.randint(10, 100)) if left else None))
        ctx["members"] = members
        current = [m for m in members if m["until"] is None]
        ctx["meetings"], ctx["attendees"] = [], {}
        for d in sorted(rng.sample(range(5, 300), k=rng.randint(2, 4)), reverse=True):
            day = self.today - timedelta(days=d)
            meeting = self._add(
                "committee_meeting", factory_id=fid, meeting_date=day, key_issues=rng.choice(MEETING_ISSUES),
                engagement="Results posted on the notice board.", to_improve=rng.choice(("", "Send the agenda "
                                                                                          "earlier.")),
                chair_id=members[0]["id"], union_present=rng.random() < 0.5, ea_present=rng.random() < 0.4,
                externals_present=False, created_by_id=ctx["users"][0]["id"], created_at=self._at(day, rng))
            attendees = rng.sample(current, k=min(len(current), rng.randint(3, 5)))
            for m in attendees:
                self._add("meeting_attendee", meeting_id=meeting["id"], member_id=m["id"])
            ctx["attendees"][meeting["id"]] = sorted(m["name"] for m in attendees)
            ctx["meetings"].append(meeting)

    def _responses(self, ctx, cycles) -> None:
        rng = ctx["rng"]
        ctx["responses"] = {}
        for finding in ctx["findings"]:
            if not finding["publicly_reported"] or rng.random() > 0.6:
                continue
            cycle = next(c for c in cycles if c["id"] == finding["cycle_id"])
            at = self._at(min(self.today, cycle["assessment_date"] + timedelta(days=rng.randint(10, 40))), rng)
            verified = rng.random() < 0.5 and at + timedelta(days=3) < self.now
            ctx["responses"][finding["id"]] = self._add(
                "public_response", factory_id=finding["factory_id"], finding_id=finding["id"],
                text=rng.choice(RESPONSES), updated_by_id=ctx["users"][0]["id"], updated_at=at,
                verified_by_id=ctx["ea"]["id"] if verified else None,
                verified_at=at + timedelta(days=3) if verified else None,
                version=1)

    def _training(self, ctx, cycle) -> None:
        rng, fid = ctx["rng"], ctx["factory"]["id"]
        self._add("factory_training", factory_id=fid, cycle_id=cycle["id"], credit_days=rng.randint(3, 10))
        ctx["enrolments"] = []
        for session in rng.sample(self.cat.sessions, k=rng.randint(0, 3)):
            past = session[3] < self.today
            status = "completed" if past else rng.choice(("recommended", "requested", "registered"))
            ctx["enrolments"].append((self._add(
                "enrolment", factory_id=fid, session_id=session[0], status=status, participants=rng.randint(1, 8),
                note="", updated_by_id=ctx["ea"]["id"], updated_at=self.now - timedelta(days=rng.randint(1, 90))),
                session))

    # --- reports -------------------------------------------------------------------------------

    def _answers(self, rng, section) -> dict:
        """Answers of one PR1 section as the editor saves them (report_spec.parse_answers)."""
        answers = {}
        for q in section.questions:
            answer = {}
            if q.kind is Kind.TICKS:
                answer["value"] = [o.key for o in q.options if rng.random() < 0.6]
            elif q.kind is Kind.YESNO:
                answer["value"] = "yes" if rng.random() < 0.9 else "no"
            elif q.kind is Kind.TEXT:
                answer["value"] = rng.choice(TEXT_ANSWERS)
            if q.comment:
                answer["comment"] = rng.choice(("", "", "Discussed with the committee on the last meeting."))
            answers[q.key] = answer
        return answers

    def _reports(self, ctx, cycles) -> None:
        if len(cycles) > 1:
            self._report(ctx, cycles[0], "final", cycles, tally="final, earlier cycle")
        ctx["report"] = self._report(ctx, cycles[-1], ctx["state"], cycles)

    def _report(self, ctx, cycle, state, cycles, tally=None) -> dict:
        rng, fid = ctx["rng"], ctx["factory"]["id"]
        author, ea = ctx["users"][0]["id"], ctx["ea"]["id"]
        tally = tally or state.replace("_", " ")
        self.reports[tally] = self.reports.get(tally, 0) + 1
        release = cycle["report_release_date"]
        began = self._at(min(self.today, release + timedelta(days=rng.randint(1, 10))), rng)
        submitted = min(self.now - timedelta(hours=1), began + timedelta(days=rng.randint(5, 25)))
        report = self._add("progress_report", factory_id=fid, cycle_id=cycle["id"], kind="pr1",
                           report_date=submitted.date() if state != "draft" else began.date(),
                           status={"draft": "draft", "sent_back": "draft", "submitted": "submitted",
                                   "final": "approved"}[state],
                           created_by_id=author, created_at=began,
                           submitted_at=submitted if state != "draft" else None,
                           approved_at=None, snapshot=None)
        keys = [s.key for s in PR1_SECTIONS]
        if state == "draft":
            keys = keys[:3 if ctx["showcase"] else rng.randint(0, 3)]
        sections = {}
        for key in keys:
            section = next(s for s in PR1_SECTIONS if s.key == key)
            answers = self._answers(rng, section)
            if key == "social_dialogue":
                answers["q1"]["value"] = "yes"  # required before submission
            sections[key] = answers
            self._add("report_section", report_id=report["id"], factory_id=fid, key=key, answers=answers,
                      updated_at=began + timedelta(hours=rng.randint(1, 48)), updated_by_id=author,
                      version=rng.randint(1, 3))

        def step(action, src, dst, actor, at, comment=""):
            self._add("report_transition", report_id=report["id"], factory_id=fid, action=action, from_status=src,
                      to_status=dst, actor_id=actor, created_at=at, comment=comment)

        if state in ("sent_back", "submitted", "final"):
            if state == "sent_back" or (state == "final" and rng.random() < 0.2):
                first = submitted - timedelta(days=4)
                step("submit", "draft", "submitted", author, first)
                step("send_back", "submitted", "draft", ea, first + timedelta(days=1), rng.choice(SENT_BACK))
                if state == "sent_back":
                    report["submitted_at"] = first  # fire() keeps the first submission's time
            if state != "sent_back":
                step("submit", "draft", "submitted", author, submitted)
            for _ in range(rng.randint(1, 2) if state == "sent_back" else rng.randint(0, 1)):
                self._add("report_comment", report_id=report["id"], factory_id=fid, section_key=rng.choice(keys),
                          author_id=ea, created_at=submitted - timedelta(days=3), body=rng.choice(EA_COMMENTS))
        if state in ("submitted", "final"):
            report["snapshot"] = self._snapshot(ctx, report, cycle, cycles, sections, submitted)
        if state == "final":
            approved = min(self.now - timedelta(minutes=30), submitted + timedelta(days=rng.randint(1, 12)))
            report["approved_at"] = approved
            step("approve", "submitted", "approved", ea, approved)
        return report

    def _snapshot(self, ctx, report, cycle, cycles, sections, taken) -> dict:
        """What ``report_snapshot.take`` returns for this report, from the rows generated."""
        factory, programme, cat = ctx["factory"], self.programme, self.cat
        # A report of an earlier cycle was submitted before the later cycle's items existed.
        numbers = {c["id"]: c["number"] for c in cycles}
        items = [i for i in ctx["items"] if numbers[i["cycle_id"]] <= cycle["number"]]

        def tr(**rows):
            return {key: dict(cat.translations[row]) for key, row in rows.items()
                    if row[1] is not None and cat.translations.get(row)}

        def name(table, row_id):
            return cat.names[table, row_id] if row_id is not None else None

        items.sort(key=lambda i: (not i["publicly_reported"], i["target_date"] is None,
                                  i["target_date"] or date.min, i["id"]))
        visit_days = {v["id"]: v["visit_date"] for v in ctx.get("visits", [])}
        ip = [{
            "id": i["id"], "cycle": numbers[i["cycle_id"]], "origin": i["origin"],
            "visit": _iso(visit_days.get(i["advisory_visit_id"])) if i["advisory_visit_id"] else None,
            "raised_by": name("raised_by", i["raised_by_id"]), "publicly_reported": i["publicly_reported"],
            "area_of_improvement": i["area_of_improvement"], "cluster": name("cluster", i["cluster_id"]),
            "compliance_point": name("point", i["compliance_point_id"]),
            "root_cause": name("root_cause", i["root_cause_id"]), "root_cause_description": i["root_cause_description"],
            "actions_needed": i["actions_needed"], "lead_person": i["lead_person"],
            "additional_persons": i["additional_persons"], "status": i["status"], "progress": i["progress"],
            "no_progress": i["no_progress"], "key_work_ahead": i["key_work_ahead"],
            "target_date": _iso(i["target_date"]), "completion_date": _iso(i["completion_date"]),
            "translations": tr(cluster=("cluster", i["cluster_id"]),
                               compliance_point=("point", i["compliance_point_id"]),
                               root_cause=("root_cause", i["root_cause_id"]),
                               raised_by=("raised_by", i["raised_by_id"])),
        } for i in items]
        enrolments = sorted(ctx["enrolments"], key=lambda e: (e[1][3], e[0]["id"]))
        training = [{"course": s[1], "date": s[3].isoformat(), "days": s[2], "location": s[4], "status": e["status"],
                     "participants": e["participants"], "translations": {"course": dict(s[5])} if s[5] else {}}
                    for e, s in enrolments]
        # Current members first, then former ones, the latest to leave first (as of today, as take() judges).
        by_name = sorted(ctx["members"], key=lambda m: (m["name"], m["id"]))
        former = sorted((m for m in by_name if m["until"] is not None and m["until"] < self.today),
                        key=lambda m: m["until"], reverse=True)
        members = [{"name": m["name"], "role": m["role"], "gender": m["gender"], "how_chosen": m["how_chosen"],
                    "since": _iso(m["since"]), "until": _iso(m["until"]), "former": m in former}
                   for m in [m for m in by_name if m not in former] + former]
        chair = {m["id"]: m["name"] for m in ctx["members"]}
        meetings = [{"date": _iso(m["meeting_date"]), "chair": chair.get(m["chair_id"]),
                     "attendees": ctx["attendees"][m["id"]],
                     "key_issues": m["key_issues"], "engagement": m["engagement"], "to_improve": m["to_improve"],
                     "union_present": m["union_present"], "ea_present": m["ea_present"],
                     "externals_present": m["externals_present"]}
                    for m in sorted(ctx["meetings"], key=lambda m: (m["meeting_date"], m["id"]), reverse=True)]
        visits = [{"date": _iso(v["visit_date"]), "cycle": numbers[v["cycle_id"]], "description": v["description"],
                   "ea": self.names.get(v["ea_id"])}
                  for v in sorted(ctx.get("visits", []), key=lambda v: v["visit_date"], reverse=True)]
        public = [f for f in ctx["findings"] if f["cycle_id"] == cycle["id"] and f["publicly_reported"]]
        positions = {p[0]: (p[5], p[6]) for p in cat.points}
        public_annex = []
        for f in sorted(public, key=lambda f: (*positions[f["compliance_point_id"]], f["id"])):
            response = ctx["responses"].get(f["id"])
            public_annex.append({
                "cluster": name("cluster", f["cluster_id"]),
                "compliance_point": name("point", f["compliance_point_id"]),
                "finding": f["text"], "response": response["text"] if response else "",
                "verified": bool(response and response["verified_at"]), "files": [],
                "translations": tr(cluster=("cluster", f["cluster_id"]),
                                   compliance_point=("point", f["compliance_point_id"]))})
        public_findings = [{"cluster": name("cluster", f["cluster_id"]),
                            "compliance_point": name("point", f["compliance_point_id"]), "text": f["text"],
                            "translations": tr(cluster=("cluster", f["cluster_id"]),
                                               compliance_point=("point", f["compliance_point_id"]))}
                           for f in sorted(public, key=lambda f: f["id"])]
        # The IP as the report covers it (domain.reports.counts): items tracking a finding of
        # the cycle (merged repeats too) and the advisory items of the cycle.
        assessed = {f["ip_item_id"] for f in ctx["findings"] if f["cycle_id"] == cycle["id"] and f["ip_item_id"]}
        counted = [i for i in ctx["items"]
                   if i["id"] in assessed or (i["cycle_id"] == cycle["id"] and i["origin"] == "advisory")]
        return {
            "taken_at": taken.isoformat(),
            "enterprise": {
                "name": factory["name"], "address": factory["address"], "contact_name": factory["contact_name"],
                "phone": factory["phone"], "email": factory["email"], "ownership_info": factory["ownership_info"],
                "male_employees": factory["male_employees"], "female_employees": factory["female_employees"],
                "total_employees": factory["male_employees"] + factory["female_employees"],
                "customers": ctx["customers"],
            },
            "committee": {"short": programme.committee_short, "long": programme.committee_long},
            "programme": {"committee_short": programme.committee_short, "committee_long": programme.committee_long,
                          "question_overrides": dict(programme.question_overrides or {})},
            "cycle": {"number": cycle["number"], "assessment_date": _iso(cycle["assessment_date"]),
                      "report_release_date": _iso(cycle["report_release_date"])},
            "report_date": _iso(report["report_date"]),
            "sections": sections,
            "overview_counts": {
                "findings": sum(1 for i in counted if i["id"] in assessed),
                "advisory": sum(1 for i in counted if i["origin"] == "advisory" and i["id"] not in assessed),
                "completed": sum(1 for i in counted if i["status"] == "completed"),
            },
            "annexes": {"ip": ip, "training": training, "members": members, "meetings": meetings, "visits": visits,
                        "public": public_annex, "public_findings": public_findings},
        }

    def _maybe_sample(self, ctx) -> None:
        """The showcase factory's people, whom the command prints."""
        if ctx["showcase"]:
            self.sample = {"factory": ctx["factory"], "user": ctx["users"][0], "ea": ctx["ea"],
                           "brand": ctx["subscribed"][0]}


# --- the command's work ----------------------------------------------------------------------

def _staff(programme, count: int, password_hash: str, domain: str, ids: _Ids, rng: random.Random) -> dict:
    """The programme's admin, assessors and EAs; which EA leads which factory."""
    now = datetime.now(UTC)
    rows = []

    def user(email, name, role):
        row = {"id": ids.take("user"), "email": email, "name": name, "password_hash": password_hash, "role": role,
               "locale": "en", "factory_id": None, "buyer_organisation_id": None, "programme_id": programme.id,
               "active": True, "is_account_manager": False, "created_at": now, "last_sign_in_at": None}
        rows.append(row)
        return row

    admin = user(f"admin@{domain}", "Programme Admin", "admin")
    assessors = [user(f"assessor{k}@{domain}", f"{FIRST[k]} {LAST[-k]}", "assessor") for k in range(1, 4)]
    ea_of, eas = [], []
    while len(ea_of) < count:
        block = rng.randint(20, 50)
        eas.append(user(f"ea{len(eas) + 1:03d}@{domain}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", "ea"))
        ea_of.extend([len(eas) - 1] * block)
    db.session.execute(insert(User.__table__), rows)
    return {"admin": admin, "assessors": assessors, "eas": eas, "ea_of": ea_of[:count], "all": rows}


def _brands(name: str, count: int, password_hash: str, domain: str, ids: _Ids) -> tuple[list, dict]:
    """Brands (global, found again by name) with two buyer users each."""
    brands = []
    for k in range(1, count + 1):
        brand_name = f"{name} Brand {k:03d}"
        brand = db.session.scalar(select(BuyerOrganisation).where(BuyerOrganisation.name == brand_name))
        if brand is None:
            brand = BuyerOrganisation(name=brand_name)
            db.session.add(brand)
            db.session.flush()
        brands.append({"id": brand.id, "name": brand.name})
    now = datetime.now(UTC)
    buyers, rows = {}, []
    for k, brand in enumerate(brands, start=1):
        for j in (1, 2):
            row = {"id": ids.take("user"), "email": f"buyer{k:03d}.{j}@{domain}", "name": f"Buyer {k:03d}.{j}",
                   "password_hash": password_hash, "role": "buyer", "locale": "en", "factory_id": None,
                   "buyer_organisation_id": brand["id"], "programme_id": None, "active": True,
                   "is_account_manager": False, "created_at": now, "last_sign_in_at": None}
            rows.append(row)
            buyers.setdefault(brand["id"], []).append(row)
    db.session.execute(insert(User.__table__), rows)
    return brands, buyers


def _temporary_indexes() -> list[str]:
    """Index every foreign key column that has no index of its own, for the deletes below:
    the database checks each deleted parent row against its children, which without an
    index is a scan of the child table per row (hours at 10,000 factories)."""
    inspector = inspect(db.session.connection())
    made = []
    for table in db.metadata.sorted_tables:
        with warnings.catch_warnings():  # SQLite cannot read back ix_user_lower_email; no foreign key needs it
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            first = {tuple(i["column_names"][:1]) for i in inspector.get_indexes(table.name)}
            first |= {tuple(u["column_names"][:1]) for u in inspector.get_unique_constraints(table.name)}
        first.add(tuple(inspector.get_pk_constraint(table.name)["constrained_columns"][:1]))
        for column in table.c:
            if column.foreign_keys and (column.name,) not in first:
                index = f"tmp_scale_{table.name}_{column.name}"[:63]
                db.session.execute(text(f'CREATE INDEX "{index}" ON "{table.name}" ("{column.name}")'))
                made.append(index)
    return made


def delete_scale(name: str) -> bool:
    """Remove the programme ``name`` and everything of it (its factories' rows, its people,
    its brands no one else uses), in one transaction. False if there is no such programme."""
    programme = db.session.scalar(select(Programme).where(Programme.name == name))
    if programme is None:
        return False
    indexes = _temporary_indexes()
    pid = programme.id
    fids = select(Factory.id).where(Factory.programme_id == pid).scalar_subquery()
    uids = select(User.id).where(or_(User.factory_id.in_(fids), User.programme_id == pid,
                                     User.email.endswith("@" + email_domain(name)))).scalar_subquery()
    special = {
        "compliance_point": lambda t: t.c.cluster_id.in_(select(Cluster.id).where(Cluster.programme_id == pid)),
        "meeting_attendee": lambda t: t.c.meeting_id.in_(
            select(CommitteeMeeting.id).where(CommitteeMeeting.factory_id.in_(fids))),
        "enrolment": lambda t: t.c.session_id.in_(
            select(TrainingSession.id).where(TrainingSession.programme_id == pid)),
    }
    db.session.execute(update(Factory.__table__).where(Factory.programme_id == pid).values(updated_by_id=None))
    for table in reversed(db.metadata.sorted_tables):
        if table.name in ("factory", "user", "programme", "buyer_organisation"):
            continue
        conditions = []
        if "factory_id" in table.c:
            conditions.append(table.c.factory_id.in_(fids))
        if "programme_id" in table.c:
            conditions.append(table.c.programme_id == pid)
        conditions += [c.in_(uids) for c in table.c
                       if any(fk.column.table.name == "user" for fk in c.foreign_keys)]
        if table.name in special:
            conditions.append(special[table.name](table))
        if conditions:
            db.session.execute(delete(table).where(or_(*conditions)))
    db.session.execute(delete(User.__table__).where(User.id.in_(uids)))
    db.session.execute(delete(Factory.__table__).where(Factory.programme_id == pid))
    db.session.execute(delete(Programme.__table__).where(Programme.id == pid))
    tables = db.metadata.tables
    brand_ids = select(BuyerOrganisation.id).where(BuyerOrganisation.name.startswith(f"{name} Brand "))
    used = [select(t.c.buyer_organisation_id).where(t.c.buyer_organisation_id.is_not(None))
            for t in (tables["factory_customer"], tables["subscription"], tables["user"], tables["invitation"])]
    db.session.execute(delete(BuyerOrganisation.__table__).where(
        BuyerOrganisation.id.in_(brand_ids), *[BuyerOrganisation.id.not_in(u) for u in used]))
    for index in indexes:
        db.session.execute(text(f'DROP INDEX "{index}"'))
    db.session.commit()
    return True


def seed_scale(factories: int = DEFAULT_FACTORIES, *, name: str = DEFAULT_NAME, replace: bool = False,
               batch_size: int = 250, seed: int = 1, people_only: bool = False, echo=None) -> ScaleResult:
    """Create the programme ``name`` with ``factories`` factories and all their data (with
    ``people_only``: the factories, their people, EAs and subscriptions, nothing else).

    Raises ScaleExists if the programme exists, unless ``replace`` (then it is removed first).
    ``echo`` receives progress lines."""
    echo = echo or (lambda _line: None)
    started = time.perf_counter()
    if programme_exists(name):
        if not replace:
            raise ScaleExists(f"There is already a programme called {name}. Use --replace to build it again, "
                              f"or choose another name with --programme.")
        echo(f"Removing the programme {name} and its data…")
        delete_scale(name)
        echo(f"  removed in {time.perf_counter() - started:.1f} s")
    domain = email_domain(name)
    rng = random.Random(seed)
    programme = create_programme(name=name, country="BD", committee_short="PC",
                                 committee_long="Participation Committee", default_locale="en",
                                 timezone="Asia/Dhaka")
    catalogue = _catalogue(programme.id)
    catalogue.sessions = _training_sessions(programme.id, datetime.now(UTC).date(), rng)
    ids = _Ids()
    password_hash = hash_password(SCALE_PASSWORD)  # argon2 is slow on purpose: once for everyone
    staff = _staff(programme, factories, password_hash, domain, ids, rng)
    brands, buyers = _brands(name, max(3, factories // 100), password_hash, domain, ids)
    ids.sync()
    db.session.commit()
    gen = _Generator(programme, catalogue, staff, brands, buyers, password_hash, domain, ids, seed, people_only)
    echo(f"Programme {name} (id {programme.id}): {len(staff['eas'])} EAs, {len(brands)} brands; "
         f"{factories:,} factories in batches of {batch_size}")
    for index in range(factories):
        gen.factory(index)
        if (index + 1) % batch_size == 0 or index + 1 == factories:
            gen.flush()
            echo(f"  {index + 1:>7,} factories, {gen.counts['ip_item']:>9,} IP items, "
                 f"{gen.counts['ip_event']:>10,} history entries  ({time.perf_counter() - started:6.1f} s)")
    if db.engine.dialect.name == "postgresql":  # fresh statistics, so the first queries get good plans
        for table in TABLES:
            db.session.execute(text(f'ANALYZE "{table}"'))
        db.session.commit()
    counts = dict(gen.counts)
    counts["user"] += len(staff["all"]) + sum(len(b) for b in buyers.values())
    result = ScaleResult(programme.id, factories, time.perf_counter() - started, counts, dict(gen.reports))
    sample = gen.sample
    result.sample = {
        "factory user": sample["user"]["email"],
        "Enterprise Advisor": sample["ea"]["email"],
        "programme admin": staff["admin"]["email"],
        "buyer": buyers[sample["brand"]][0]["email"],
    }
    result.sample_factory = sample["factory"]["name"]
    return result
