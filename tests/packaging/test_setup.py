"""Set-up from a fresh clone (issue 18, item 9): every package pinned by a lock file, installed
with uv when it can be had (pip otherwise), so that nothing newer comes in unasked."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, version = line.split(";")[0].strip().partition("==")
            assert version, f"not pinned to one version: {line}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_dependency_and_extra_is_pinned_to_one_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    pins = _pins()
    missing = sorted({_name(r) for r in wanted} - set(pins))
    assert not missing, f"requirements.lock lacks {missing}: remake it with `uv pip compile` (README, Set-up)"
    assert "bwportal" not in pins  # the project itself is installed from the checkout


def test_every_pin_satisfies_what_pyproject_asks():
    """A pin that pyproject.toml no longer allows (a requirement raised, the lock not remade) fails."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    wrong = []
    for text in [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]:
        requirement = Requirement(text)
        pinned = pins.get(_name(text))
        if pinned is not None and not requirement.specifier.contains(pinned, prereleases=True):
            wrong.append(f"{requirement.name}=={pinned} (asked: {requirement.specifier})")
    assert not wrong, f"remake requirements.lock (README, Set-up): {wrong}"


@pytest.fixture
def dev(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()  # an existing venv: only the install is looked at
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "BIN", venv / "bin")
    monkeypatch.setattr(module, "PY", venv / "bin" / "python")
    module.ran = []
    monkeypatch.setattr(module, "sh", lambda *args, **kw: module.ran.append([str(a) for a in args]))
    return module


def test_dev_py_installs_the_locked_versions_with_uv(dev, monkeypatch):
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/opt/uv" if name == "uv" else None)
    dev.ensure_venv("test")
    assert dev.ran == [["/opt/uv", "pip", "install", "--quiet", "--python", str(dev.PY),
                        "-c", str(LOCK), "-e", ".[test]"]]
    dev.ran.clear()
    dev.ensure_venv("test")  # nothing changed: nothing installed again
    assert dev.ran == []


def test_dev_py_gets_uv_into_the_venv_first_and_falls_back_to_pip(dev, monkeypatch):
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    dev.ensure_venv("")  # pip installs uv, but here it did not appear: pip, still with the lock
    assert dev.ran[0] == [str(dev.PY), "-m", "pip", "install", "--quiet", "uv"]
    assert dev.ran[-1] == [str(dev.PY), "-m", "pip", "install", "--quiet", "-c", str(LOCK), "-e", "."]

    dev.ran.clear()
    (dev.BIN / "uv").touch()  # uv now in the venv
    (dev.VENV / ".bwportal-installed-base").unlink()
    dev.ensure_venv("")
    assert dev.ran == [[str(dev.BIN / "uv"), "pip", "install", "--quiet", "--python", str(dev.PY),
                        "-c", str(LOCK), "-e", "."]]
