"""Suite 1 — faults end to end: a GET and a POST action against real misbehaving servers.

Each case runs the whole agent (`SupportAgent` and the graph, real storage, the real executor;
only the chat model is scripted): the customer asks, the action's call fails one way, and

* the outcome has the expected class, in the turn's events and in the stored trace;
* the respond model call was given the action's response instructions and the error class,
  and its reply is what the customer sees;
* the conversation goes on: a following plain turn works;
* a POST reached the server at most once (counted at the server).

DNS failure goes through the executor's resolver seam (a resolver that raises
`socket.gaierror`); everything else is real sockets on loopback.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from langchain_core.messages import ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import compile_graph
from agent.turns.dependencies import AgentDependencies
from agent.turns.service import SupportAgent
from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.fault_servers import Hits, fault_app
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import free_port, serve
from tests.support.suite_report import Tally
from tools.executor import ActionExecutor, ExecutorSettings

INSTRUCTIONS = (
    "FAULT-RULE-7: when the call fails, apologise, give no technical detail and offer "
    "to connect the customer with a colleague."
)
APOLOGY = "I'm sorry, I couldn't get that done just now. Shall I connect you with a colleague?"
THANKS = "You're welcome!"
UNRESOLVABLE = "api.internal.example"


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    kind: str
    reaches_server: bool
    status: int | None = None
    base: str = "fault"
    """Which base URL: "fault" (the fault server), "refused", "dns" or "tls"."""


FAULTS = [
    Fault("connection refused", "/ok", "network", False, base="refused"),
    Fault("DNS failure", "/ok", "network", False, base="dns"),
    Fault("timeout", "/slow?seconds=5", "timeout", True),
    Fault("server drips bytes", "/drip?seconds=5", "timeout", True),
    Fault("4xx with body", "/status/404", "http_error", True, 404),
    Fault("4xx without body", "/status/422?empty=true", "http_error", True, 422),
    Fault("5xx with body", "/status/500", "http_error", True, 500),
    Fault("5xx without body", "/status/503?empty=true", "http_error", True, 503),
    Fault("not JSON", "/not-json", "invalid_response", True, 200),
    Fault("invalid UTF-8", "/bad-utf8", "invalid_response", True, 200),
    Fault("huge body", "/huge?mb=1", "invalid_response", True, 200),
    Fault("redirect loop", "/redirect-loop", "network", True),
    Fault("redirect to 169.254.169.254", "/redirect-metadata", "blocked", True),
    Fault("TLS to a plain HTTP port", "/ok", "network", False, base="tls"),
]


@dataclass
class Servers:
    fault: str
    refused: str
    dns: str
    tls: str
    hits: Hits
    allow_hosts: tuple[str, ...]


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    app = fault_app()
    with serve(app) as base:
        host = base.split("://", 1)[1]
        refused = f"127.0.0.1:{free_port()}"  # nothing listens there
        yield Servers(
            fault=base,
            refused=f"http://{refused}",
            dns=f"http://{UNRESOLVABLE}",
            tls=f"https://{host}",
            hits=app.state.hits,
            allow_hosts=(host, refused),
        )


async def failing_resolver(host: str, port: int) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def action_for(method: str, url: str) -> dict:
    common = {
        "title": "Fault probe",
        "trigger": "Use when the customer asks to look up or submit a record.",
        "response_format": "text",
        "response_instructions_enabled": True,
        "response_instructions": INSTRUCTIONS,
        # short enough for a quick run, long enough that a loaded machine answering a 404 is not a timeout
        "timeout_seconds": 2.0,
    }
    if method == "GET":
        sep = "&" if "?" in url else "?"
        return {
            **common,
            "name": "fault_lookup",
            "method": "GET",
            "url": url + sep + "ref={{ref}}",
            "inputs": [{"name": "ref", "type": "string", "description": "Record reference"}],
        }
    return {
        **common,
        "name": "fault_submit",
        "method": "POST",
        "url": url,
        "body": '{"note": "{{note}}"}',
        "inputs": [{"name": "note", "type": "string", "description": "What to submit"}],
    }


@asynccontextmanager
async def fault_agent(tmp_path, model, action: dict, allow_hosts: tuple[str, ...]):
    """A real SupportAgent whose executor resolves host names with `failing_resolver`."""
    settings = Settings(data_dir=tmp_path, allow_hosts=allow_hosts, secret_key=Fernet.generate_key().decode())
    stores = open_stores(settings)
    stores.actions.create(action)
    executor = ActionExecutor(
        ExecutorSettings(allow_hosts=allow_hosts, backoff_seconds=0.01),
        stores.secrets,
        resolver=failing_resolver,
    )
    async with executor:
        yield SupportAgent(
            AgentDependencies(
                graph=compile_graph(InMemorySaver()),
                model=model,
                executor=executor,
                store=stores.actions,
                traces=stores.traces,
                ledger=stores.ledger,
                secrets=stores.secrets,
                model_label="scripted test model",
            )
        )
    stores.engine.dispose()


async def run_case(tmp_path, servers: Servers, method: str, fault: Fault) -> None:
    base = getattr(servers, fault.base)
    action = action_for(method, base + fault.path)
    args = {"ref": "R-1"} if method == "GET" else {"note": "call me back"}
    model = ScriptedChatModel().script(tool_call(action["name"], **args), APOLOGY, THANKS)
    servers.hits.clear()
    session = "faults-1"
    async with fault_agent(tmp_path, model, action, servers.allow_hosts) as agent:
        turn = await agent.send(session, "Please take care of record R-1")
        if method == "POST":
            assert turn.interrupt and turn.interrupt["kind"] == "confirm", turn.interrupt
            turn = await agent.resume(session, {"decision": "approve"})

        outcome = next(e for e in turn.events if e["type"] == "outcome")
        assert outcome["kind"] == fault.kind, outcome["summary"]
        if fault.status is not None:
            assert outcome["status"] == fault.status
        # The answer follows the action's instructions for errors, and says what the model said.
        respond_system = model.calls[1]["messages"][0].content
        assert "FAULT-RULE-7" in respond_system
        assert f'outcome="{fault.kind}"' in respond_system
        assert turn.reply["text"] == APOLOGY and turn.reply["format"] == "text"
        assert turn.interrupt is None
        # The stored trace records the outcome class.
        stored = agent.trace(session, turn.turn)
        assert [e["kind"] for e in stored["events"] if e["type"] == "outcome"] == [fault.kind]
        assert stored["errors"] == []
        assert "call_action" in stored["path"] and stored["path"][-1] == "respond"

        # The conversation continues: a plain turn works, with a well-formed history.
        after = await agent.send(session, "ok, thanks")
        assert after.reply["text"] == THANKS and after.interrupt is None
        assert after.trace["errors"] == [] and after.trace["path"] == ["agent"]
        history = model.calls[2]["messages"]
        tool_messages = [m for m in history if isinstance(m, ToolMessage)]
        assert len(tool_messages) == 1 and tool_messages[0].status == "error"
        assert len(model.calls) == 3

    # At the server: a POST at most once (exactly once when the server was reached).
    posts = servers.hits.count(method="POST")
    if method == "POST":
        assert posts == (1 if fault.reaches_server else 0), servers.hits.select()
    else:
        assert posts == 0
        reached = servers.hits.count(method="GET") > 0
        assert reached == fault.reaches_server, servers.hits.select()


@pytest.mark.slow
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_every_fault_is_survived_end_to_end(tmp_path, servers, method, request):
    tally = Tally(f"suite 1 faults end to end ({method} action)")
    for n, fault in enumerate(FAULTS):
        with tally.case(fault.name):
            await run_case(tmp_path / f"case-{n}", servers, method, fault)
    tally.finish(request, expected=len(FAULTS))


def test_the_fault_table_covers_every_failure_class():
    assert {f.kind for f in FAULTS} == {"network", "timeout", "http_error", "invalid_response", "blocked"}
    assert {f.base for f in FAULTS} == {"fault", "refused", "dns", "tls"}
