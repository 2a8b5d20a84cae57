"""Write the data folder (SQLite) or a PostgreSQL schema the way release 0.1.0 does, through
its own entry points: the demo seeding, the stores' public methods and `api-actions chat`.

    python tests/data/release_0_1_0/make_data.py sqlite FOLDER
    python tests/data/release_0_1_0/make_data.py postgres FOLDER POSTGRES_URL

Run with release 0.1.0 installed (the commit before schema migrations existed), with the demo
API's port (8765) free: the conversations call the demo API. The files committed beside this
script were made by it; the upgrade tests (tests/test_migrations_upgrade.py) read them and never
run it. Everything that varies between runs (secret values, times, ids) is read back by the
tests from the data, except the key below, which the tests need to read the secrets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

SECRET_KEY = "sJb3v1Mzi8M2xqAq0c1sY9Yh2F6d0xEw7kF1nqz8o4Q="
"""ACTIONS_SECRET_KEY the data was written with (a Fernet key); the tests read the secrets with it."""
DEMO_TOKEN = "release-0.1.0-demo-token"
CLIENT_SECRET = "release-0.1.0-client-secret"
ORDER_SESSION = "release-order"
"""A chat session with two customer turns and a call of `order_status` in each."""
EMAIL_SESSION = "release-email"
"""An e-mail session with one turn."""
PENDING_SESSION = "release-pending"
"""A session left waiting on a question (collect-info), to be answered after the upgrade."""
ACTOR = "release-0.1.0"


def main(kind: str, folder: Path, url: str | None) -> None:
    from agent.cli.demo import DEMO_API_PORT, DEMO_CLIENT_ID, seed
    from agent.wiring.runtime import open_stores
    from agent.wiring.settings import Settings
    from storage.drafts import DraftStore

    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIONS_", "DATABASE_", "OPENAI_"))}
    env.update(
        ACTIONS_DATA_DIR=str(folder),
        ACTIONS_SECRET_KEY=SECRET_KEY,
        ACTIONS_ALLOW_HOSTS=f"127.0.0.1:{DEMO_API_PORT}",
        DEMO_API_TOKEN=DEMO_TOKEN,
        DEMO_CLIENT_ID=DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET=CLIENT_SECRET,
        DEMO_API_PORT=str(DEMO_API_PORT),
    )
    if kind == "postgres":
        assert url, "postgres needs a URL"
        env["DATABASE_URL"] = url
    settings = Settings.from_env(env)
    for line in seed(settings, DEMO_TOKEN, CLIENT_SECRET):
        print(f"seed: {line}")

    stores = open_stores(settings)
    try:
        actions = stores.actions
        # versions and history: an edit (v2), a disable (v2), a rollback (v3), a deleted action
        order = actions.get("order_status")
        edited = order.definition.model_copy(update={"title": order.definition.title + " (edited)"})
        actions.update("order_status", edited, expected_version=order.version, actor=ACTOR)
        ticket = actions.get("open_support_ticket")
        actions.set_enabled("open_support_ticket", False, expected_version=ticket.version, actor=ACTOR)
        label = actions.get("shipping_label_link")
        changed = label.definition.model_copy(update={"title": "Shipping label (v2)"})
        v2 = actions.update("shipping_label_link", changed, expected_version=label.version, actor=ACTOR)
        actions.rollback("shipping_label_link", 1, expected_version=v2.version, actor=ACTOR)
        invoice = actions.get("invoice_copy_email")
        actions.delete("invoice_copy_email", expected_version=invoice.version, actor=ACTOR)
        # drafts: one of a live action, one of an action not live yet
        drafts = DraftStore(actions)
        cancel = actions.get("cancel_order").definition
        drafts.save(
            cancel.model_copy(update={"title": cancel.title + " (draft)"}),
            live_name="cancel_order",
            actor=ACTOR,
        )
        new = order.definition.model_copy(update={"name": "order_status_v2", "title": "Draft only"})
        drafts.save(new, actor=ACTOR)
        stores.secrets.set("RELEASE_EXTRA", "extra-value-0.1.0", actor=ACTOR)
    finally:
        stores.engine.dispose()

    api = subprocess.Popen([sys.executable, "-m", "demo"], env=env)
    try:
        _wait(f"http://127.0.0.1:{DEMO_API_PORT}/api/health", api)
        _chat(env, ORDER_SESSION, "chat", ['{"user": "Where is my order ORD-1001?"}'])
        _chat(env, ORDER_SESSION, "chat", ['{"user": "And what about order ORD-1003?"}'])
        _chat(env, EMAIL_SESSION, "email", ['{"user": "Can you check the status of order ORD-1002?"}'])
        _chat(env, PENDING_SESSION, "chat", ['{"user": "I want to check on my order"}'])
    finally:
        api.terminate()
        api.wait(timeout=10)


def _wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the demo API did not start")


def _chat(env: dict[str, str], session: str, channel: str, steps: list[str]) -> None:
    cmd = [sys.executable, "-m", "agent.cli", "chat", "--script", "-", "--session", session]
    done = subprocess.run(
        [*cmd, "--channel", channel], input="\n".join(steps) + "\n", env=env, text=True, capture_output=True
    )
    print(done.stdout, end="")
    if done.returncode != 0:
        raise RuntimeError(f"chat failed ({done.returncode}): {done.stderr}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3] if len(sys.argv) > 3 else None)
