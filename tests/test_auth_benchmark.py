"""The auth benchmark runs at tiny size and writes its JSON; token requests are counts, so they
are asserted: none while a token is cached, one per call when it has always expired."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import auth_overhead


def test_auth_benchmark_counts_token_requests(tmp_path: Path) -> None:
    out = tmp_path / "auth.json"
    assert auth_overhead.main(["--quick", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    cases = result["cases"]
    assert result["calls"] == 5 and {"platform", "python"} <= set(result["machine"])
    assert cases["OAuth2, cached token"]["token_requests"] == 0
    assert cases["OAuth2, token each call"]["token_requests"] == 5
    assert all(c["n"] == 5 and c["p95"] > 0 for c in cases.values())
