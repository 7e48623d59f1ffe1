"""Browser tests: Playwright for Python driving Debian's chromium against a live server.

Without /usr/bin/chromium the tests skip, unless BWPORTAL_E2E=require (CI), where they fail.
"""

import itertools
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )


@pytest.fixture(scope="session")
def chromium_executable():
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("BWPORTAL_E2E") == "require":
            pytest.fail(message)
        pytest.skip(message)
    return path


class RequestsInFlight:
    """The live server's requests being answered, so that a test's end can wait for those its
    browser left running: emptying the tables under one deadlocks on PostgreSQL. A request
    is done when the app returns its response: the request's database session is closed by
    then (no response streams from the database). Not at the response's close: werkzeug first
    drains what the client sent, which may wait on a connection the browser keeps open."""

    def __init__(self, app):
        self.app = app
        self.running: dict[int, str] = {}
        self.changed = threading.Condition()
        self.numbers = itertools.count()

    def __call__(self, environ, start_response):
        number = next(self.numbers)
        with self.changed:
            self.running[number] = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"
        try:
            return self.app(environ, start_response)
        finally:
            self.done(number)

    def done(self, number):
        with self.changed:
            self.running.pop(number, None)
            self.changed.notify_all()

    def wait_until_idle(self, timeout=30.0) -> list[str]:
        """The requests still running after ``timeout`` (none, normally)."""
        with self.changed:
            self.changed.wait_for(lambda: not self.running, timeout)
            return sorted(self.running.values())


SERVERS: list[RequestsInFlight] = []


@pytest.fixture(scope="session")
def live_server(app):
    requests = RequestsInFlight(app)
    SERVERS.append(requests)
    server = make_server("127.0.0.1", 0, requests, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True  # the browser sends real forms with real tokens
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def demo(app_ctx, csrf_enabled):
    from devdata.demo import seed_demo

    seed_demo()
    yield
    # After the test's browser contexts closed (their fixtures depend on this one), before
    # app_ctx empties the tables.
    for requests in SERVERS:
        running = requests.wait_until_idle()
        assert not running, f"requests of the live server still running: {running}"


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "leave with unsaved changes?"
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-GB")
    yield context.new_page()
    context.close()
