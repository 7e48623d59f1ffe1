#!/usr/bin/env python3
"""Every benchmark in one run, and bench/RESULTS.md written from what they printed.

    python3 dev.py bench all            # the full set, at the issues' scales (about 20 minutes)
    python3 dev.py bench all --quick    # small scales, to check the set runs end to end

Each benchmark runs in its own process, one after the other (they would disturb each
other's timings otherwise); its output goes to the terminal and, verbatim, into
RESULTS.md under a heading with its command line and how long it took. The page starts
with the machine (CPUs, memory, load average before the run), the date and the versions of
Python, PostgreSQL and Redis. A benchmark that fails is recorded as failed with its output,
and the others still run. It asserts nothing.

load.py needs PostgreSQL and Redis (127.0.0.1, as on the CI machine); the others make their
own throw-away SQLite instances.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# (name, arguments, arguments with --quick, what it shows)
PLAN = [
    ("page_weight", [], ["--runs", "1"], "Our main pages on Regular 2G in Debian chromium (issue 8)."),
    ("peer_admin", [], ["--runs", "1"], "Flask-Admin's IP list and edit pages next to ours, same run, same link."),
    ("query_counts", [], [], "SQL statements per main page at 5 and at 500 items."),
    ("pdf_render", [], ["--items", "50", "--runs", "1"], "A PR1 PDF with 200 IP items in a warm process."),
    ("deadline_sweep", [], ["--factories", "1000"], "The deadline sweep over 10,000 factories, twice."),
    ("admin_lists", [], ["--factories", "1000"], "Admin lists and dashboards with 10,000 factories."),
    ("load", [], ["--quick", "--drop"], "gunicorn (2 workers) on PostgreSQL + Redis with scale data, 20 clients."),
]


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return out.splitlines()[0] if out else "not found"


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {int(memory) // 1024 // 1024} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"- load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- Python {platform.python_version()}; {_version(['psql', '--version'])}; "
        f"{_version(['redis-server', '--version'])}; {_version(['/usr/bin/chromium', '--version'])}",
        f"- commit: {_version(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD'])}",
    ]


def run(name: str, args: list[str]) -> tuple[int, str, float]:
    command = [sys.executable, str(BENCH / f"{name}.py"), *args]
    print(f"\n=== {name} {' '.join(args)}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:  # shown as it comes, kept for the page
        print(line, end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scales: checks the set runs, figures mean little")
    parser.add_argument("--only", action="append", choices=[name for name, *_ in PLAN], help="run only these")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    options = parser.parse_args()

    page = ["# Benchmark results", "",
            "Written by `python3 dev.py bench all`" + (" --quick (small scales)" if options.quick else "") + ".",
            "Figures, not assertions; each section is the benchmark's own output, verbatim.", "", *machine(), ""]
    failed = []
    for name, args, quick_args, about in PLAN:
        if options.only and name not in options.only:
            continue
        chosen = args + (quick_args if options.quick else [])
        code, output, seconds = run(name, chosen)
        status = "" if code == 0 else f" — FAILED (exit {code})"
        if code:
            failed.append(name)
        page += [f"## {name}{status}", "", about, "",
                 f"`python3 dev.py bench {' '.join([name, *chosen])}` ({seconds:.0f} s)", "",
                 "```", output.rstrip(), "```", ""]
    Path(options.out).write_text("\n".join(page))
    print(f"\nwrote {options.out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
