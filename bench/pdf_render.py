#!/usr/bin/env python3
"""A PR1 with 200 IP items rendered to PDF in a warm worker process: time and peak memory.

    .venv/bin/python bench/pdf_render.py [--items 200] [--runs 3] [--locale en] [--out pr1.pdf]

Builds a throw-away SQLite database with the demo data, gives Angkor Garments' draft PR1
answers in Khmer, Bengali and Arabic and its IP N more items (multilingual text), renders
it once to warm the process up (fonts, templates), then --runs times as a worker does
(bwportal.jobs.documents: the HTML from the domain's data, then WeasyPrint), and prints
the time of each render and the process's peak memory (RSS). Targets (JOB-1): at most 4 s
and 200 MB. Last, the same render as a job of a worker, in two ways: in a fresh process from
its start, as a plain `rq worker`'s work horse does for every job (it imports and makes the
app, loads the fonts and renders once), and in a horse forked from the Procfile's worker
(bwportal.jobs.worker.PreloadedWorker, which made the app and loaded the PDF engine before
forking): the horse's time from the fork, and its peak memory. It prints figures; it
asserts nothing.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXTS = (
    "Overtime is paid at 150% and recorded in the payroll every month.",
    "ប្រាក់ម៉ោងបន្ថែមត្រូវបានបង់ ១៥០% ហើយកត់ត្រាក្នុងបញ្ជីប្រាក់ខែរៀងរាល់ខែ។",
    "ওভারটাইম ১৫০% হারে পরিশোধ করা হয় এবং প্রতি মাসে বেতন খাতায় লেখা হয়।",
    "يتم دفع العمل الإضافي بنسبة 150% ويسجل في كشف الرواتب كل شهر.",
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def seed(args) -> None:
    """The demo data, a multilingual PR1 and N more IP items, and the document to render."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from bwportal.domain.programmes.catalogues import points_of
    from bwportal.domain.reports import editing
    from bwportal.extensions import db
    from bwportal.models import DocumentStatus, Factory, IPStatus, ProgressReport, ReportKind, User
    from devdata.demo import seed_demo
    from tests import factories as f

    upgrade()
    seed_demo()
    factory = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
    author = db.session.scalar(select(User).filter_by(email="factory@demo.test"))
    report = db.session.scalar(select(ProgressReport).filter_by(factory_id=factory.id, kind=ReportKind.PR1))
    editing.save_section(report, "overview", {"process": {"comment": "\n".join(TEXTS)}}, author, None)
    editing.save_section(report, "social_dialogue", {"q1": {"value": "yes"}, "q5": {"comment": TEXTS[2]}},
                    author, None)
    editing.save_section(report, "feedback", {"feedback": {"value": TEXTS[3]}}, author, None)
    points = points_of(factory.programme_id)
    cycle = report.cycle
    for n in range(args.items):
        f.make_ip_item(cycle, text=f"{n}: {TEXTS[n % 4]}", point=points[n % len(points)], publicly_reported=False,
                       lead_person="Sokha Chan", progress=TEXTS[(n + 1) % 4],
                       status=(IPStatus.PENDING, IPStatus.IN_PROGRESS)[n % 2],
                       target_date=date.today() + timedelta(days=n - 50))
    f.make_document(report, args.locale, status=DocumentStatus.QUEUED, final=False, requested_by=author)
    db.session.commit()


def main() -> None:
    process_started = time.perf_counter()
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--locale", default="en")
    parser.add_argument("--out", help="also write the PDF here")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--forked", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("BWPORTAL_INSTANCE", tempfile.mkdtemp(prefix="bwportal-bench-"))

    from sqlalchemy import select

    from bwportal import create_app
    from bwportal.domain.reports import snapshot as report_snapshot
    from bwportal.extensions import db
    from bwportal.jobs.documents import document_html, write_pdf
    from bwportal.models import Document

    if args.forked:
        forked_render()
        return
    if not (args.seed or args.fresh):  # the data is made in a child process, so the figures are a worker's
        subprocess.run([sys.executable, __file__, "--seed", "--items", str(args.items), "--locale", args.locale],
                       check=True, env=os.environ)
    app = create_app({"STORAGE_DIR": tempfile.mkdtemp(prefix="bwportal-bench-documents-")})
    with app.app_context():
        if args.seed:
            seed(args)
            return
        document = db.session.scalar(select(Document).order_by(Document.id.desc()))
        if args.fresh:
            started = time.perf_counter()
            pdf, pages = write_pdf(document_html(document))
            done = time.perf_counter()
            print(f"fresh process, as a work horse of the Procfile's rq worker per job: {done - process_started:.2f} s "
                  f"from the script's start (of which the render {done - started:.2f} s), {pages} pages; "
                  f"peak RSS {peak_rss_mb():.0f} MB")
            return
        items = len(report_snapshot.ip_annex(document.factory_id))
        print(f"PR1 of {document.factory.name} with {items} IP items, locale {document.locale}; "
              f"peak RSS before rendering {peak_rss_mb():.0f} MB")

        started = time.perf_counter()
        pdf, pages = write_pdf(document_html(document))
        print(f"cold render (fonts, templates): {time.perf_counter() - started:.2f} s, {pages} pages, "
              f"{len(pdf) / 1024:.0f} kB")
        times, html_times = [], []
        for _ in range(args.runs):
            db.session.expire_all()  # a worker loads the data afresh for every job
            started = time.perf_counter()
            html = document_html(document)
            html_times.append(time.perf_counter() - started)
            pdf, pages = write_pdf(html)
            times.append(time.perf_counter() - started)
        print(f"warm render x{args.runs}: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
              f"(of which HTML {statistics.median(html_times):.2f} s); {pages} pages, {len(pdf) / 1024:.0f} kB")
        print(f"peak RSS of the process: {peak_rss_mb():.0f} MB  (targets: <= 4 s, <= 200 MB)", flush=True)
        if args.out:
            Path(args.out).write_bytes(pdf)
            print(f"written to {args.out}", flush=True)
    subprocess.run([sys.executable, __file__, "--fresh"], check=True, env=os.environ)
    subprocess.run([sys.executable, __file__, "--forked"], check=True, env=os.environ)


def forked_render() -> None:
    """As the Procfile's worker: preload (jobs.context.preload), then a work horse per job,
    forked, renders the document; its time from the fork and its peak RSS."""
    from sqlalchemy import select

    from bwportal.extensions import db
    from bwportal.jobs import context
    from bwportal.jobs.documents import document_html, write_pdf
    from bwportal.models import Document

    context.preload()
    app = context.app()
    app.config["STORAGE_DIR"] = tempfile.mkdtemp(prefix="bwportal-bench-documents-")
    holds = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    reader, writer = os.pipe()
    forked = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the work horse
        os.close(reader)
        with app.app_context():
            document = db.session.scalar(select(Document).order_by(Document.id.desc()))
            _pdf, pages = write_pdf(document_html(document))
        os.write(writer, f"{time.perf_counter() - forked:.3f} {pages}".encode())
        os._exit(0)  # as rq's horse ends
    os.close(writer)
    seconds, pages = os.read(reader, 100).decode().split()
    _pid, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit("the work horse failed")
    print(f"work horse forked from the Procfile's preloaded worker (which holds {holds:.0f} MB): "
          f"{float(seconds):.2f} s from the fork, {pages} pages; peak RSS of the horse {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
