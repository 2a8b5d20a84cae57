"""How long reading a large YAML OpenAPI document takes, and its peak memory.

    .venv/bin/python -m benchmarks.import_yaml [--quick] [--json PATH]

The document is generated (no public document is stored): a Stripe-like API just under the
5 MB cap, with 300 resources, long descriptions, form bodies and `$ref`s. Each run reads it in
a fresh process with `tools.importers.document.parse_document` (libyaml's C events, composed
and measured in Python) and reports the wall time and the process's peak RSS. Goal: <= 5 s and
<= 200 MB on a developer machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

RESULTS = Path(__file__).parent / "results"
_CHILD = """
import resource, sys, time
from tools.importers.document import parse_document
text = open(sys.argv[1]).read()
start = time.perf_counter()
parse_document(text)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small document: a smoke run")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    resources = 10 if args.quick else 300
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(document(resources))
    size = Path(f.name).stat().st_size
    out = subprocess.run([sys.executable, "-c", _CHILD, f.name], capture_output=True, text=True, check=True)
    Path(f.name).unlink()
    seconds, peak_mb = map(float, out.stdout.split())
    figures = {"bytes": size, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb)}
    print(f"YAML document of {size:,} bytes: {seconds:.2f} s, peak RSS {peak_mb:.0f} MB")
    target = args.json or RESULTS / ("quick" if args.quick else "") / "import_yaml.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
