"""Lines a test module wants repeated at the end of the run (what the sweeps covered, what the
fault tests did), printed once by the process that reports, with or without pytest-xdist."""

from collections import defaultdict

import pytest

SECTIONS: dict[str, list[str]] = defaultdict(list)
_KEY = "bwportal_summary"


def add(section: str, line: str) -> None:
    SECTIONS[section].append(line)


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the lines to the controller
        workeroutput[_KEY] = {name: list(lines) for name, lines in SECTIONS.items()}


@pytest.hookimpl(optionalhook=True)  # an xdist hook
def pytest_testnodedown(node, error):
    for name, lines in getattr(node, "workeroutput", {}).get(_KEY, {}).items():
        SECTIONS[name].extend(lines)


def pytest_terminal_summary(terminalreporter):
    for name, lines in SECTIONS.items():
        if lines:
            terminalreporter.section(name)
            for line in lines:
                terminalreporter.write_line(line)
