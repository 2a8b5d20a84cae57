"""How right the importers are on the frozen measuring sets in `tests/data/import_sets/`.

    .venv/bin/python -m benchmarks.import_accuracy [--json PATH] [--verbose]

- cURL: each command of `curl_docs.json` (written the way public API docs write them) is
  imported; a case is *right* when the draft has the expected method, URL, body format, inputs
  where the docs put sample values, credentials as secrets (or a shared auth setting) and none
  of the listed sample values left in what would be sent, or when a refusal was expected and
  the reason names the listed words. A draft that misses any of that is *wrong*; a refusal
  where a draft was expected is counted apart.
- OpenAPI: each operation of `openapi_expected.json` is checked the same way (constant
  headers, inputs and their types, body format, the shared auth setting); then every real
  document in `tests/data/openapi/` is imported whole: how many operations were drafted and
  whether every draft passes `validate_action`.

The sets were written before the importers were changed to meet them and are not tuned on.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tools.importers import CurlError, DocumentError, import_curl, import_openapi, load_document
from tools.importers.drafts import snake_case
from tools.validation import validate_action

SETS = Path(__file__).resolve().parent.parent / "tests" / "data" / "import_sets"
REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "openapi"
SECRET = re.compile(r"\{\{\s*secret\.[A-Za-z0-9_]+\s*\}\}")
INPUT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def normalised(text: str) -> str:
    return unquote(INPUT.sub("{}", SECRET.sub("{secret}", text)))


def _at(node: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return KeyError(path)
    return node


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _auth_ok(want: str, draft: dict[str, Any], settings: dict[str, dict[str, Any]]) -> bool:
    setting = settings.get(draft.get("auth") or "", {})
    headers = draft.get("headers") or {}
    kind, _, arg = want.partition(":")
    if kind in ("basic", "bearer"):
        value = _header(headers, "Authorization") or ""
        return (
            setting.get("kind") == kind
            or re.fullmatch(kind.title() + r" " + SECRET.pattern, value) is not None
        )
    if kind == "header":
        value = _header(headers, arg) or ""
        by_setting = (
            setting.get("kind") == "api_key_header" and str(setting.get("header_name")).lower() == arg.lower()
        )
        return by_setting or SECRET.fullmatch(value) is not None
    if kind == "prefix":
        value = _header(headers, "Authorization") or ""
        by_setting = (
            setting.get("kind") == "api_key_header"
            and str(setting.get("header_name")).lower() == "authorization"
            and setting.get("value_prefix") == arg
        )
        return by_setting or (value.startswith(arg) and SECRET.fullmatch(value[len(arg) :]) is not None)
    raise ValueError(want)


def check_curl_draft(
    case: dict[str, Any], draft: dict[str, Any], settings: dict[str, dict[str, Any]]
) -> list[str]:
    """What is wrong with a cURL draft (empty when it is right)."""
    problems: list[str] = []
    try:
        validate_action(draft)
    except Exception as exc:  # a draft must always validate: any error is a finding
        problems.append(f"invalid draft: {exc}")
    if draft["method"] != case["method"]:
        problems.append(f"method {draft['method']} != {case['method']}")
    if normalised(draft["url"]) != case["url"]:
        problems.append(f"url {normalised(draft['url'])!r} != {case['url']!r}")
    body_text = draft.get("body") or ""
    fmt = draft.get("body_format", "json") if body_text else None
    if case.get("body_format") != fmt:
        problems.append(f"body format {fmt} != {case.get('body_format')}")
    body = json.loads(body_text) if body_text else {}
    names = {i["name"] for i in draft.get("inputs") or []}
    for path in case.get("inputs_at", []):
        value = _at(body, path)
        m = INPUT.fullmatch(value) if isinstance(value, str) else None
        if not m or m.group(1) not in names:
            problems.append(f"body {path!r} is {value!r}, not an input")
    for path in case.get("secret_at", []):
        value = _at(body, path)
        if not (isinstance(value, str) and SECRET.fullmatch(value)):
            problems.append(f"body {path!r} is not a secret")
    headers = draft.get("headers") or {}
    if "auth" in case and not _auth_ok(case["auth"], draft, settings):
        problems.append(f"auth is not {case['auth']} (headers {sorted(headers)}, auth {draft.get('auth')})")
    for hname, value in case.get("headers", {}).items():
        if _header(headers, hname) != value:
            problems.append(f"header {hname} is {_header(headers, hname)!r}, not {value!r}")
    for hname in case.get("secret_headers", []):
        if not SECRET.fullmatch(_header(headers, hname) or ""):
            problems.append(f"header {hname} is not a secret")
    sent = "\n".join([draft["url"], json.dumps(headers), body_text])
    for sample in case.get("samples", []):
        if sample in sent or (sample in unquote(draft["url"])):
            problems.append(f"sample {sample!r} is sent as a constant")
    return problems


def score_curl(verbose: bool) -> dict[str, Any]:
    cases = json.loads((SETS / "curl_docs.json").read_text())
    rows = []
    for case in cases:
        reason, draft, settings = "", None, {}
        try:
            result = import_curl(case["command"])
            settings = {s["name"]: s for s in result.auth}
            if result.drafts:
                draft = result.drafts[0]
            else:
                reason = "; ".join(s.reason for s in result.skipped)
        except CurlError as exc:
            reason = str(exc)
        if case["expect"] == "refuse":
            if draft is not None:
                outcome, detail = "wrong", "drafted, but a refusal was expected"
            else:
                missing = [w for w in case["refuse_words"] if w.lower() not in reason.lower()]
                outcome = "refused_clear" if not missing else "refused_unclear"
                detail = reason if not missing else f"reason lacks {missing}: {reason}"
        elif draft is None:
            outcome, detail = "refused_instead", reason
        else:
            problems = check_curl_draft(case, draft, settings)
            outcome, detail = ("right", "") if not problems else ("wrong", "; ".join(problems))
        rows.append({"id": case["id"], "outcome": outcome, "detail": detail})
    counts = {
        k: sum(r["outcome"] == k for r in rows)
        for k in ("right", "refused_clear", "refused_unclear", "refused_instead", "wrong")
    }
    good = counts["right"] + counts["refused_clear"]
    print(f"cURL: {good}/{len(rows)} right or refused with a clear reason; {counts}")
    for r in rows:
        if verbose or r["outcome"] not in ("right", "refused_clear"):
            print(f"  {r['outcome']:16} {r['id']}: {r['detail'][:400]}")
    return {"cases": len(rows), "good": good, "counts": counts, "rows": rows}


def check_operation(
    case: dict[str, Any], draft: dict[str, Any], settings: dict[str, dict[str, Any]]
) -> list[str]:
    problems: list[str] = []
    try:
        validate_action(draft)
    except Exception as exc:  # a draft must always validate: any error is a finding
        problems.append(f"invalid draft: {exc}")
    headers = draft.get("headers") or {}
    for hname, value in case.get("headers", {}).items():
        if _header(headers, hname) != value:
            problems.append(f"header {hname} is {_header(headers, hname)!r}, not {value!r}")
    types = {i["name"]: i.get("type", "string") for i in draft.get("inputs") or []}
    for name in case.get("not_inputs", []):
        if name in types:
            problems.append(f"{name!r} is an input")
    for name, kind in case.get("inputs", {}).items():
        if types.get(name) != kind:
            problems.append(f"input {name!r} is {types.get(name)!r}, not {kind!r}")
    if "body_format" in case and draft.get("body_format", "json") != case["body_format"]:
        problems.append(f"body format {draft.get('body_format', 'json')} != {case['body_format']}")
    if want := case.get("auth"):
        setting = settings.get(draft.get("auth") or "")
        if setting is None:
            problems.append(f"no shared auth setting (headers {sorted(headers)})")
        else:
            problems += [
                f"auth {k} is {setting.get(k)!r}, not {v!r}" for k, v in want.items() if setting.get(k) != v
            ]
    return problems


def score_openapi(verbose: bool) -> dict[str, Any]:
    cases = json.loads((SETS / "openapi_expected.json").read_text())
    results: dict[str, Any] = {}
    rows = []
    for case in cases:
        if case["doc"] not in results:
            results[case["doc"]] = import_openapi(load_document((SETS / case["doc"]).read_text()))
        result = results[case["doc"]]
        settings = {s["name"]: s for s in result.auth}
        draft = next((d for d in result.drafts if d["name"] == snake_case(case["op"])), None)
        skipped = next((s for s in result.skipped if s.operation == case["op"]), None)
        if case["expect"] == "refuse":
            if draft is not None:
                outcome, detail = "wrong", "drafted, but a refusal was expected"
            else:
                reason = skipped.reason if skipped else "(not listed)"
                missing = [w for w in case["refuse_words"] if w.lower() not in reason.lower()]
                outcome = "refused_clear" if not missing else "refused_unclear"
                detail = reason if not missing else f"reason lacks {missing}: {reason}"
        elif draft is None:
            outcome, detail = "refused_instead", skipped.reason if skipped else "(not listed)"
        else:
            problems = check_operation(case, draft, settings)
            outcome, detail = ("right", "") if not problems else ("wrong", "; ".join(problems))
        rows.append({"doc": case["doc"], "op": case["op"], "outcome": outcome, "detail": detail})
    good = sum(r["outcome"] in ("right", "refused_clear") for r in rows)
    print(f"OpenAPI traits: {good}/{len(rows)} operations right or refused with a clear reason")
    for r in rows:
        if verbose or r["outcome"] not in ("right", "refused_clear"):
            print(f"  {r['outcome']:16} {r['doc']} {r['op']}: {r['detail'][:400]}")
    real: list[dict[str, Any]] = []
    for path in sorted([*REAL.glob("*.yaml"), *REAL.glob("*.yml"), *REAL.glob("*.json")]):
        try:
            result = import_openapi(load_document(path.read_text()), base_url="https://api.example.com")
        except DocumentError as exc:
            real.append({"doc": path.name, "error": str(exc)})
            continue
        invalid = 0
        for d in result.drafts:
            try:
                validate_action(d)
            except Exception:  # counted: every draft must validate
                invalid += 1
        total = len(result.drafts) + len(result.skipped)
        real.append(
            {"doc": path.name, "drafted": len(result.drafts), "operations": total, "invalid": invalid}
        )
    drafted = sum(r.get("drafted", 0) for r in real)
    total = sum(r.get("operations", 0) for r in real)
    print(
        f"OpenAPI real documents: {drafted}/{total} operations drafted ({100 * drafted / max(total, 1):.0f}%), "
        f"{sum(r.get('invalid', 0) for r in real)} invalid drafts"
    )
    for r in real:
        print(f"  {r}")
    return {"traits": {"cases": len(rows), "good": good, "rows": rows}, "real": real}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--verbose", action="store_true", help="list every case, not only the misses")
    parser.add_argument("--quick", action="store_true", help="the same run (the sets are small)")
    args = parser.parse_args(argv)
    figures = {"curl": score_curl(args.verbose), "openapi": score_openapi(args.verbose)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
