#!/usr/bin/env python3
"""Set-up and run for a fresh clone, with nothing but Python 3.11+.

    python3 dev.py run     # venv, install, translations, migrate, demo data, serve :5000
    python3 dev.py test    # venv, install with test extras, translations, the whole suite
    python3 dev.py bench page_weight   # the same set-up, then bench/page_weight.py (any bench/*.py)

Only the standard library is used here, since nothing else is installed yet.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BWPORTAL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# Every package's version, pinned (uv.lock, exported by `uv export`; see README "Set-up").
LOCK = ROOT / "requirements.lock"


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("bwportal needs Python 3.11 or newer.")
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    # Reinstall only when pyproject.toml, the lock file (or the extras asked for) changed.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".bwportal-installed-{extras or 'base'}"
    if not stamp.exists() or stamp.read_text() != digest:
        target = f".[{extras}]" if extras else "."
        uv = find_uv()
        if uv:  # about ten times faster than pip on a fresh venv
            sh(uv, "pip", "install", "--quiet", "--python", PY, "-c", LOCK, "-e", target)
        else:
            sh(PY, "-m", "pip", "install", "--quiet", "-c", LOCK, "-e", target)
        stamp.write_text(digest)


def find_uv() -> str | None:
    """uv in the venv, else the machine's, else installed into the venv with pip (one small
    wheel); None when even that fails (offline without uv): pip installs then."""
    own = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if own.exists():
        return str(own)
    if found := shutil.which("uv"):
        return found
    try:
        sh(PY, "-m", "pip", "install", "--quiet", "uv")
    except subprocess.CalledProcessError:
        return None
    return str(own) if own.exists() else None


def compile_translations() -> None:
    sh(BIN / "pybabel", "compile", "-d", "translations")


def flask(*args) -> None:
    sh(BIN / "flask", "--app", "wsgi", *args)


def run() -> None:
    ensure_venv("")
    compile_translations()
    flask("db", "upgrade")
    flask("seed-demo")
    print("\nbwportal is at http://127.0.0.1:5000 (Ctrl+C stops it)\n", flush=True)
    flask("run", "--host", "127.0.0.1", "--port", os.environ.get("PORT", "5000"))


def test(pytest_args: list[str]) -> None:
    """With no arguments: the whole suite, spread over the machine's cores (BWPORTAL_TEST_WORKERS
    to choose), then the few tests marked serial (they stop a service the others share), alone.
    With arguments: pytest with just those."""
    ensure_venv("test")
    compile_translations()
    pytest = [str(PY), "-m", "pytest"]
    if pytest_args:
        sys.exit(subprocess.run([*pytest, *pytest_args], cwd=ROOT).returncode)
    workers = int(os.environ.get("BWPORTAL_TEST_WORKERS") or min(os.cpu_count() or 1, 4))
    spread = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []
    first = subprocess.run([*pytest, *spread, "-m", "not serial"], cwd=ROOT).returncode
    second = subprocess.run([*pytest, "-m", "serial"], cwd=ROOT).returncode
    sys.exit(first or (0 if second == 5 else second))  # 5: no serial test was collected


def bench(args: list[str]) -> None:
    names = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_"))  # _*: shared parts
    if not args or args[0] not in names:
        sys.exit(f"python3 dev.py bench NAME [arguments]; NAME is one of: {', '.join(names)}")
    ensure_venv("test,bench")  # Playwright (a test extra) drives chromium; peer_admin needs Flask-Admin
    compile_translations()
    result = subprocess.run([str(PY), str(ROOT / "bench" / f"{args[0]}.py"), *args[1:]], cwd=ROOT)
    sys.exit(result.returncode)


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "run":
        run()
    elif command == "test":
        test(rest)
    elif command == "bench":
        bench(rest)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
