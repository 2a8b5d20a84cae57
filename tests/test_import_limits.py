"""An OpenAPI document is untrusted input: every way of making it expensive ends in a clear error.

YAML alias bombs of several shapes (nested lists, nested maps, aliases as keys, merge keys, one
long string aliased many times), `$ref` fan-out, nesting past any walk's recursion, numbers past
Python's digit limit, documents past the size cap and text that is not UTF-8 are refused with
a message, through each way in: the command line (a real process whose peak memory is
measured), a URL served by a real local HTTP server, and the functions the sidebar's import tab
calls (in a real process too, so a regression cannot take the test run down with it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serve
from tools.importers import MAX_DOCUMENT_BYTES, DocumentError, load_document
from tools.importers.document import MAX_NESTING, MAX_VALUES

pytestmark = pytest.mark.slow  # CLI processes with capped memory

ROOT = Path(__file__).resolve().parents[1]
PEAK_MEMORY_LIMIT_MB = 300
"""What the command may use on any of these documents; the old code used gigabytes."""
ADDRESS_SPACE_CAP = 3 * 1024**3
"""A hard cap on the child's address space so a regression fails fast instead of eating the
machine (the interpreter and its libraries reserve far more address space than they touch)."""

HEAD = """\
openapi: 3.0.0
info: {title: Bomb, version: "1"}
servers: [{url: "https://api.example.com"}]
"""


def _operation(described_by: str) -> str:
    # the bomb is the operation's description: the importer prints that into the trigger
    return (
        f"paths:\n  /x:\n    post:\n      operationId: x\n      description: {described_by}\n"
        "      responses: {}\n"
    )


def _levels(first: str, level, count: int = 9) -> str:
    """`first` anchored as `l0`, then `count` levels, each `level(alias of the one below)`."""
    lines = [f"l0: &l0 {first}"]
    lines += [f"l{i}: &l{i} {level(f'*l{i - 1}')}" for i in range(1, count + 1)]
    return "\n".join(lines) + "\n"


NINE_LOL = "[lol, lol, lol, lol, lol, lol, lol, lol, lol]"
NINE_KEYS = "{a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol}"


def nine(prev: str) -> str:
    return "[" + ", ".join([prev] * 9) + "]"


BOMBS = {
    # the classic: each list holds nine copies of the one below; 9**9 strings in 600 bytes
    "lists": _levels(NINE_LOL, nine),
    # the same with maps
    "maps": _levels(NINE_KEYS, lambda prev: "{" + ", ".join(f"{k}: {prev}" for k in "abcdefghi") + "}"),
    # aliases as keys (an ordered map's keys need no hashing, so a list can be one)
    "alias_keys": _levels(
        NINE_LOL, lambda prev: "!!omap [" + ", ".join(f"{{{prev} : {k}}}" for k in range(9)) + "]"
    ),
    # merge keys: each level merges the one below and adds nine keys that alias it
    "merge_keys": _levels(
        NINE_KEYS,
        lambda prev: "{<<: " + prev + ", " + ", ".join(f"{k}{prev[2:]}: {prev}" for k in "abcdefghi") + "}",
    ),
    # few values, much text: one 10 kB string, 10**5 times in l5 (a gigabyte once printed)
    "long_text": _levels("x" * 10_000, lambda prev: "[" + ", ".join([prev] * 10) + "]", 5),
}


def bomb(shape: str) -> str:
    return HEAD + BOMBS[shape] + _operation("*l5" if shape == "long_text" else "*l9")


BAD_DOCUMENTS = {
    # name: (bytes, what the error says)
    "deep_json": (
        ('{"openapi": "3.0.0", "paths": {}, "x": ' + "[" * 50_000 + "]" * 50_000 + "}").encode(),
        f"nested more than {MAX_NESTING} levels",
    ),
    "deep_json_under_the_recursion_limit": (
        ('{"openapi": "3.0.0", "paths": {}, "x": ' + "[" * 500 + "]" * 500 + "}").encode(),
        f"nested more than {MAX_NESTING} levels",
    ),
    "deep_yaml": (
        (HEAD + "x: " + "[" * 50_000 + "]" * 50_000 + "\npaths: {}\n").encode(),
        f"nested more than {MAX_NESTING} levels",
    ),
    "deep_through_aliases": (
        (
            HEAD
            + "\n".join(
                [f"l0: &l0 {'[' * 60}{']' * 60}"]
                + [f"l{i}: &l{i} {'[' * 60}*l{i - 1}{']' * 60}" for i in range(1, 5)]
            )
            + "\n"
            + _operation("*l4")
        ).encode(),
        "nested more than",
    ),
    "huge_json": (
        ('{"openapi": "3.0.0", "paths": {}, "x": "' + "a" * MAX_DOCUMENT_BYTES + '"}').encode(),
        f"larger than {MAX_DOCUMENT_BYTES:,} bytes",
    ),
    "big_int_json": (
        ('{"openapi": "3.0.0", "paths": {}, "x": ' + "9" * 5000 + "}").encode(),
        "a number of 5,000 characters",
    ),
    "big_int_yaml": ((HEAD + "paths: {}\nx: " + "9" * 5000 + "\n").encode(), "a number of 5,000 characters"),
    "big_binary_int_yaml": (
        (HEAD + "paths: {}\nx: 0b" + "1" * 20_000 + "\n").encode(),
        "a number of 20,002 characters",
    ),
    "base_60_int_yaml": (
        (HEAD + "paths: {}\nx: 1" + ":59" * 100_000 + "\n").encode(),
        "a number of 300,001 characters",
    ),
    "invalid_utf8": (
        b'{"openapi": "3.0.0", "paths": {}, "info": {"title": "\xff\xfe"}}',
        "is not UTF-8 text",
    ),
    "recursive_alias": ((HEAD + "x: &a [1, *a]\n" + _operation("*a")).encode(), "recursive document"),
}


# -- running the command line in a real, measured process ---------------------------------------

_MEASURE = textwrap.dedent("""\
    import json, resource, subprocess, sys
    cap = int(sys.argv[1])
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    run = subprocess.run(sys.argv[2:], preexec_fn=limit, capture_output=True, text=True,
                         timeout=120)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": run.returncode, "stdout": run.stdout[-4000:],
                      "stderr": run.stderr[-4000:], "peak_mb": peak_kb / 1024}))
""")


def measured(argv: list[str], tmp_path: Path) -> dict:
    """Run `argv` in a child process (address space capped); its exit code, output, peak RSS."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADMIN_PASSWORD")}
    env["ACTIONS_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(ADDRESS_SPACE_CAP), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli", *args]


def assert_clean_refusal(run: dict, message: str) -> None:
    assert "Traceback" not in run["stderr"], run["stderr"][-1500:]
    assert run["code"] == 2, run
    assert message in run["stderr"], run["stderr"][-1500:]
    assert run["peak_mb"] < PEAK_MEMORY_LIMIT_MB, run["peak_mb"]


@pytest.mark.parametrize("shape", sorted(BOMBS))
def test_the_cli_refuses_yaml_alias_bombs_in_little_memory(shape, tmp_path):
    path = tmp_path / f"{shape}.yaml"
    path.write_text(bomb(shape))
    assert path.stat().st_size < 12_000  # small documents, all of them
    run = measured(cli("import-openapi", str(path)), tmp_path)
    assert_clean_refusal(run, "once its aliases are expanded (an alias bomb")


CLI_CASES = ("deep_json", "deep_yaml", "huge_json", "big_int_json", "invalid_utf8", "recursive_alias")
"""Through the command line one process each (the sidebar test below takes every case)."""


@pytest.mark.parametrize("name", CLI_CASES)
def test_the_cli_refuses_bad_documents_with_a_clear_error(name, tmp_path):
    data, message = BAD_DOCUMENTS[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    run = measured(cli("import-openapi", str(path)), tmp_path)
    assert_clean_refusal(run, message)
    assert str(path) in run["stderr"]  # the error names the source


def test_the_cli_reads_stdin_within_the_same_bounds(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb("lists"))
    with path.open("rb") as stdin:
        done = subprocess.run(
            cli("import-openapi", "-"), stdin=stdin, cwd=ROOT, timeout=120, capture_output=True, text=True
        )
    assert done.returncode == 2 and "alias bomb" in done.stderr, done.stderr[-1500:]
    data, message = BAD_DOCUMENTS["invalid_utf8"]
    raw = subprocess.run(cli("import-openapi", "-"), input=data, cwd=ROOT, timeout=120, capture_output=True)
    assert raw.returncode == 2 and message in raw.stderr.decode(), raw.stderr[-1500:]


# -- the functions the sidebar's import tab calls, and its fetch path --------------------------

_SIDEBAR = textwrap.dedent("""\
    # what ui/import_panel.py does with a paste, an upload or a URL
    import asyncio, json, sys
    from pathlib import Path
    from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
    from tools.fetch_document import DocumentFetchError, fetch_document
    from tools.importers import (MAX_DOCUMENT_BYTES, DocumentError, decode_document,
                                 import_openapi, list_operations, load_document)

    async def fetch(url, host):
        settings = ExecutorSettings(allow_hosts=(host,))
        async with ActionExecutor(settings, StaticSecrets({})) as ex:
            return (await fetch_document(ex, url, max_bytes=MAX_DOCUMENT_BYTES)).text

    for source in sys.argv[2:]:
        try:
            if source.startswith("http"):
                text = asyncio.run(fetch(source, sys.argv[1]))
            else:
                text = decode_document(Path(source).read_bytes(), source="the upload")
            doc = load_document(text, source="the document")
            list_operations(doc)
            import_openapi(doc)
            result = "imported"
        except (DocumentError, DocumentFetchError) as exc:
            result = "refused: " + str(exc)
        print(json.dumps([source, result]), flush=True)
""")


def sidebar_import(sources: list[str], tmp_path: Path, host: str = "") -> dict[str, str]:
    run = measured([sys.executable, "-c", _SIDEBAR, host, *sources], tmp_path)
    assert "Traceback" not in run["stderr"] and run["code"] == 0, run["stderr"][-1500:]
    assert run["peak_mb"] < PEAK_MEMORY_LIMIT_MB, run["peak_mb"]
    return dict(json.loads(line) for line in run["stdout"].splitlines())


def all_cases() -> dict[str, tuple[bytes, str]]:
    """Every bomb and bad document: file name -> (content, what the refusal says)."""
    cases = {f"{shape}.yaml": (bomb(shape).encode(), "alias bomb") for shape in BOMBS}
    return cases | {f"{name}.txt": case for name, case in BAD_DOCUMENTS.items()}


def test_the_sidebar_import_functions_refuse_every_case(tmp_path):
    cases = all_cases()
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    results = sidebar_import([str(tmp_path / name) for name in cases], tmp_path)
    for name, (_, message) in cases.items():
        result = results[str(tmp_path / name)]
        assert result.startswith("refused: ") and message in result, (name, result)


def test_a_url_source_is_refused_the_same_way(tmp_path):
    served = {name: data for name, (data, _) in all_cases().items()}

    async def document(request):
        return Response(served[request.path_params["name"]], media_type="application/yaml")

    app = Starlette(routes=[Route("/{name}", document)])
    # the fetch says the same in its own words for the two it refuses itself
    expected = {name: message for name, (_, message) in all_cases().items()}
    expected["invalid_utf8.txt"] = "is not UTF-8 text"
    expected["huge_json.txt"] = f"larger than {MAX_DOCUMENT_BYTES} bytes"
    with serve(app) as base_url:
        host = base_url.split("://", 1)[1]
        # the command line, on a bomb and on a deep document
        for name in ("lists.yaml", "deep_json.txt"):
            run = measured(cli("import-openapi", f"{base_url}/{name}", "--allow-host", host), tmp_path)
            assert_clean_refusal(run, expected[name])
        # the import tab's fetch, on every case
        results = sidebar_import([f"{base_url}/{name}" for name in expected], tmp_path, host)
    for name, message in expected.items():
        result = results[f"{base_url}/{name}"]
        assert result.startswith("refused: ") and message in result, (name, result)


def test_the_sidebar_shows_the_refusal(tmp_path, fresh_demo_log):
    from tests.support.scripted_model import ScriptedChatModel
    from tests.support.ui_fixtures import app_runtime, by_label, open_app

    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.text_area, "OpenAPI document (JSON or YAML)").set_value(bomb("lists")).run()
        assert not at.exception
        errors = " ".join(e.value for e in at.sidebar.error)
        assert "the pasted document has more than" in errors and "alias bomb" in errors


# -- the bounds themselves -----------------------------------------------------------------------


def test_aliases_within_the_bounds_still_load_and_one_level_more_is_refused():
    # 4 levels of 9 copies: 6,561 strings, fine; reused anchors are normal in real documents
    doc = load_document(HEAD + _levels("[a, b, c, d, e, f, g, h, i]", nine, 4) + _operation("*l4"))
    assert len(doc["paths"]["/x"]["post"]["description"]) == 9
    # 7 levels: 9**7 = 4.8 million, over MAX_VALUES
    assert 9**6 < MAX_VALUES < 9**7
    with pytest.raises(DocumentError, match="once its aliases are expanded"):
        load_document(HEAD + _levels("[a, b, c, d, e, f, g, h, i]", nine, 7) + _operation("*l7"))
    # nesting right at the bound loads; one more level is refused
    at_bound: dict[str, Any] = {"openapi": "3.0.0", "paths": {}, "x": 0}
    node = at_bound
    for _ in range(MAX_NESTING - 1):  # the root and 99 levels below it
        node["x"] = {"x": 0}
        node = node["x"]
    assert load_document(json.dumps(at_bound))
    with pytest.raises(DocumentError, match="nested more than"):
        load_document(json.dumps({"openapi": "3.0.0", "paths": {}, "x": at_bound}))


REF_SCHEMAS = {
    # every schema merges twenty references to the one below: 20**10 merges in 9 kB
    "fan_out": {
        "S0": {"type": "object", "properties": {"a": {"type": "string"}}},
        **{f"S{i}": {"allOf": [{"$ref": f"#/components/schemas/S{i - 1}"}] * 20} for i in range(1, 11)},
    },
    # a chain of 50,000 references to references, used by every operation
    "chain": {
        **{f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(50_000)},
        "S50000": {"type": "object", "properties": {"a": {"type": "string"}}},
    },
}
TOP = {"fan_out": "S10", "chain": "S0"}


def expensive_documents() -> dict[str, tuple[dict, str]]:
    """name -> (document, what `--list` says): work that grows much faster than the text."""
    base = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
    }
    out = {}
    for shape, schemas in REF_SCHEMAS.items():
        body = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{TOP[shape]}"}}}}
        paths = {
            f"/p{i}": {"post": {"operationId": f"p{i}", "requestBody": body, "responses": {}}}
            for i in range(50)
        }
        out[shape] = {**base, "components": {"schemas": schemas}, "paths": paths}
    # 20,000 operations with one operationId: naming them apart was quadratic
    out["many_operations"] = {
        **base,
        "paths": {f"/p{i}": {"get": {"operationId": "same", "responses": {}}} for i in range(20_000)},
    }
    messages = {
        "fan_out": "$ref look-ups",
        "chain": "chain of more than 32 references",
        "many_operations": "has 20,000 operations, more than 2,000",
    }
    return {name: (doc, messages[name]) for name, doc in out.items()}


_LIST = textwrap.dedent("""\
    import json, sys, time
    from pathlib import Path
    from tools.importers import DocumentError, list_operations, load_document
    for path in sys.argv[1:]:
        started = time.monotonic()
        try:
            ops = list_operations(load_document(Path(path).read_text()))
            result = "; ".join(sorted({op.reason or "ok" for op in ops}))
        except DocumentError as exc:
            result = str(exc)
        print(json.dumps([path, result, time.monotonic() - started]), flush=True)
""")


def test_reference_bombs_and_operation_floods_end_in_seconds(tmp_path):
    cases = expensive_documents()
    for name, (doc, _) in cases.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    run = measured([sys.executable, "-c", _LIST, *(str(tmp_path / f"{n}.json") for n in cases)], tmp_path)
    assert "Traceback" not in run["stderr"] and run["code"] == 0, run["stderr"][-1500:]
    results = {
        Path(p).stem: (text, seconds) for p, text, seconds in map(json.loads, run["stdout"].splitlines())
    }
    for name, (_, message) in cases.items():
        text, seconds = results[name]
        assert message in text, (name, text)
        assert seconds < 30, (name, seconds)


def test_a_pattern_nested_past_the_recursion_limit_is_dropped_not_a_crash():
    from tools.importers import import_openapi

    pattern = "(" * 3000 + "a" + ")" * 3000
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/x": {
                "get": {
                    "operationId": "x",
                    "responses": {},
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string", "pattern": pattern}},
                        {
                            "name": "r",
                            "in": "query",
                            "schema": {"type": "string", "pattern": "(" * 499 + ")" * 499},
                        },
                    ],
                }
            }
        },
    }
    result = import_openapi(doc)
    assert [i.get("pattern") for i in result.drafts[0]["inputs"]] == [None, None]
    notes = " ".join(result.notes)
    assert "pattern of 'q' is longer than 1000 characters; dropped" in notes
    assert "pattern of 'r' is not a Python regular expression; dropped" in notes
