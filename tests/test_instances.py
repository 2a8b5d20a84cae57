"""Several app instances on one PostgreSQL: edits and sessions are shared, not per process.

Two long-lived processes, each wired exactly as an app instance is (`open_stores` +
`open_agent(Settings.from_env())`: storage, checkpointer and call ledger on DATABASE_URL, the
offline model), are driven over stdin by this test. The same module is the instance program
(`python -m tests.test_instances`), one JSON command per line:

    {"send": ["session", "text"]}          a customer message      -> {"events": [...], ...}
    {"resume": ["session", value]}         answer the pending question
    {"save": ["action", {field: value}]}   save an edit, as the editor does -> {"version": n}
    {"transcript": "session"}              the conversation so far -> {"transcript": [...]}
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import demo_actions
from tests.support.storage_fixtures import postgres_schema_url

ROOT = Path(__file__).resolve().parents[1]


# -- the instance program ---------------------------------------------------------------------------
async def _instance() -> None:
    settings = Settings.from_env()
    stores = open_stores(settings)
    async with open_agent(settings, stores=stores) as agent:
        _reply({"ready": True, "offline": agent.is_offline})
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if "save" in command:
                name, changes = command["save"]
                stored = stores.actions.get(name)
                saved = stores.actions.update(
                    name,
                    {**stored.definition.model_dump(mode="json"), **changes},
                    expected_version=stored.version,
                    actor=f"instance-{os.getpid()}",
                )
                _reply({"version": saved.version})
                continue
            if "transcript" in command:
                _reply({"transcript": await agent.transcript(command["transcript"])})
                continue
            if "send" in command:
                result = await agent.send(*command["send"])
            else:
                result = await agent.resume(*command["resume"])
            _reply({"events": result.events, "interrupt": result.interrupt, "pid": os.getpid()})


def _reply(data: dict) -> None:
    print(json.dumps(data, default=str), flush=True)


# -- the test -------------------------------------------------------------------------------------------
class Instance:
    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.test_instances"],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._read() == {"ready": True, "offline": True}

    def ask(self, **command) -> dict:
        assert self.proc.stdin is not None  # opened with stdin=PIPE
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def _read(self) -> dict:
        assert self.proc.stdout is not None and self.proc.stderr is not None  # opened with PIPE
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise AssertionError(f"instance ended: {self.proc.stderr.read()[-4000:]}")
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stderr is not None  # opened with PIPE
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        assert self.proc.returncode == 0, self.proc.stderr.read()[-4000:]


@pytest.fixture
def pg_url():
    yield from postgres_schema_url()


@pytest.fixture
def instances(tmp_path, pg_url, fresh_demo_log):
    key = Fernet.generate_key().decode()  # identical on every instance
    stores = open_stores(Settings(database_url=pg_url, secret_key=key, data_dir=tmp_path))
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    stores.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_"))}
    env.update(DATABASE_URL=pg_url, ACTIONS_SECRET_KEY=key, ACTIONS_ALLOW_HOSTS=fresh_demo_log.host)
    started: list[Instance] = []
    try:
        # each with its own data dir: nothing is shared but the database
        for n in (1, 2):
            started.append(Instance({**env, "ACTIONS_DATA_DIR": str(tmp_path / f"instance{n}")}))
        yield started
    finally:
        for instance in started:
            instance.close()


def _of(reply: dict, kind: str) -> list[dict]:
    return [e for e in reply["events"] if e["type"] == kind]


@pytest.mark.postgres
@pytest.mark.slow
def test_two_instances_share_sessions_and_edits(instances, fresh_demo_log):
    one, two = instances

    # a session started on one instance ...
    asked = one.ask(send=["shared-1", "where is my order"])
    assert asked["interrupt"]["kind"] == "collect_info"
    assert asked["interrupt"]["action"] == "order_status"
    # ... continues on the other, which never saw it
    done = two.ask(resume=["shared-1", {"values": {"order_id": "ORD-1001"}}])
    assert asked["pid"] != done["pid"]
    assert done["interrupt"] is None
    assert _of(done, "assistant")[0]["format"] == "card"
    assert [(r["method"], r["path"]) for r in fresh_demo_log.request_log] == [("GET", "/api/orders/ORD-1001")]

    # an edit saved on one instance is used by the other's next turn
    assert one.ask(save=["order_status", {"response_format": "text"}])["version"] == 2
    after = two.ask(send=["shared-2", "where is my order ORD-1002"])
    replies = _of(after, "assistant")
    assert replies and replies[-1]["format"] == "text", after["events"]
    assert replies[-1].get("card") is None
    assert [r["path"] for r in fresh_demo_log.request_log][-1] == "/api/orders/ORD-1002"

    # the first instance reads the turn the second one finished
    history = one.ask(transcript="shared-1")["transcript"]
    assert [(m["role"], m.get("format")) for m in history] == [("user", None), ("assistant", "card")]
    assert all(fresh_demo_log.token not in json.dumps(r) for r in (asked, done, after, history))


if __name__ == "__main__":
    asyncio.run(_instance())
