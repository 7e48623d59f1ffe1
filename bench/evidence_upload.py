#!/usr/bin/env python3
"""Evidence uploads on Regular 2G in Debian chromium (issue 19): three 4 MB phone photos.

    .venv/bin/python bench/evidence_upload.py [--plain-timeout 120]

Builds a throw-away instance with the demo data, serves it with gunicorn, and attaches three
phone photos (4000x3000 JPEGs of about 4.3 MB with a GPS position, tests/photos.py) to an IP
item of Angkor Garments as its factory user, with Chromium's DevTools emulating Regular 2G
(250 kbit/s down, 50 kbit/s up, 300 ms latency) from the moment the files are chosen:

- chunked: JavaScript on (static/js/upload.js): photos made smaller in the page, sent in
  96 KB chunks; "Add evidence" is clicked at once (the page saves when the chunks are in);
- chunked, link dropped: the same, with the link taken offline for 10 s, 30 s in;
- plain: JavaScript off, the multipart form as it was, given ``--plain-timeout`` seconds.

For each: seconds from choosing the files to the page saying "Evidence added", the bytes sent
up (request bodies), and what was stored (files, KB each, long edge, EXIF left). Target
(issue 19): the three photos stored in at most 90 s, with and without the dropped link.
It prints figures; it asserts nothing.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _harness import (  # noqa: E402
    FACTORY_USER,
    REGULAR_2G,
    free_port,
    launch_chromium,
    print_table,
    remove_instance,
    require_chromium,
    seeded_app,
    sign_in,
    stop,
    temporary_instance,
)

PHOTOS = 3
DROP_AFTER = 30.0
DROP_FOR = 10.0


def start_gunicorn(env: dict, port: int):
    """As _harness.start_gunicorn, waiting up to 3 minutes: on a busy shared machine a worker's
    first answer (the app made on first use) took 37 s."""
    import subprocess
    import urllib.request

    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "3", "wsgi:app"],
                              cwd=Path(__file__).resolve().parent.parent, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60)  # noqa: S310 - loopback
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.5)
    stop(server)
    sys.exit("gunicorn did not answer within 3 minutes")


def build_instance():
    """Migrate and seed; the app and the open IP items of Angkor Garments (one per run)."""
    from sqlalchemy import select

    from bwportal.extensions import db
    from bwportal.models import Factory, IPItem, IPStatus

    app = seeded_app()
    with app.app_context():
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        items = db.session.scalars(select(IPItem).where(IPItem.factory_id == angkor.id,
                                                        IPItem.status != IPStatus.COMPLETED).order_by(IPItem.id)).all()
        if len(items) < 3:
            sys.exit("The demo data has fewer than three open IP items for Angkor Garments.")
        return app, [(angkor.id, item.id) for item in items[:3]]


def stored(app, item_id: int) -> list[dict]:
    from PIL import Image
    from sqlalchemy import select

    from bwportal.extensions import db
    from bwportal.infra.storage import storage
    from bwportal.models import IPItemFile

    with app.app_context():
        rows = db.session.scalars(select(IPItemFile).where(IPItemFile.item_id == item_id)).all()
        found = []
        for row in rows:
            with storage().open(row.storage_key) as stream:
                image = Image.open(io.BytesIO(stream.read()))
                found.append({"kb": row.size / 1024, "edge": max(image.size), "exif": len(image.getexif())})
        return found


def run(browser, base, path, photos, javascript: bool, drop: bool, timeout: float) -> dict:
    context = browser.new_context(base_url=base, locale="en-GB", java_script_enabled=javascript)
    sign_in(context, base, FACTORY_USER)
    page = context.new_page()
    page.goto(path)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent = {"bytes": 0, "requests": 0}
    methods = {}

    def request_sent(event):
        if event["request"]["method"] in ("POST", "PATCH"):
            methods[event["requestId"]] = True
            sent["requests"] += 1

    def headers_sent(event):  # the raw request headers: the body's length as sent
        if event["requestId"] in methods:
            length = {k.lower(): v for k, v in event.get("headers", {}).items()}.get("content-length")
            sent["bytes"] += int(length or 0)

    cdp.on("Network.requestWillBeSent", request_sent)
    cdp.on("Network.requestWillBeSentExtraInfo", headers_sent)
    cdp.send("Network.emulateNetworkConditions", REGULAR_2G)
    start = time.monotonic()
    page.get_by_label("Evidence files").set_input_files([str(p) for p in photos])
    page.get_by_role("button", name="Add evidence").click(no_wait_after=True)
    done, dropped = False, False
    flash = page.locator(".flashes", has_text="Evidence added.")
    while time.monotonic() - start < timeout:
        if drop and not dropped and time.monotonic() - start >= DROP_AFTER:
            cdp.send("Network.emulateNetworkConditions", {**REGULAR_2G, "offline": True})
            page.wait_for_timeout(DROP_FOR * 1000)
            cdp.send("Network.emulateNetworkConditions", REGULAR_2G)
            dropped = True
            continue
        try:
            if flash.count():
                done = True
                break
        except Exception:  # noqa: BLE001 - a page between two loads
            pass
        page.wait_for_timeout(250)
    seconds = time.monotonic() - start
    context.close()
    return {"seconds": seconds if done else None, "sent": sent["bytes"], "requests": sent["requests"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain-timeout", type=float, default=120, help="seconds given to the plain upload")
    args = parser.parse_args()
    require_chromium()

    from tests.photos import phone_photo

    folder = Path(tempfile.mkdtemp(prefix="bwportal-photos-"))
    photos = []
    for seed in range(1, PHOTOS + 1):
        path = folder / f"IMG_{2040 + seed}.jpg"
        phone_photo(path, seed=seed)
        photos.append(path)
    original = sum(p.stat().st_size for p in photos)

    instance = temporary_instance("bwportal-upload-")
    app, items = build_instance()
    port = free_port()
    server = start_gunicorn(dict(os.environ), port)
    base = f"http://127.0.0.1:{port}"

    from playwright.sync_api import sync_playwright

    runs = [("chunked (JavaScript)", True, False, 300), ("chunked, link dropped 10 s", True, True, 300),
            ("plain multipart (no JavaScript)", False, False, args.plain_timeout)]
    results = []
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            print(f"chromium {browser.version}, Regular 2G (250/50 kbit/s, 300 ms), {PHOTOS} photos of "
                  f"{original / PHOTOS / 1e6:.1f} MB (4000x3000), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
            for (name, javascript, drop, timeout), (factory_id, item_id) in zip(runs, items, strict=True):
                result = run(browser, base, f"/factories/{factory_id}/ip/{item_id}", photos, javascript, drop, timeout)
                result["stored"] = stored(app, item_id)
                results.append((name, result, timeout))
                print(f"  {name}: done", flush=True)
            browser.close()
    finally:
        stop(server)
        remove_instance(instance)
        for path in photos:
            path.unlink(missing_ok=True)
        folder.rmdir()

    header = ("upload", "stored in s", "sent KB", "requests", "files", "KB each", "long edge", "EXIF tags")
    rows = []
    for name, r, timeout in results:
        files = r["stored"]
        rows.append((name, f"{r['seconds']:.1f}" if r["seconds"] is not None else f"not in {timeout:.0f}",
                     f"{r['sent'] / 1024:.0f}", str(r["requests"]), str(len(files)),
                     " ".join(f"{f['kb']:.0f}" for f in files) or "-",
                     " ".join(str(f["edge"]) for f in files) or "-",
                     " ".join(str(f["exif"]) for f in files) or "-"))
    print_table(header, rows)
    print(f"\nTarget (issue 19): {PHOTOS} photos stored in <= 90 s on Regular 2G, with and without a dropped link. "
          f"The plain upload sends {original / 1e6:.1f} MB: at 50 kbit/s that alone is "
          f"{original * 8 / 50_000 / 60:.0f} min.")


if __name__ == "__main__":
    main()
