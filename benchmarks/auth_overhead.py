"""What a shared auth setting costs per call, against the demo API in its own process.

    .venv/bin/python -m benchmarks.auth_overhead [--calls N] [--quick] [--json FILE]

Sequential `ActionExecutor.execute` calls of one GET (`/api/orders/ORD-1001`), four ways:

| case | how the request is authenticated |
|---|---|
| header template | `Authorization: Bearer {{secret.DEMO_API_TOKEN}}` in the action's headers |
| bearer setting | the same token through a shared `bearer` auth setting |
| OAuth2, cached token | `oauth2_client_credentials`; the token fetched once, then reused |
| OAuth2, token each call | the same, with the cache's clock moved past the expiry before each call: a token request (through the guarded executor) and the call |

It prints p50/p95/mean per call and the token requests the demo API answered, and writes
`benchmarks/results/auth_overhead.json` (`results/quick/` with `--quick`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    TOKEN,
    demo_api_process,
    header,
    host_of,
    machine,
    now,
    summary_ms,
    table,
    write_result,
)

CLIENT = {"DEMO_CLIENT_ID": "northwind-support", "DEMO_CLIENT_SECRET": "demo-client-secret"}
"""The demo API's default OAuth2 client (`demo.oauth`)."""


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _measure(base_url: str, calls: int) -> dict[str, Any]:
    from tools.auth import StaticAuth, validate_auth
    from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
    from tools.outcome import OutcomeKind
    from tools.validation import validate_action

    settings = [
        validate_auth({"name": "bearer", "kind": "bearer", "token_secret": "DEMO_API_TOKEN"}),
        validate_auth(
            {
                "name": "gateway",
                "kind": "oauth2_client_credentials",
                "token_url": f"{base_url}/oauth/token",
                "client_id_secret": "DEMO_CLIENT_ID",
                "client_secret_secret": "DEMO_CLIENT_SECRET",
            }
        ),
    ]
    url = f"{base_url}/api/orders/ORD-1001"

    def action(**extra: Any):
        return validate_action({"name": "order", "trigger": "benchmark", "url": url, **extra})

    cases = {
        "header template": (action(headers={"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"}), False),
        "bearer setting": (action(auth="bearer"), False),
        "OAuth2, cached token": (action(auth="gateway"), False),
        "OAuth2, token each call": (action(auth="gateway"), True),
    }
    out: dict[str, Any] = {}
    for name, (definition, expire) in cases.items():
        clock = _Clock()
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(host_of(base_url),)),
            StaticSecrets({"DEMO_API_TOKEN": TOKEN, **CLIENT}),
            auth=StaticAuth(settings),
            clock=clock,
        ) as executor:
            await executor.execute(definition, {})  # warm: connection pool and (cached) token
            before = executor.auth.token_requests
            times = []
            for _ in range(calls):
                if expire:
                    clock.now += 10_000
                started = time.perf_counter()
                outcome = await executor.execute(definition, {})
                times.append(time.perf_counter() - started)
                if outcome.kind is not OutcomeKind.OK:
                    raise RuntimeError(f"{name}: {outcome.summary}")
            out[name] = {**summary_ms(times), "token_requests": executor.auth.token_requests - before}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="timed calls per case (default 300)")
    parser.add_argument("--quick", action="store_true", help="5 calls: a smoke run")
    parser.add_argument("--json", type=Path, help="where to write the result")
    args = parser.parse_args(argv)
    calls = 5 if args.quick else args.calls
    with demo_api_process() as base_url:
        cases = asyncio.run(_measure(base_url, calls))
    result = {"date": now(), "machine": machine(), "calls": calls, "cases": cases}
    print(header(result))
    rows: list[list[Any]] = [["case", "p50 ms", "p95 ms", "mean ms", "token requests"]]
    for name, c in cases.items():
        rows.append([name, c["p50"], c["p95"], c["mean"], c["token_requests"]])
    print(table(rows))
    path = write_result("auth_overhead", result, args.json, quick=args.quick)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
