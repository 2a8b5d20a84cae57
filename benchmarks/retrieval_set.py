"""The labelled retrieval set: a 331-action catalog (326 when the requests were written: the importer now drafts five more operations, as look-alikes) and the requests that name the right action.

    tests/data/retrieval/support_actions.tsv   117 support actions written with look-alikes
                                               (track vs status vs estimate, refund vs refund
                                               status, cancel order/subscription/appointment...)
    tests/data/openapi/*                       209 operations of public OpenAPI documents
                                               (Airflow, Jupyter Server, JupyterHub, JupyterLab,
                                               MLServer, two pet stores) through the project's
                                               importer, named `<api>_<operation>`
    tests/data/retrieval/frozen_requests.tsv   the measured requests (frozen, never tuned on)
    tests/data/retrieval/frozen3_requests.tsv  a second measured set (frozen, never tuned on): 831
                                               requests over 329 actions, written before the
                                               retrieval changes it measures, with typos, indirect
                                               wording, long messages and terse operator commands
    tests/data/retrieval/dev_requests.tsv      the development requests (tune on these)
    tests/data/retrieval/dev_wide_requests.tsv a wider development set (tune on these): 431
                                               requests over 281 actions written from the
                                               actions' descriptions, with typos, indirect
                                               wording and look-alikes
    tests/data/retrieval/dev_search_requests.tsv
                                               a development set for the catalog search (tune
                                               on these): 159 requests with typos in short
                                               words, abbreviations, parts of identifiers and
                                               indirect wording
    tests/data/retrieval/dev_indirect_requests.tsv
                                               a development set of indirect wording (tune
                                               on these): 229 requests over 151 actions that
                                               mostly share no content word with the action's
                                               name or trigger (paraphrases, idioms,
                                               consequences, goals, everyday words for API
                                               concepts)
    tests/data/retrieval/dev_ops_requests.tsv  a development set of operator commands and API
                                               jargon (tune on these): 292 requests over 253
                                               actions (213 API operations, 40 support requests
                                               written as terse operator notes): terse
                                               imperatives, slang verbs (kill, nuke, bump, spin
                                               up, tear down, bounce, flush), abbreviations and
                                               the names of things in place of the operation
    tests/data/retrieval/dev_fresh_requests.tsv
                                               a development set of fresh wording (tune on
                                               these): 107 requests over 102 actions, written
                                               after the others to check that a reading rule
                                               generalises (chat spellings, typos, two-word
                                               verbs in every form, terse operator commands)
    tests/data/retrieval/dev_rescue_requests.tsv
                                               a development set for the catalog search's
                                               rescue (tune on these): 153 requests over 153
                                               actions, written before the search changes they
                                               measure: indirect wording, typos, synonyms and
                                               words only an input's description says
    tests/data/retrieval/examples.tsv          test conversations attached to actions: the
                                               product team's examples, evidence for retrieval

Every line of a .tsv is tab-separated; lines starting with "#" are comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.action import ActionDefinition
from tools.importers.openapi import import_openapi, load_document
from tools.validation import validate_catalog

ROOT = Path(__file__).resolve().parents[1] / "tests" / "data"
SET = ROOT / "retrieval"
API_PREFIXES = {
    "airflow_v1.yaml": "airflow",
    "jupyter_server_api.yaml": "jserver",
    "jupyterhub_rest_api.yml": "jhub",
    "jupyterlab_server_rest_api.yml": "jlab",
    "mlserver_dataplane.json": "mlserver",
    "openapi_core_petstore.yaml": "pets",
    "swagger_petstore.json": "petstore",
}
"""The OpenAPI documents imported, and the stem put before each operation's draft name."""


@dataclass(frozen=True)
class Request:
    expected: str
    message: str


def rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def support_drafts() -> list[dict[str, Any]]:
    drafts = []
    for name, trigger, *rest in rows(SET / "support_actions.tsv"):
        inputs = (rest[0] if rest else "").split()
        query = "&".join(f"{i}={{{{{i}}}}}" for i in inputs)
        drafts.append(
            {
                "name": name,
                "url": f"https://support.example.com/api/{name}" + (f"?{query}" if query else ""),
                "method": "GET"
                if name.startswith(("get_", "list_", "check_", "find_", "track_"))
                else "POST",
                "trigger": trigger,
                "inputs": [{"name": i, "type": "string", "description": i.replace("_", " ")} for i in inputs],
            }
        )
    return drafts


def openapi_drafts() -> list[dict[str, Any]]:
    drafts = []
    for file, prefix in API_PREFIXES.items():
        doc = load_document((ROOT / "openapi" / file).read_text(encoding="utf-8"), source=file)
        for draft in import_openapi(doc, base_url="https://api.example.com").drafts:
            # published: an imported draft starts switched off; the set measures a live catalog
            name = f"{prefix}_{draft['name']}"[:64]  # a tool name's limit
            drafts.append({**draft, "name": name, "enabled": True})
    return drafts


def examples() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, message in rows(SET / "examples.tsv"):
        out.setdefault(name, []).append(message)
    return out


def catalog(*, with_examples: bool = False) -> list[ActionDefinition]:
    """The 331 actions; with `with_examples`, each carries its test conversations."""
    drafts = support_drafts() + openapi_drafts()
    if with_examples:
        found = examples()
        for d in drafts:
            d["test_conversations"] = [
                {"message": m, "expected_action": d["name"]} for m in found.get(d["name"], [])
            ]
    return validate_catalog(drafts)


PADDING = (
    (
        "Hi there, hope you are having a good day.",
        "I have been a loyal customer for years and this is the first time I have had to get in touch, thanks a lot in advance for your help!",
    ),
    (
        "Morning! Quick question if you have a minute.",
        "Sorry for the long message, I tried to sort it out myself last night but could not work out where to go.",
    ),
    (
        "Hello, I am writing on behalf of my mum who is not great with computers.",
        "She would really appreciate a quick reply, we are both pretty busy this week.",
    ),
)
"""A greeting and a sign-off, as a long message wraps its request in (`padded`)."""


def padded(found: list[Request]) -> list[Request]:
    """The requests, each wrapped in one of the `PADDING` pairs in turn: the same request in a
    long message, whose other sentences name no action."""
    return [
        Request(r.expected, f"{PADDING[i % len(PADDING)][0]} {r.message}. {PADDING[i % len(PADDING)][1]}")
        for i, r in enumerate(found)
    ]


def requests(name: str = "frozen") -> list[Request]:
    """`frozen` / `frozen3` (measured), or `dev` / `dev_wide` / `dev_search` / `dev_indirect` /
    `dev_ops` / `dev_fresh` / `dev_rescue` (developed on)."""
    return [Request(expected, message) for expected, message in rows(SET / f"{name}_requests.tsv")]
