"""What the distribution installs (README, "Packaging"): one supported import path, `api_actions`,
and a wheel that holds the app and the demo but not the benchmarks or the tests."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
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
        [sys.executable, "-m", "uv", "build", "-q", "--wheel", "--out-dir", str(tmp_path), str(source)],
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
    assert {"demo/actions.json", "demo/auth_actions.json", "ui/app.py", "demo/__main__.py"} <= set(names)
    # every start-up upgrades the database with these (storage.migrations)
    migrations = ROOT / "storage" / "migrations"
    revisions = {f"storage/migrations/versions/{p.name}" for p in (migrations / "versions").glob("*.py")}
    assert {"storage/migrations/env.py", "storage/migrations/script.py.mako"} | revisions <= set(names)


def _locked() -> dict[str, set[str]]:
    """name -> the versions the lock pins (more than one where Python versions need different ones)."""
    pins: dict[str, set[str]] = {}
    with open(ROOT / "uv.lock", "rb") as f:
        for package in tomllib.load(f)["package"]:
            pins.setdefault(package["name"], set()).add(package["version"])
    return pins


def test_the_venv_holds_exactly_what_the_lock_names() -> None:
    locked = _locked()
    installed = {
        d.metadata["Name"].lower().replace("_", "-"): d.version for d in importlib.metadata.distributions()
    }
    for name in ("openai", "langchain-openai", "langgraph", "httpx", "streamlit", "mcp"):
        assert name in locked, name
    differ = {n: (v, installed[n]) for n, v in locked.items() if n in installed and installed[n] not in v}
    assert not differ, f"installed versions differ from uv.lock: {differ}"
    assert locked["openai"] == {installed["openai"]}


@pytest.mark.slow  # resolves with uv
def test_the_lock_check_fails_when_pyproject_and_the_lock_disagree(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    check = [sys.executable, "-m", "uv", "lock", "--check", "--offline", "-q"]
    agreed = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert agreed.returncode == 0, agreed.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(
        text.replace('    "jmespath>=1.0",\n', "")
    )  # a dependency dropped
    # Finding the disagreement means resolving again, which may need package metadata the local
    # cache does not hold (a fresh machine has only what the lock installed): PyPI is asked then.
    online = [arg for arg in check if arg != "--offline"]
    differ = subprocess.run(online, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert differ.returncode != 0
    assert "lock" in differ.stderr.lower(), differ.stderr


HEADLESS = """
import sys
sys.modules["streamlit"] = None  # a headless install has no Streamlit
import agent.serve.mcp_server, agent.serve.langgraph_server, agent.cli.main
from agent.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_headless_entry_points_need_no_streamlit(tmp_path: Path) -> None:
    env = {**os.environ, "ACTIONS_DATA_DIR": str(tmp_path)}
    help_run = subprocess.run(
        [sys.executable, "-c", HEADLESS, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert help_run.returncode == 0, help_run.stderr
    for verb in ("mcp", "chat", "eval", "validate"):
        assert verb in help_run.stdout, verb
    demo = subprocess.run(
        [sys.executable, "-c", HEADLESS, "demo", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 1 and demo.stderr.count("\n") == 1, demo.stderr
    assert "api-actions[app]" in demo.stderr and "Traceback" not in demo.stderr
