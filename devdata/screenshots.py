#!/usr/bin/env python3
"""Screenshots of each role's dashboard (DASH-1) at desktop width and on a 360 px phone, in
English and one in Arabic, from the demo data, for docs/dashboards/.

    .venv/bin/python devdata/screenshots.py [--out docs/dashboards]

A throw-away instance with the demo data, served on a free loopback port in this process,
photographed by Debian's chromium through Playwright. PNGs are kept small: 8-bit palette
when Pillow is there, and only the top of long pages."""

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SIZES = {"desktop": (1280, 900), "phone": (360, 740)}
MAX_HEIGHT = {"desktop": 1800, "phone": 2600}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboards"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    instance = tempfile.mkdtemp(prefix="bwportal-shots-")
    os.environ["BWPORTAL_INSTANCE"] = instance
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from bwportal import create_app
    from bwportal.extensions import db
    from bwportal.models import User
    from devdata.demo import DEMO_PASSWORD, seed_demo

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        factory_id = db.session.scalar(select(User.factory_id).filter_by(email="factory@demo.test"))
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    shots = [  # (file name, who, path, locale)
        ("programme", "admin@demo.test", "/dashboards/programme", "en"),
        ("advisor", "ea@demo.test", "/dashboards/advisor", "en"),
        ("buyer", "buyer@demo.test", "/dashboard", "en"),
        ("factory", "factory@demo.test", f"/factories/{factory_id}/dashboard", "en"),
        ("programme-ar", "admin@demo.test", "/dashboards/programme", "ar"),
    ]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, email, path, locale in shots:
                for size, (width, height) in SIZES.items():
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": height},
                                                  locale="en-GB")
                    page = context.new_page()
                    page.goto("/sign-in")
                    page.locator("#email").fill(email)
                    page.locator("#password").fill(DEMO_PASSWORD)
                    page.locator("main button[type=submit]").click()
                    page.locator("form.sign-out").wait_for()
                    if page.locator("html").get_attribute("lang") != locale:
                        with page.expect_navigation():
                            page.select_option("#language-select", locale)  # saved on the account
                    page.goto(path)
                    full = page.evaluate("document.documentElement.scrollHeight")
                    clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT[size])}
                    target = out / f"{name}-{size}.png"
                    page.screenshot(path=str(target), clip=clip, full_page=True)
                    _shrink(target)
                    print(f"{target}: {target.stat().st_size // 1024} KB")
                    context.close()
            browser.close()
    finally:
        server.shutdown()


def _shrink(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
        small.save(path, optimize=True)


if __name__ == "__main__":
    main()
