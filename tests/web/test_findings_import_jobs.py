"""Issue 17 item 9: a findings file that takes more than a moment to read is read by a worker,
not by the web request. The upload answers at once with a status page (plain HTML with a
Refresh link; htmx polls it); the worker's result is previewed there and saved once; the same
file sent twice is one import; only those who may import see it; a file that breaks the reader
fails its own import and the queue goes on. Without REDIS_URL the relay after the request
reads it in-process; with it (CI) the ``jobs`` fixture runs a worker."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from bwportal.domain.assessments import findings_import, import_jobs
from bwportal.extensions import db
from bwportal.jobs.outbox import deliver, relay_due
from bwportal.models import FindingsImport, FindingsImportStatus, OutboxMessage
from tests import factories as f

from .test_assessments import GOOD_CSV, HX, cycle_url, findings_of, make_xlsx, upload

STATUS = re.compile(r"/factories/\d+/cycles/\d+/import/(\d+)$")


@pytest.fixture
def report(world):
    cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 10))
    db.session.commit()
    return cycle


@pytest.fixture
def by_a_worker(app, monkeypatch):
    """Every file, however small, is read by a worker (the threshold is a setting)."""
    monkeypatch.setitem(app.config, "FINDINGS_IMPORT_INLINE_BYTES", 0)


@pytest.fixture
def held(monkeypatch):
    """Jobs are written but not handed to a worker: the request's own work is all that runs."""
    import bwportal.jobs.outbox

    monkeypatch.setattr(bwportal.jobs.outbox, "relay", lambda ids: 0)


def imports() -> list[FindingsImport]:
    db.session.expire_all()
    return list(db.session.scalars(select(FindingsImport).order_by(FindingsImport.id)))


def job_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == import_jobs.JOB)
                                   .order_by(OutboxMessage.id)))


def send(client, cycle, content: bytes | None = None, filename="findings.csv") -> str:
    """Upload a file that a worker reads; the status page's URL."""
    response = upload(client, cycle, GOOD_CSV.encode() if content is None else content, filename)
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    assert STATUS.search(response.location), response.location
    return response.location


@pytest.mark.usefixtures("by_a_worker", "held")
def test_the_upload_answers_at_once_and_the_status_page_polls_until_a_worker_reads_it(login, world, report,
                                                                                    monkeypatch):
    def not_here(*args, **kwargs):
        raise AssertionError("the web request read the file")

    client = login(world.assessor)
    with monkeypatch.context() as patched:
        patched.setattr(findings_import, "parse_findings", not_here)
        url = send(client, report)
        page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "The file is waiting for its turn to be read" in html and f'<a href="{url}">Refresh</a>' in html
    partial = client.get(url, headers=HX).get_data(as_text=True)
    assert "<html" not in partial and 'id="import-status"' in partial
    assert f'hx-get="{url}" hx-trigger="every 2s" hx-swap="outerHTML"' in partial
    [job] = imports()
    assert job.status is FindingsImportStatus.QUEUED and job.stored_name and job.existing == 0
    assert [r.payload for r in job_rows()] == [{"import_id": job.id}]

    assert deliver(job_rows()[0].id) == "sent"  # the worker

    done = client.get(url, headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in done
    assert "3 findings from findings.csv are ready to be saved. Nothing has been saved yet." in done
    assert "Overtime paid at the normal rate" in done and "Regular Hours" in done
    assert "the compliance point's usual setting" in done
    assert imports()[0].stored_name == "" and findings_of(report) == []  # the file is gone once read


@pytest.mark.usefixtures("by_a_worker")
def test_the_preview_is_saved_once_and_says_how_many(login, world, report, jobs):
    client = login(world.assessor)
    url = send(client, report)
    jobs()
    saved = client.post(url + "/confirm")
    assert saved.status_code == 302 and saved.location.endswith(cycle_url(report) + "#findings")
    assert "3 findings imported." in client.get(saved.location).get_data(as_text=True)
    assert [(x.compliance_point.name, x.publicly_reported) for x in findings_of(report)] == [
        ("Overtime Wages", True), ("Regular Hours", False), ("Emergency Preparedness", False)]
    again = client.post(url + "/confirm")  # the second click, the back button
    assert again.status_code == 303 and again.location.endswith(url)
    assert "3 findings imported." in client.get(again.location).get_data(as_text=True)
    assert len(findings_of(report)) == 3
    assert imports()[0].status is FindingsImportStatus.IMPORTED and imports()[0].imported == 3


@pytest.mark.usefixtures("by_a_worker")
def test_the_same_file_sent_twice_is_one_import_and_one_job(login, world, report, jobs):
    client = login(world.assessor)
    first = send(client, report)
    second = send(client, report)
    jobs()
    assert first == second
    assert len(imports()) == 1 and len(job_rows()) == 1
    other = send(client, report, GOOD_CSV.replace("No evacuation drill", "No drill").encode())
    assert other != first and len(imports()) == 2  # another file is another import


@pytest.mark.usefixtures("by_a_worker")
def test_row_errors_are_listed_in_each_readers_language(login, world, report, jobs):
    content = ("cluster;compliance point;finding;publicly reported\n"
               "Compensation;Overtime Wages;Fine row;yes\n"
               "Nonsense;Overtime Wages;x;yes\n"
               "Compensation;Overtime Wages;text;maybe\n")
    url = send(login(world.assessor), report, content.encode())
    jobs()
    html = login(world.assessor).get(url).get_data(as_text=True)
    assert "The file was not imported; nothing has been saved." in html and "2 rows have errors." in html
    assert "Row 3: Unknown cluster “Nonsense”." in html and "Row 4: “maybe” is not a yes/no value" in html
    assert 'class="row-error"' in html and "/confirm" not in html and "Upload a corrected file" in html
    world.admin.locale = "fr"
    db.session.commit()
    french = login(world.admin).get(url).get_data(as_text=True)
    assert re.search(r"Catégorie\W+Nonsense\W+inconnue", french) and "Unknown cluster" not in french
    assert findings_of(report) == []


def test_a_workbook_larger_than_a_moments_work_goes_to_a_worker_a_small_one_does_not(login, world, report, jobs):
    client = login(world.assessor)
    small = upload(client, report, make_xlsx([["cluster", "compliance point", "finding"],
                                              ["Compensation", "Overtime Wages", "Short"]]), "small.xlsx")
    assert small.status_code == 200 and "1 finding from small.xlsx is ready" in small.get_data(as_text=True)
    assert imports() == []
    rows = [["cluster", "compliance point", "finding"]] + [
        ["Compensation", "Overtime Wages", f"Finding {n}: " + " ".join(str(n * k) for k in range(60))]
        for n in range(800)]
    url = send(client, report, make_xlsx(rows), "large.xlsx")
    jobs()
    assert imports()[0].size < findings_import.INLINE_WORK < findings_import.work_of(make_xlsx(rows))
    assert "800 findings from large.xlsx are ready" in client.get(url).get_data(as_text=True)


@pytest.mark.usefixtures("by_a_worker")
def test_a_file_that_breaks_the_reader_fails_its_import_and_the_next_one_is_read(login, world, report, jobs,
                                                                               monkeypatch):
    parse = findings_import.parse_findings

    def breaks_on_boom(data, filename, catalogue):
        if b"BOOM" in data:
            raise RecursionError("a reader bug this file found")
        return parse(data, filename, catalogue)

    monkeypatch.setattr(findings_import, "parse_findings", breaks_on_boom)
    client = login(world.assessor)
    with monkeypatch.context() as held_back:  # both wait in the queue, the bad one first
        import bwportal.jobs.outbox

        held_back.setattr(bwportal.jobs.outbox, "relay", lambda ids: 0)
        bad = send(client, report, (GOOD_CSV + "Compensation,Overtime Wages,BOOM,yes\n").encode(), "bad.csv")
        good = send(client, report, GOOD_CSV.encode(), "good.csv")
    relay_due()
    jobs()
    failed = client.get(bad).get_data(as_text=True)
    assert "The file could not be read, so nothing has been saved." in failed and "RecursionError" not in failed
    assert "3 findings from good.csv are ready" in client.get(good).get_data(as_text=True)
    assert [j.status for j in imports()] == [FindingsImportStatus.FAILED, FindingsImportStatus.READY]
    assert all(r.status.value == "sent" for r in job_rows())  # nothing retried for a bad file
    assert send(client, report, (GOOD_CSV + "Compensation,Overtime Wages,BOOM,yes\n").encode(), "bad.csv") != bad


@pytest.mark.usefixtures("by_a_worker")
def test_only_those_who_may_import_see_an_import(login, world, report, jobs):
    url = send(login(world.assessor), report)
    jobs()
    assert login(world.admin).get(url).status_code == 200  # a colleague who may import too
    for who in (world.factory_user, world.ea, world.buyer):
        client = login(who)
        assert client.get(url).status_code == 403
        assert client.post(url + "/confirm").status_code == 403
    foreign = login(world.admin_id)  # another programme's admin
    assert foreign.get(url).status_code == 404 and foreign.post(url + "/confirm").status_code == 404
    other = f.make_cycle(world.angkor, 2, date(2026, 1, 10))
    db.session.commit()
    job_id = STATUS.search(url).group(1)
    elsewhere = f"{cycle_url(other)}/import/{job_id}"
    assert login(world.assessor).get(elsewhere).status_code == 404
    assert login(world.assessor).post(elsewhere + "/confirm").status_code == 404
    assert findings_of(report) == [] and findings_of(other) == []


@pytest.mark.usefixtures("by_a_worker")
def test_findings_added_meanwhile_refuse_the_save(login, world, report, jobs):
    client = login(world.assessor)
    url = send(client, report)
    jobs()
    f.make_finding(report, "Overtime Wages", "Added by hand meanwhile")
    db.session.commit()
    response = client.post(url + "/confirm")
    assert response.status_code == 409 and "nothing was saved" in response.get_data(as_text=True)
    assert len(findings_of(report)) == 1


def test_imports_are_pruned_with_their_files(world, report):
    from datetime import UTC, datetime, timedelta

    from bwportal.infra.storage import storage

    job = import_jobs.request_import(report, world.assessor, "en", GOOD_CSV.encode(), "findings.csv")
    db.session.commit()
    assert import_jobs.prune(30, now=datetime.now(UTC)) == 0
    key = import_jobs.stored_key(job)
    assert import_jobs.prune(30, now=datetime.now(UTC) + timedelta(days=31)) == 1
    db.session.commit()
    assert storage().size(key) is None and db.session.scalar(select(func.count(FindingsImport.id))) == 0

