"""Slow clients against the portal, with and without nginx in front (issue 18, item 2).

20 clients each send a 100 KB form at 2G uplink speed (40 kbit/s: 5 KB/s, so 20 s each) while
4 fast clients ask for pages one after another. Without the proxy, gunicorn's two sync workers
are held by the uploads and the fast clients wait; with deploy/nginx-locations.conf in front,
nginx takes the uploads whole and gunicorn only ever sees complete requests.

    .venv/bin/python bench/slow_clients.py [--slow 20] [--seconds 25]

Prints the fast clients' p50/p95 (and how many were answered) for each setting. Needs nginx
(apt-get install nginx-light). The helpers here also serve tests/faults/test_proxy.py.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPLINK_2G = 5 * 1024  # bytes per second: 40 kbit/s
FORM = 100 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=30).close()
            return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer: it is up
                return
            if process.poll() is not None:
                break
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:] if log.exists() else ''}")


def procfile_web(port: int, workers: int = 2) -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = line.split(":", 1)[1].strip()
    return (command.replace("${WEB_CONCURRENCY:-2}", str(workers)).replace("${PORT:-8000}", str(port))
            .replace("0.0.0.0", "127.0.0.1"))


def start_gunicorn(env: dict, folder: Path, workers: int = 2) -> tuple[subprocess.Popen, int]:
    """The Procfile's web process (gunicorn, sync workers) on a free loopback port."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    process = subprocess.Popen(procfile_web(port, workers), shell=True, cwd=ROOT, env=env, start_new_session=True,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_for(f"http://127.0.0.1:{port}/sign-in", process, log)
    return process, port


def start_nginx(folder: Path, upstream_port: int) -> tuple[subprocess.Popen, int]:
    """nginx with deploy/nginx-locations.conf, in front of ``upstream_port``, on a free port
    (plain HTTP: the TLS server block of deploy/nginx.conf is the only difference)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    locations = (ROOT / "deploy" / "nginx-locations.conf").read_text().replace(
        "root /srv/bwportal/bwportal;", f"root {ROOT / 'bwportal'};")
    (folder / "locations.conf").write_text(locations)
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream bwportal {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        include {folder}/locations.conf;
    }}
}}
""")
    log = folder / "nginx.log"
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(f"http://127.0.0.1:{port}/sign-in", process, folder / "error.log")
    return process, port


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass


class SlowUpload(threading.Thread):
    """One client sending a form of ``size`` bytes at ``rate`` bytes a second (a throttled
    socket: a slice every 0.1 s), then reading the answer's status."""

    def __init__(self, port: int, size: int = FORM, rate: int = UPLINK_2G, path: str = "/sign-in"):
        super().__init__(daemon=True)
        self.port, self.size, self.rate, self.path = port, size, rate, path
        self.started_body = threading.Event()
        self.status: int | None = None
        self.error: str = ""
        self.finished_at: float | None = None

    def run(self) -> None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=120) as sock:
                sock.sendall((f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n"
                              f"Content-Length: {self.size}\r\nConnection: close\r\n\r\n").encode())
                sent, piece = 0, max(1, self.rate // 10)
                body = b"text=" + b"x" * self.size
                while sent < self.size:
                    chunk = body[sent:sent + min(piece, self.size - sent)]
                    sock.sendall(chunk)
                    sent += len(chunk)
                    self.started_body.set()
                    time.sleep(0.1)
                answer = sock.recv(64)
                self.status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/") else None
        except OSError as error:
            self.error = str(error)
        finally:
            self.finished_at = time.monotonic()


def timed_get(port: int, path: str = "/sign-in", timeout: float = 60) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
            answer.read()
            return answer.status, time.monotonic() - started
    except OSError as error:
        return getattr(error, "code", 0) or 0, time.monotonic() - started


def scenario(port: int, slow: int, seconds: float, fast: int = 4) -> dict:
    uploads = [SlowUpload(port) for _ in range(slow)]
    for upload in uploads:
        upload.start()
    time.sleep(1 if slow else 0)
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds

    def fast_client():
        nonlocal failures
        while time.monotonic() < deadline:
            status, took = timed_get(port)
            if status == 200:
                latencies.append(took)
            else:
                failures += 1

    threads = [threading.Thread(target=fast_client) for _ in range(fast)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for upload in uploads:
        upload.join(180)
    latencies.sort()
    def quantile(q):
        return (latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan"))
    return {"answered": len(latencies), "failed": failures, "p50": quantile(0.5), "p95": quantile(0.95),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
            "uploads_answered": sum(1 for u in uploads if u.status), "uploads_5xx": sum(
                1 for u in uploads if (u.status or 0) >= 500)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=25)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bwportal-slow-clients-"))
    env = {**os.environ, "BWPORTAL_INSTANCE": str(folder / "instance"), "RATELIMIT_ENABLED": "0", "PROXIES": "1",
           "LOG_LEVEL": "WARNING", "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    gunicorn, web_port = start_gunicorn(env, folder)
    nginx, proxy_port = start_nginx(folder / "nginx", web_port)
    try:
        print(f"{args.slow} slow clients, each a {FORM // 1024} KB form at {UPLINK_2G * 8 // 1024} kbit/s; "
              f"4 fast clients for {args.seconds:.0f} s; gunicorn with 2 sync workers")
        print(f"{'setting':<34} {'answered':>8} {'failed':>6} {'p50 s':>7} {'p95 s':>7}  slow uploads answered (5xx)")
        for name, port, slow in (("gunicorn alone, no slow clients", web_port, 0),
                                 ("gunicorn alone, slow clients", web_port, args.slow),
                                 ("nginx in front, slow clients", proxy_port, args.slow)):
            result = scenario(port, slow, args.seconds)
            print(f"{name:<34} {result['answered']:>8} {result['failed']:>6} {result['p50']:>7.3f} "
                  f"{result['p95']:>7.3f}  {result['uploads_answered']}/{slow} ({result['uploads_5xx']})", flush=True)
    finally:
        stop(nginx)
        stop(gunicorn)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
