"""Helpers of `./dev upgrade` and `./dev audit` (standard library only: runs before any venv).

python3 .ci/lockfile.py diff OLD_LOCK NEW_LOCK   what moved between two uv.lock files
python3 .ci/lockfile.py audit REQUIREMENTS UV    known vulnerabilities of the exported lock
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

PIP_AUDIT = "pip-audit==2.10.1"
SERVICES = ("osv", "pypi")  # pip-audit's vulnerability databases, tried in this order


def pins(path: str) -> dict[str, str]:
    with open(path, "rb") as f:
        return {p["name"]: p.get("version", "?") for p in tomllib.load(f).get("package", [])}


def diff(old_path: str, new_path: str) -> int:
    old, new = pins(old_path), pins(new_path)
    moved = [
        (n, old.get(n, "-"), new.get(n, "-"))
        for n in sorted(old.keys() | new.keys())
        if old.get(n) != new.get(n)
    ]
    for name, before, after in moved:
        print(f"  {name:34} {before:>16} -> {after}")
    print(
        f"{len(moved)} package(s) move"
        if moved
        else "nothing moves: the lock already has the newest releases"
    )
    return 0


def audit(requirements: str, uv: str) -> int:
    for service in SERVICES:
        run = subprocess.run(
            [
                uv,
                "tool",
                "run",
                "-q",
                "--from",
                PIP_AUDIT,
                "pip-audit",
                "-r",
                requirements,
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "-f",
                "json",
                "-s",
                service,
            ],
            capture_output=True,
            text=True,
        )
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            continue
        deps = report.get("dependencies", [])
        checked = [d for d in deps if "skip_reason" not in d]
        if not checked:
            continue  # the database could not be reached: nothing was checked
        found = [(d["name"], d["version"], v) for d in checked for v in d.get("vulns", [])]
        for name, version, vuln in found:
            fix = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"{name} {version}: {vuln['id']} — upgrade to {fix}")
        skipped = len(deps) - len(checked)
        tail = f" ({skipped} not found in the {service} database)" if skipped else ""
        print(
            f"{len(checked)} locked package(s) checked against {service}{tail}: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}"
        )
        if found:
            print(
                "raise the floor in pyproject.toml (or run ./dev upgrade), then ./dev lock", file=sys.stderr
            )
        return 1 if found else 0
    print(
        "error: no vulnerability database could be reached ("
        + ", ".join(SERVICES)
        + "): nothing was checked",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    verb, *args = sys.argv[1:]
    sys.exit({"diff": diff, "audit": audit}[verb](*args))
