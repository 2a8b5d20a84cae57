"""How long compiling action definitions into tools takes, cold and incrementally.

    .venv/bin/python -m benchmarks.compile [--sizes 10,100,1000] [--runs 7] [--json PATH]

Cases (median of `--runs` runs, definitions from `benchmarks.fixtures.generate_actions`):

- cold: `ActionCatalog().sync(definitions)` for 10, 100, 1,000 actions;
- naive: `pydantic.create_model` + `StructuredTool.from_function` per action, the usual way;
- cold / naive + OpenAI schemas: the same, then `convert_to_openai_tool` for every tool (what
  `bind_tools` does before the first model call);
- edit one: `sync` of the largest catalog after one definition was replaced by an edited copy;
- edit one after reload: the same, but every definition is a fresh object (as after loading the
  catalog from storage again), so every one is content-hashed;
- first check / check: `CompiledAction.check` on the first call (builds the strict model) and
  after it, per action.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Optional

from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, JsonValue, create_model

from benchmarks.fixtures import generate_actions, sample_arguments
from tools.action import ActionDefinition, InputType
from tools.compiler import ActionCatalog, compile_action

DEFAULT_SIZES = (10, 100, 1000)
DEFAULT_JSON = Path(__file__).parent / "results" / "compile.json"
TARGETS_MS = {"cold_1000": 150.0, "edit_one": 2.0}
"""Targets from the issue: 1,000 actions cold, and one edit inside a 1,000-action catalog."""
CHECK_SAMPLE = 200
"""Actions used to time `check()`: enough for a stable median, few enough to stay quick."""


def median_ms(run: Callable[[int], object], runs: int) -> float:
    """Median wall time of `run(i)` for i in range(runs), in milliseconds."""
    times = []
    for i in range(runs):
        gc.collect()
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# -- the naive baseline ---------------------------------------------------------------------------

_NAIVE_TYPES = {
    InputType.STRING: str,
    InputType.EMAIL: str,
    InputType.INTEGER: int,
    InputType.NUMBER: float,
    InputType.BOOLEAN: bool,
    InputType.DATE: datetime.date,
    InputType.STRING_LIST: list[str],
}


def naive_compile(definition: ActionDefinition) -> StructuredTool:
    """One pydantic model and one `from_function` tool per action."""
    fields: dict[str, Any] = {}
    for inp in definition.inputs:
        kind: Any = (
            Literal[tuple(inp.enum_values or ())] if inp.type is InputType.ENUM else _NAIVE_TYPES[inp.type]
        )
        if not inp.required:
            kind = Optional[kind]  # noqa: UP045 - a runtime type expression
        extra: dict[str, JsonValue] | None = {"examples": [inp.example]} if inp.example else None
        fields[inp.name] = (
            kind,
            Field(
                ... if inp.required else None,
                description=inp.description or None,
                pattern=inp.pattern,
                json_schema_extra=extra,
            ),
        )
    model = create_model(f"{definition.name}_args", **fields)

    async def call(**kwargs: Any) -> Any:
        return kwargs

    return StructuredTool.from_function(
        coroutine=call, name=definition.name, description=definition.trigger, args_schema=model
    )


# -- cases ----------------------------------------------------------------------------------------


def bench_cold(defs: list[ActionDefinition], runs: int) -> dict[str, float]:
    def compile_only(_: int) -> None:
        ActionCatalog().sync(defs)

    def with_schemas(_: int) -> None:
        catalog = ActionCatalog()
        catalog.sync(defs)
        for compiled in catalog:
            compiled.openai_schema()

    def naive(_: int) -> None:
        for d in defs:
            naive_compile(d)

    def naive_with_schemas(_: int) -> None:
        for d in defs:
            convert_to_openai_tool(naive_compile(d))

    return {
        "cold": median_ms(compile_only, runs),
        "naive": median_ms(naive, runs),
        "cold_with_openai_schema": median_ms(with_schemas, runs),
        "naive_with_openai_schema": median_ms(naive_with_schemas, runs),
    }


def bench_edit_one(defs: list[ActionDefinition], runs: int) -> dict[str, float]:
    """One definition edited inside a full catalog; alternating edits so each run recompiles."""
    index = len(defs) // 2
    original = defs[index]
    variants = [
        original.model_copy(update={"trigger": original.trigger + " (edited)"}),
        original.model_copy(update={"trigger": original.trigger + " (edited again)"}),
    ]
    catalog = ActionCatalog()
    current = list(defs)
    catalog.sync(current)

    def edit(i: int) -> None:
        current[index] = variants[i % 2]
        diff = catalog.sync(current)
        assert diff.compiled == [original.name], diff

    # every definition a fresh (equal) object, one of them edited
    reloads = [[d.model_copy(deep=True) for d in defs] for _ in range(runs)]
    for i, fresh in enumerate(reloads):
        fresh[index] = variants[i % 2].model_copy(deep=True)
    reload_catalog = ActionCatalog()
    reload_catalog.sync(defs)

    def edit_after_reload(i: int) -> None:
        diff = reload_catalog.sync(reloads[i])
        assert diff.compiled == [original.name], diff

    return {
        "edit_one": median_ms(edit, runs),
        "edit_one_after_reload": median_ms(edit_after_reload, runs),
    }


def bench_check(defs: list[ActionDefinition], runs: int) -> dict[str, float]:
    """Per-action cost of `check()`: first call (builds the strict model) and warm."""
    sample = defs[:CHECK_SAMPLE]
    args = [sample_arguments(d) for d in sample]
    first: list[float] = []
    for _ in range(runs):
        compiled = [compile_action(d) for d in sample]
        gc.collect()
        start = time.perf_counter()
        for c, a in zip(compiled, args, strict=True):
            assert c.check(a).ok
        first.append((time.perf_counter() - start) * 1000 / len(sample))

    def warm(_: int) -> None:
        for c, a in zip(compiled, args, strict=True):
            c.check(a)

    return {
        "first_check_per_action": statistics.median(first),
        "check_per_action": median_ms(warm, runs) / len(sample),
    }


# -- report ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        # other work on the machine slows every case; recorded so a slow run can be recognised
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def run(sizes: list[int], runs: int) -> dict[str, Any]:
    largest = generate_actions(max(sizes))
    result: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": runs,
        "sizes": sizes,
        "unit": "ms (median)",
        "targets_ms": TARGETS_MS,
        "cold": {},
    }
    for n in sizes:
        result["cold"][str(n)] = bench_cold(largest[:n], runs)
    result["edit"] = {"catalog_size": len(largest), **bench_edit_one(largest, runs)}
    result["check"] = bench_check(largest, runs)
    return result


def table(result: dict[str, Any]) -> str:
    rows = [("case", "actions", "ms", "ms/action")]
    labels = {
        "cold": "cold compile (ActionCatalog.sync)",
        "naive": "naive (create_model + from_function)",
        "cold_with_openai_schema": "cold + OpenAI tool schemas",
        "naive_with_openai_schema": "naive + OpenAI tool schemas",
    }
    for key, label in labels.items():
        for n, cases in result["cold"].items():
            rows.append((label, n, f"{cases[key]:.2f}", f"{cases[key] / int(n):.4f}"))
    edit, size = result["edit"], str(result["edit"]["catalog_size"])
    rows.append(("edit one, in catalog", size, f"{edit['edit_one']:.3f}", ""))
    reload_ms, check = edit["edit_one_after_reload"], result["check"]
    rows.append(("edit one, all objects reloaded", size, f"{reload_ms:.2f}", ""))
    first_ms, warm_ms = check["first_check_per_action"], check["check_per_action"]
    rows.append(("check(), first call (strict model)", "1", f"{first_ms:.3f}", ""))
    rows.append(("check(), warm", "1", f"{warm_ms:.4f}", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated catalog sizes (default 10,100,1000)",
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per case; the median is shown")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1 or args.runs < 1:
        parser.error("sizes and runs must be positive")
    result = run(sizes, args.runs)
    box = result["machine"]
    print(
        f"{result['date']}  {box['platform']}  Python {box['python']}  {box['cpu_count']} CPUs"
        f"  load {box['load_average_1m']}  median of {args.runs} runs"
    )
    print(table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
