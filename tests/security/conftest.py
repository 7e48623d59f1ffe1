"""Fixtures of the security sweeps, and their coverage printed at the end of the run."""

import pytest

from .tenants import Coverage, make_objects

COVERAGE = Coverage()


@pytest.fixture
def objects(world):
    """Objects of every factory, each with a private string no other tenant may see."""
    return make_objects(world)


@pytest.fixture(scope="session")
def coverage():
    return COVERAGE


def pytest_terminal_summary(terminalreporter):
    if COVERAGE.calls:
        terminalreporter.section("security sweeps: coverage")
        for line in COVERAGE.lines():
            terminalreporter.write_line(line)
