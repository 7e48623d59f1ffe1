#!/usr/bin/env python3
"""Set-up and run for a fresh clone, with nothing but Python 3.11+.

    python3 dev.py run     # venv, install, translations, migrate, demo data, serve :5000
    python3 dev.py test    # venv, install with test extras, translations, the whole suite
    python3 dev.py bench page_weight   # the same set-up, then bench/page_weight.py (any bench/*.py)
    python3 dev.py prod    # the production shape on this machine's PostgreSQL and Redis:
                           # the Procfile's release, web (gunicorn), worker and cron, until Ctrl+C

Only the standard library is used here, since nothing else is installed yet.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BWPORTAL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# Every package's version, pinned (`uv pip compile`; see README "Set-up").
LOCK = ROOT / "requirements.lock"


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("bwportal needs Python 3.11 or newer.")
    if os.environ.get("BWPORTAL_NO_INSTALL") == "1" and PY.exists():
        return  # a venv someone else keeps (the test suite's, running tests/packaging/test_prod.py)
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
    # The slowest tests are named at the end: the suite's time is watched (CI has a budget).
    first = subprocess.run([*pytest, *spread, "-m", "not serial", "--durations=20"], cwd=ROOT).returncode
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


PROD_DEFAULTS = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/bwportal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORT": "8000",
}


def procfile() -> dict[str, str]:
    """The Procfile's processes by name: what a platform runs is what runs here."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line and not line.startswith("#"))


def prod(args: list[str]) -> None:
    """The production shape with this machine's services: PostgreSQL at DATABASE_URL (the
    database is made if missing), Redis at REDIS_URL, then the Procfile's release step and its
    web, worker and cron processes, each in its own process group; Ctrl+C (or any of them
    ending) stops them all. nginx goes in front when the deployment's proxy settings are here
    (see nginx_config; --no-proxy to leave it out). --demo loads the demo data first."""
    ensure_venv("")
    env = dict(os.environ)
    for name, value in PROD_DEFAULTS.items():
        env.setdefault(name, value)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{env['PORT']}")
    subprocess.run([str(PY), "-c", _CHECK_SERVICES], cwd=ROOT, env=env, check=True)
    processes = procfile()
    subprocess.run(["/bin/sh", "-c", processes["release"]], cwd=ROOT, env=env, check=True)
    if "--demo" in args:
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "seed-demo"], cwd=ROOT, env=env, check=True)
    public_port = env["PORT"]
    proxy = nginx_config(env) if "--no-proxy" not in args else None
    running = {}
    try:
        for name in ("web", "worker", "cron"):
            print(f"+ {name}: {processes[name].strip()}", flush=True)
            running[name] = subprocess.Popen(["/bin/sh", "-c", "exec " + processes[name].strip()], cwd=ROOT,
                                             env=env, start_new_session=True)
        if proxy:
            print(f"+ proxy: nginx -c {proxy}", flush=True)
            running["proxy"] = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(proxy)],
                                                cwd=ROOT, env=env, start_new_session=True)
        print(f"\nbwportal (production shape) is at http://127.0.0.1:{public_port} (Ctrl+C stops it)\n",
              flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # stopped by a supervisor: stop the children too
        while all(p.poll() is None for p in running.values()):
            try:
                next(iter(running.values())).wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        ended = [name for name, p in running.items() if p.poll() is not None]
        print(f"{', '.join(ended)} ended; stopping the others", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        for process in running.values():  # only the groups started here
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def nginx_config(env: dict) -> Path | None:
    """When nginx is installed and the deployment's proxy settings are here
    (deploy/nginx-locations.conf, or BWPORTAL_DEPLOY_DIR's): a configuration that runs it as
    this user in front of gunicorn, which then listens on PORT + 1 (PROXIES=1). None otherwise."""
    locations = Path(env.get("BWPORTAL_DEPLOY_DIR", ROOT / "deploy")) / "nginx-locations.conf"
    if not locations.is_file() or not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return None
    public, web = int(env["PORT"]), int(env["PORT"]) + 1
    env["PORT"], env["PROXIES"] = str(web), "1"
    folder = VENV / "nginx"
    folder.mkdir(exist_ok=True)
    # The deployment's own locations, with the static folder of this checkout.
    (folder / "locations.conf").write_text(
        locations.read_text().replace("/srv/bwportal/bwportal", str(ROOT / "bwportal")))
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "".join(f"{kind}_temp_path {folder / kind};\n" for kind in kinds)
    (folder / "nginx.conf").write_text(f"""daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    {temp}
    upstream bwportal {{ server 127.0.0.1:{web}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{public};
        include {folder / 'locations.conf'};
    }}
}}
""")
    return folder / "nginx.conf"


def _interrupt(*_args):
    raise KeyboardInterrupt


# Run in the venv: PostgreSQL and Redis answer, and the database exists (made if not).
_CHECK_SERVICES = """
import os, sys
from urllib.parse import urlsplit, urlunsplit
import psycopg, redis
url = os.environ["DATABASE_URL"]
parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://"))
name = parts.path.lstrip("/")
try:
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=5) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            c.execute(f'CREATE DATABASE "{name}"')
            print(f"made the database {name}")
except psycopg.Error as error:
    sys.exit(f"PostgreSQL at DATABASE_URL does not answer: {error}")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=5).ping()
except redis.RedisError as error:
    sys.exit(f"Redis at REDIS_URL does not answer: {error}")
"""


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "run":
        run()
    elif command == "test":
        test(rest)
    elif command == "bench":
        bench(rest)
    elif command == "prod":
        prod(rest)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
