"""How long reading a large YAML OpenAPI document takes, and its peak memory.

    .venv/bin/python -m benchmarks.import_yaml [--quick] [--runs N] [--json PATH]

The document is generated (no public document is stored): a Stripe-like API just under the
5 MB cap, with 300 resources, long descriptions, form bodies and `$ref`s. Each step runs `--runs`
times, each in a fresh process, and reports the median wall time, the median CPU time of the
process (what the code costs; the wall time also holds whatever else the machine is doing) and
the largest peak RSS:

- `read`: `tools.importers.document.parse_document` (libyaml composes the nodes; the graph is
  measured against the bounds, then built);
- `read + draft`: `load_document` and `import_openapi`, what `api-actions import-openapi` does.

Goal: `read` <= 5 s and <= 200 MB on a developer machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.common import header, machine, now, table, write_result

GOAL_SECONDS = 5.0
GOAL_PEAK_MB = 200
STEPS = {
    "read": "from tools.importers.document import parse_document as step",
    "read + draft": (
        "from tools.importers import import_openapi, load_document\n"
        "def step(text): return import_openapi(load_document(text))"
    ),
}
_CHILD = """
import json, resource, sys, time
{step}
text = open(sys.argv[1]).read()
wall, cpu = time.perf_counter(), time.process_time()
step(text)
print(json.dumps({{"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def document(resources: int) -> str:
    desc = "A description of this field, as long as real API documents write them. " * 3
    doc: dict = {
        "openapi": "3.0.0",
        "info": {"title": "Payments API", "version": "2024-06-20"},
        "servers": [{"url": "https://api.payments.example.com/"}],
        "paths": {},
        "components": {"schemas": {}},
    }
    for i in range(resources):
        props: dict = {
            f"field_{j}": {"type": "string", "description": desc, "maxLength": 5000} for j in range(25)
        }
        props["nested"] = {
            "type": "object",
            "properties": {f"n{j}": {"type": "integer", "description": desc} for j in range(8)},
        }
        doc["components"]["schemas"][f"resource_{i}"] = {
            "type": "object",
            "properties": props,
            "description": desc,
        }
        ref = {"$ref": f"#/components/schemas/resource_{i}"}
        ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
        form = {f"field_{j}": {"type": "string", "description": desc} for j in range(10)}
        doc["paths"][f"/v1/resource_{i}/{{id}}"] = {
            "get": {
                "operationId": f"GetResource{i}",
                "description": desc,
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": ok,
            },
            "post": {
                "operationId": f"PostResource{i}",
                "description": desc,
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object", "properties": form}
                        }
                    }
                },
                "responses": ok,
            },
        }
    return yaml.safe_dump(doc, sort_keys=False, width=120)


def run_step(step: str, path: Path) -> dict[str, float]:
    """One step in a fresh process: its wall time, CPU time and peak RSS."""
    code = _CHILD.format(step=STEPS[step])
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small document: a smoke run")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per step (the median is shown)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    resources = 10 if args.quick else 300
    runs = 1 if args.quick else max(1, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.yaml"
        path.write_text(document(resources))
        size = path.stat().st_size
        measured = {step: [run_step(step, path) for _ in range(runs)] for step in STEPS}
    steps = {
        step: {
            "runs": runs,
            "wall_s": round(statistics.median(r["wall_s"] for r in results), 2),
            "cpu_s": round(statistics.median(r["cpu_s"] for r in results), 2),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results)),
        }
        for step, results in measured.items()
    }
    result = {"date": now(), "machine": machine(), "bytes": size, "steps": steps}
    result["goal"] = {"seconds": GOAL_SECONDS, "peak_rss_mb": GOAL_PEAK_MB, "step": "read"}
    read = steps["read"]
    result["meets_goal"] = read["wall_s"] <= GOAL_SECONDS and read["peak_rss_mb"] <= GOAL_PEAK_MB
    rows: list[list[object]] = [["step", "wall s (median)", "CPU s (median)", "peak RSS MB", "runs"]]
    rows += [
        [step, f"{s['wall_s']:.2f}", f"{s['cpu_s']:.2f}", s["peak_rss_mb"], s["runs"]]
        for step, s in steps.items()
    ]
    print(header(result))
    print(f"YAML document of {size:,} bytes (goal for read: <= {GOAL_SECONDS:.0f} s, <= {GOAL_PEAK_MB} MB)")
    print(table(rows))
    write_result("import_yaml", result, args.json, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
