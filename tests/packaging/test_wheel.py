"""The portal as a team installs it (issue 18, item 9): a built wheel, a fresh venv, no checkout.

Building and installing take uv and its cache (the suite's venv was made with uv); without uv
these tests are skipped, never passed.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# The machine's uv, or the one dev.py put into the venv.
UV = shutil.which("uv") or next((str(p) for p in [Path(sys.executable).parent / "uv"] if p.exists()), None)
needs_uv = pytest.mark.skipif(UV is None, reason="uv is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _french(msgid: str) -> str:
    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale="fr")[msgid].string


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if UV is None:
        pytest.skip("uv is not installed")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([UV, "build", "--quiet", "--out-dir", str(out), str(ROOT)], check=True, cwd=out)
    (built,) = out.glob("bwportal-*.whl")
    return built


@needs_uv
def test_the_wheel_holds_translations_migrations_and_its_entry_point(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in ("en", "km", "vi", "bn", "id", "ar", "es", "fr"):
        assert f"bwportal/translations/{locale}/LC_MESSAGES/messages.mo" in names
    assert "bwportal/migrations/env.py" in names
    heads = [n for n in names if n.startswith("bwportal/migrations/versions/") and n.endswith(".py")]
    assert len(heads) == len(list((ROOT / "migrations" / "versions").glob("*.py")))
    assert "bwportal/wsgi.py" in names
    assert not any(n.startswith("devdata/") for n in names)  # demo data stays in the checkout


@needs_uv
def test_an_installed_wheel_migrates_and_serves_outside_the_checkout(wheel, tmp_path):
    """From a folder that is not the checkout, with only the installed package: `flask db upgrade`
    builds the schema and gunicorn serves a translated page and its stylesheet."""
    env_dir = tmp_path / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(env_dir)], check=True)
    subprocess.run([UV, "pip", "install", "--quiet", "--python", str(env_dir / "bin" / "python"),
                    "-c", str(ROOT / "requirements.lock"), str(wheel)], check=True)
    site = tmp_path / "site"
    site.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(BWPORTAL_INSTANCE=str(site / "instance"), DATABASE_URL="", REDIS_URL="")
    upgrade = subprocess.run([str(env_dir / "bin" / "flask"), "--app", "bwportal.wsgi", "db", "upgrade"],
                             cwd=site, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "e2b8f4a61c3d" in upgrade.stderr or "Running upgrade" in upgrade.stderr
    # The installed copy is the one imported, not the checkout's.
    where = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import bwportal; print(bwportal.__file__)"],
                           cwd=site, env=env, capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where

    port = _free_port()
    web = subprocess.Popen([str(env_dir / "bin" / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                            "bwportal.wsgi:app"], cwd=site, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = None
        for _ in range(150):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/sign-in",
                                                 headers={"Accept-Language": "fr"})
                page = urllib.request.urlopen(request, timeout=5).read().decode()
                break
            except OSError:
                assert web.poll() is None, web.stderr.read().decode()
                time.sleep(0.2)
        assert page is not None, "gunicorn never answered"
        assert _french("Sign in") in page  # a compiled catalogue, from inside the package
        assert _french("Sign in") != "Sign in"
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5)
        assert css.status == 200
    finally:
        web.terminate()
        web.wait(timeout=20)
