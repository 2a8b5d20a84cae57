"""axe-core, the accessibility checker, injected into a browser test's page.

The release is pinned (version and the registry's sha512 integrity): it is fetched once with
`npm pack` (the npm registry is reachable; Node is a system package, `./dev test` installs it)
into a cache directory outside the repository, checked, and its `axe.min.js` kept there.
Workers of a parallel run may fetch at the same time: each writes a file of its own and
renames it into place.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
CACHE_DIR = Path(os.environ.get("AXE_CACHE_DIR") or Path.home() / ".cache" / "api-actions" / "axe-core")
BLOCKING = ("serious", "critical")
"""The impacts a test fails on."""


def axe_source() -> str:
    """The text of axe.min.js of the pinned release, fetched and checked on first use."""
    kept = CACHE_DIR / f"axe-{AXE_VERSION}.min.js"
    if not kept.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE_DIR) as scratch:
            packed = subprocess.run(
                ["npm", "pack", f"axe-core@{AXE_VERSION}", "--json", "--pack-destination", scratch],
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
                cwd=scratch,
            )
            tarball = Path(scratch) / json.loads(packed.stdout)[0]["filename"]
            digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if f"sha512-{digest}" != AXE_INTEGRITY:
                raise RuntimeError(f"axe-core {AXE_VERSION} from npm does not match its pinned integrity")
            with tarfile.open(tarball) as archive:
                member = archive.extractfile("package/axe.min.js")
                assert member is not None
                fresh = Path(scratch) / "axe.min.js"
                fresh.write_bytes(member.read())
            os.replace(fresh, kept)
    return kept.read_text()


def serious_violations(page: Any, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now: one entry per rule and
    element (`rule`, `impact`, `target`, `html`). `exclude` lists CSS selectors not to check."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        """async (exclude) => await window.axe.run(
            {include: [document], exclude: exclude.map((s) => [s])},
            {resultTypes: ['violations']}
        )""",
        list(exclude),
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "target": " ".join(map(str, n["target"])),
            "html": n["html"][:160],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
        for n in v["nodes"]
    ]
