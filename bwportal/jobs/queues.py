"""The RQ queues, and which work goes on which (issue 18, item 7).

A worker takes from its queues in the order it is given them, so e-mails wait behind nothing
but other e-mails: a backlog of PDFs (a minute each for a long IP) never delays a deadline
notice. The Procfile's worker serves ``PRIORITY`` in this order; a deployment may also run a
worker of its own for ``notices`` alone.
"""

NOTICES = "notices"  # e-mails: deadline notices, reminders, digests
PERIODIC = "periodic"  # rq cron's jobs: the sweep, the relay of rows left behind (short)
DEFAULT = "default"  # findings files to read (someone waits, seconds at most), anything not sorted yet
PDFS = "pdfs"  # rendering documents: long, and nobody waits on a deadline for one

PRIORITY = (NOTICES, PERIODIC, DEFAULT, PDFS)


def queue_for(kind: str) -> str:
    """The queue of an outbox row's work, by its kind."""
    if kind.startswith(("mail.", "digest.", "link.")):  # e-mails: outbox.MAIL_PREFIXES
        return NOTICES
    if kind == "job.render_document":
        return PDFS
    # "job.import_findings": a user waits on its status page, and the reading is bounded
    # (domain.assessments.findings_import), so it goes before the PDFs, not behind them.
    return DEFAULT
