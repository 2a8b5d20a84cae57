"""What the distribution installs (README, "Packaging"): one supported import path, `api_actions`,
and a wheel that holds the app and the demo but not the benchmarks or the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import api_actions

ROOT = Path(__file__).resolve().parents[1]


def test_every_supported_name_is_importable_from_api_actions() -> None:
    assert sorted(api_actions.__all__) == sorted(set(api_actions.__all__))
    for name in api_actions.__all__:
        value = getattr(api_actions, name)
        # each is defined in the project's packages, not a re-export of a library
        assert value.__module__.split(".")[0] in {"agent", "tools", "storage"}, name


@pytest.mark.slow  # builds the wheel
def test_the_wheel_holds_the_app_and_the_demo_but_not_benchmarks_or_tests(tmp_path: Path) -> None:
    # built from a copy, so the build leaves nothing in the working tree
    source = tmp_path / "source"
    skip = shutil.ignore_patterns(".*", "build", "data", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, source, ignore=skip)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = tmp_path.glob("api_actions-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"api_actions", "agent", "tools", "storage", "ui", "demo"}
    # `api-actions demo` seeds storage from this file and starts `streamlit run ui/app.py`
    assert {"demo/actions.json", "ui/app.py", "demo/__main__.py"} <= set(names)
    # every start-up upgrades the database with these (storage.migrations)
    migrations = ROOT / "storage" / "migrations"
    revisions = {f"storage/migrations/versions/{p.name}" for p in (migrations / "versions").glob("*.py")}
    assert {"storage/migrations/env.py", "storage/migrations/script.py.mako"} | revisions <= set(names)
