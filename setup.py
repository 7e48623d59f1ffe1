"""Build step of the wheel (the project's metadata is in pyproject.toml).

A checkout keeps ``translations/`` (.po only; .mo files are not committed) and ``migrations/``
beside the package. An installed portal has no checkout, so building it compiles every
catalogue into ``bwportal/translations`` and copies the migrations into ``bwportal/migrations``
(bwportal/config.py looks there when it is not run from a checkout).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_data(build_py):  # noqa: N801 - setuptools' naming
    def run(self):
        super().run()
        if self.dry_run or getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        package = Path(self.build_lib) / "bwportal"
        compile_catalogues(HERE / "translations", package / "translations")
        shutil.copytree(HERE / "migrations", package / "migrations", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "README"))


def compile_catalogues(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalogues = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    if not catalogues:
        raise SystemExit(f"no catalogues under {source}: the wheel would have no translations")
    for po in catalogues:
        with po.open("rb") as f:
            catalogue = read_po(f, locale=po.parent.parent.name)
        mo = target / po.parent.relative_to(source) / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as f:
            write_mo(f, catalogue)


setup(cmdclass={"build_py": build_py_with_data})
