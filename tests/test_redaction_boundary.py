"""The executor is the one redaction boundary: it knows every secret value (stored and given),
not only the ones a request used, and masks every spelling an API may echo one in.

Each class is tried at its mechanism: another action's secret echoed by an API that never
received it; the value escaped the way JSON encoders of several languages escape text, URL-
and HTML-encoded, base64, in another letter case, twice encoded; in a JSON body, a text body, an
error body, a redirect target. Before the boundary, only the secrets of the request itself were
masked, and only verbatim, URL-quoted or escaped exactly as Python's `json.dumps` escapes.
"""

from __future__ import annotations

import base64
import html
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agent.wiring.runtime import open_agent, open_stores
from tests.support.agent_fixtures import LocalAPI, settings_for
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings
from tools.redaction import Redactor, _decoded
from tools.request_builder import StaticSecrets

# `/`, `<`, `>`, `&` and upper-case letters make encoders escape it differently
SECRET = "Tok/en<&>-9fQ7zX"


def _go_escape(text: str) -> str:
    """Go's encoding/json: `<`, `>`, `&` as \\u003c \\u003e \\u0026."""
    return json.dumps(text)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _all_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def spellings(secret: str) -> dict[str, str]:
    """How APIs echo a value inside a JSON document's text (what lands in the raw body)."""
    raw = secret.encode()
    return {
        "verbatim": secret,
        "php slashes": secret.replace("/", "\\/"),
        "go html-safe": _go_escape(secret),
        "every char \\u": _all_escaped(secret),
        "upper-case \\u": _all_escaped(secret).upper().replace("\\U", "\\u"),
        "url-quoted": quote(secret, safe=""),
        "url-quoted lower hex": quote(secret, safe="").lower(),
        "partly url-quoted": secret.replace("/", "%2F").replace("&", "%26"),
        "html entities": "".join(f"&#{ord(c)};" for c in secret),
        "html named": html.escape(secret),
        "base64": base64.b64encode(raw).decode(),
        "base64url unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "upper case": secret.upper(),
        "url-quoted then json": json.dumps(quote(secret, safe=""))[1:-1].replace("%", "\\u0025"),
    }


def leaks(text: str, secret: str = SECRET) -> bool:
    """True when `text` holds the secret in any spelling a reader could decode."""
    view = text
    for _ in range(4):
        if secret.lower() in view.lower():
            return True
        for encoded in (
            base64.b64encode(secret.encode()).decode(),
            base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        ):
            if encoded in view:
                return True
        view = _decoded(view)
    return False


@pytest.mark.parametrize("name", list(spellings(SECRET)))
def test_redactor_masks_every_spelling(name):
    spelled = spellings(SECRET)[name]
    text = f'{{"note": "token is {spelled} ok", "n": 1}}'
    assert leaks(text), f"the test's own decoder misses {name}"
    masked = Redactor([SECRET]).text(text)
    assert not leaks(masked), (name, masked)
    assert "***" in masked


def test_redactor_leaves_text_without_secrets_untouched():
    text = "path a\\/b, 100%25 sure, &amp; \\u0041"
    assert Redactor([SECRET]).text(text) == text


def _echo_app() -> Starlette:
    """An API that never receives the secret but sends it back in every spelling."""

    def body(request) -> dict:
        return {"spellings": list(spellings(SECRET).values())}

    async def as_json(request):
        # written by hand so the escapes stay in the bytes, as other languages' encoders send them
        items = ", ".join(f'"{v}"' for v in spellings(SECRET).values())
        return Response(f'{{"status": "ok", "spellings": [{items}]}}', media_type="application/json")

    async def as_text(request):
        return PlainTextResponse(" | ".join(spellings(SECRET).values()))

    async def as_error(request):
        items = ", ".join(f'"{v}"' for v in spellings(SECRET).values())
        return Response(f'{{"error": [{items}]}}', status_code=422, media_type="application/json")

    async def redirect(request):
        return Response(status_code=302, headers={"location": f"/json?t={quote(SECRET, safe='')}"})

    async def plain(request):
        return JSONResponse(body(request))

    return Starlette(
        routes=[
            Route("/json", as_json),
            Route("/text", as_text),
            Route("/error", as_error),
            Route("/redirect", redirect),
            Route("/plain", plain),
        ]
    )


def _action(base: str, path: str, **extra) -> ActionDefinition:
    return ActionDefinition.model_validate(
        {
            "name": "look_up_note",
            "url": f"{base}{path}",
            "trigger": "Look up a note.",
            "response_selection": {"fields": {"spellings": "spellings", "error": "error"}},
            **extra,
        }
    )


@pytest.mark.parametrize("path", ["/json", "/text", "/error", "/redirect"])
async def test_executor_masks_a_secret_the_request_never_used(path):
    with serve(_echo_app()) as base:
        host = base.split("://")[1]
        secrets = StaticSecrets({"ALPHA": SECRET})
        async with ActionExecutor(ExecutorSettings(allow_hosts=(host,)), secrets) as executor:
            outcome = await executor.execute(_action(base, path), {})
    dumped = outcome.model_dump_json()
    assert outcome.excerpt or outcome.data, outcome.summary  # the response did arrive
    assert not leaks(dumped), dumped


async def test_a_secret_in_another_actions_response_reaches_no_store_and_not_the_model(tmp_path):
    """Action A sends {{secret.ALPHA}}; action B (no secret) calls an API that returns it. The
    model input, the ledger, the checkpoints, the traces, the events and the transcript stay
    clean, on the real SQLite files."""
    with serve(_echo_app()) as base:
        host = base.split("://")[1]
        settings = settings_for(tmp_path, LocalAPI(base))
        stores = open_stores(settings)
        stores.secrets.set("ALPHA", SECRET)
        stores.actions.create(
            {
                "name": "send_alpha",
                "url": f"{base}/plain",
                "trigger": "Send alpha.",
                "headers": {"Authorization": "Bearer {{secret.ALPHA}}"},
            }
        )
        stores.actions.create(_action(base, "/json").model_dump(mode="json"))
        model = ScriptedChatModel().script(tool_call("look_up_note"), "Here is your note.")
        executor_settings = ExecutorSettings(allow_hosts=(host,))
        async with open_agent(
            settings, model=model, stores=stores, executor_settings=executor_settings
        ) as agent:
            result = await agent.send("s1", "look up my note")
            transcript = await agent.transcript("s1")
            messages = await agent.messages("s1")
            traces = agent.turns("s1")
    assert any(e["type"] == "outcome" and e["kind"] == "ok" for e in result.events), result.events
    model_inputs = json.dumps([[m.content for m in c["messages"]] for c in model.calls])
    places = {
        "model inputs": model_inputs,
        "events": json.dumps(result.events, default=str),
        "traces": json.dumps(traces, default=str),
        "transcript": json.dumps(transcript),
        "messages": json.dumps(messages, default=str),
    }
    for db in sorted(Path(tmp_path).glob("*.db*")):  # storage (ledger, traces) and checkpoints
        places[db.name] = db.read_bytes().decode("latin-1")
    assert "checkpoints.db" in " ".join(places), sorted(places)
    leaked = [where for where, text in places.items() if leaks(text)]
    assert leaked == []
    assert "***" in model_inputs


@pytest.mark.slow
def test_cli_test_output_masks_a_given_secret_in_every_spelling(tmp_path):
    with serve(_echo_app()) as base:
        host = base.split("://")[1]
        action_file = tmp_path / "a.json"
        action_file.write_text(json.dumps(_action(base, "/json").model_dump(mode="json")))
        outputs = []
        for extra in ([], ["--json"]):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "agent.cli",
                    "test",
                    str(action_file),
                    "--allow-host",
                    host,
                    "--secret",
                    f"ALPHA={SECRET}",
                    *extra,
                ],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=Path(__file__).resolve().parents[1],
            )
            outputs.append(proc.stdout + proc.stderr)
            assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "spellings" in outputs[1]
    assert [leaks(o) for o in outputs] == [False, False], outputs


def test_a_secret_repeated_across_a_document_is_masked_everywhere() -> None:
    """`data` masks each distinct string once per call and reuses the result: every repeat of
    a string (as a key, a value, in lists, tuples and nested dicts, in several spellings) comes
    out masked, and strings that differ only around the secret are masked each on its own."""
    import base64

    secret = "tok-3f9a7c1e"
    spellings = [secret, secret.upper(), base64.b64encode(secret.encode()).decode(), f"x{secret}y"]
    redactor = Redactor([secret])
    doc = {s: [s, (s, {"inner": s, s: [s]}), {"again": s}] for s in spellings} | {
        "plain": ["nothing here", "nothing here"]
    }
    out = redactor.data(doc)
    assert secret.lower() not in repr(out).lower()
    assert base64.b64encode(secret.encode()).decode() not in repr(out)
    assert out["plain"] == ["nothing here", "nothing here"]
    assert "x***y" in out and out["x***y"][0] == "x***y"
    assert sorted(out) == ["***", "plain", "x***y"]  # three spellings of the key became one
    assert out["***"] == ["***", ("***", {"inner": "***", "***": ["***"]}), {"again": "***"}]


def test_remembered_texts_are_masked_alike_and_the_memory_stays_bounded() -> None:
    """A redactor remembers texts it masked (they recur every turn): the second answer equals the
    first, texts too long to remember are masked all the same, and past the bound it forgets."""
    from tools import redaction

    redactor = Redactor([SECRET])
    texts = [f"reply {i}: token {SECRET} and {quote(SECRET, safe='')}" for i in range(200)]
    first = [redactor.text(t) for t in texts]
    assert all(SECRET not in t and "***" in t for t in first)
    assert [redactor.text(t) for t in texts] == first
    long_text = ("x" * redaction._MEMO_MAX_CHARS) + SECRET
    assert redactor.text(long_text).endswith("***") and long_text not in redactor._memo
    for i in range(redaction._MEMO_ENTRIES + 10):
        assert redactor.text(f"{i} {SECRET}") == f"{i} ***"
        assert len(redactor._memo) <= redaction._MEMO_ENTRIES


def test_base64_runs_are_read_up_to_the_bound_only() -> None:
    """Base64 runs are decoded (as a view the spellings are searched in) for the first
    `_BASE64_VIEW_CHARS` characters of runs of one text: a cursor of the percent-encoded secret
    within them is masked whole, one whose run starts past them is left as it is (the limit the
    README states); each JSON string is one text, so a field of its own is always read."""
    from tools import redaction

    cursor = base64.b64encode(f"page=2&key={quote(SECRET, safe='')}".encode()).decode()
    other = "QUJDREVGR0hJSktM" * (redaction._BASE64_VIEW_CHARS // 16 - 4)  # 64 characters short of it
    redactor = Redactor([SECRET])
    assert redactor.text(f"{other} {cursor}") == f"{other} ***"
    past = f"{other} {'QUJDREVGR0hJSktM' * 8} {cursor}"
    assert redactor.text(past) == past
    assert redactor.data({"a": other + "QUJD" * 64, "next": cursor})["next"] == "***"


def test_a_secret_of_a_character_or_two_keeps_the_documents_keys_whole() -> None:
    """A very short secret is masked in every value, but the keys a document is read by
    (`text`, `type`) stay whole, so the chat page and every reader of a trace still find them;
    a longer secret is masked in keys too."""
    redactor = Redactor(["x", "tok-3f9a7c1e"])
    out = redactor.data({"type": "user", "text": "next box", "tok-3f9a7c1e": "a", "events": [{"text": "x"}]})
    assert set(out) == {"type", "text", "***", "events"}
    assert out["text"] == "ne***t bo***" and out["events"] == [{"text": "***"}]
