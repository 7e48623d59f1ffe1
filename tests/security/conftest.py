"""Fixtures of the security sweeps, and their coverage printed at the end of the run."""

import pytest

from .. import summary
from .tenants import Coverage, make_objects

COVERAGE = Coverage()


@pytest.fixture
def objects(world):
    """Objects of every factory, each with a private string no other tenant may see."""
    return make_objects(world)


@pytest.fixture(scope="session")
def coverage():
    return COVERAGE


@pytest.hookimpl(tryfirst=True)  # before tests.summary hands the lines on
def pytest_sessionfinish(session):
    if COVERAGE.calls:
        for line in COVERAGE.lines():
            summary.add("security sweeps: coverage", line)
