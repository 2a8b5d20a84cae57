"""Test conversations in the editor: write them beside the action, run them, guard publishing.

`conversations_section` is part of the action form: the table of example messages (saved with
the action, so versioned, audited and exported with it), a run of every suite on the live
catalog or the drafts, and the results matrix. `publish_cleared` / `guard_prompt` are the
publish guard the draft commands call: publishing runs every suite on the catalog as it would
be after publishing and, when a case that passes now would fail, shows it and asks first.
Running is `agent.evaluation`'s job; this module renders and calls.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from pydantic import ValidationError

from agent.editing.checks import validated
from agent.evaluation import CaseResult, EvalReport, GuardReport, evaluate, guard_publish, suite_problems
from tools.action import ActionDefinition
from tools.channels import CHANNELS
from tools.conversation_case import TestConversation
from tools.json_text import parse_json
from tools.outcome import OutcomeKind
from ui.render import literal
from ui.runtime import AgentRuntime

NO_ACTION = "(no action)"
COLUMNS = ("message", "expected_action", "expected_args", "answer", "expected_outcome", "channel")
RESULTS, GUARD = "tc.results", "tc.guard"
LIVE_TARGET, DRAFT_TARGET = "Live catalog", "Drafts (as Preview drafts)"
FIELD_WORDS = {
    "message": "customer message",
    "expected_action": "expected action",
    "expected_args": "expected arguments",
    "answer": "answer to the question",
    "expected_outcome": "expected outcome",
    "channel": "channel",
}
_CASE_PATH = re.compile(
    r"^(?:(?P<action>[^.\[]+)\.)?test_conversations\[(?P<i>\d+)\](?:\.(?P<field>[^.]+)(?:\.(?P<rest>.+))?)?$"
)


def case_words(path: str, conversations: Sequence[Any] = (), own: str = "") -> str:
    """A test conversation's field path in words, counted from 1 as the table shows them:
    `test_conversations[1].answer` -> 'Test conversation 2 ("where is my order"), answer to
    the question'. `conversations` (dicts or `TestConversation`s) give the message quoted;
    a path of another action (`other.test_conversations[0]`) names that action."""
    m = _CASE_PATH.match(path)
    if m is None:
        return path
    i = int(m["i"])
    words = f"Test conversation {i + 1}"
    if m["action"] and m["action"] != own:
        words += f" of {m['action']}"
    elif i < len(conversations):
        case = conversations[i]
        message = str(case.get("message") if isinstance(case, dict) else getattr(case, "message", "")).strip()
        if message:
            words += f' ("{message[:40]}{"…" if len(message) > 40 else ""}")'
    if m["field"]:
        words += f", {FIELD_WORDS.get(m['field'], m['field'])}"
        if m["rest"]:
            words += f" {m['rest']}"
    return words


# -- writing -------------------------------------------------------------------------------------


def _rows(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "message": c.get("message", ""),
            "expected_action": c.get("expected_action") or NO_ACTION,
            "expected_args": json.dumps(c.get("expected_args") or {}) if c.get("expected_args") else "",
            "answer": c.get("answer") or "",
            "expected_outcome": c.get("expected_outcome") or "",
            "channel": c.get("channel") or "chat",
        }
        for c in conversations
    ]


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _conversations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows -> test conversations as the definition holds them. Arguments written as
    JSON; text that is not JSON is kept as is, so validation names the field."""
    out = []
    for row in rows:
        if all(_blank(v) for v in row.values()):
            continue
        action = row.get("expected_action")
        case: dict[str, Any] = {
            "message": "" if _blank(row.get("message")) else str(row["message"]),
            "expected_action": None if _blank(action) or action == NO_ACTION else str(action),
        }
        args = row.get("expected_args")
        if not _blank(args) and str(args).strip():
            try:
                case["expected_args"] = parse_json(str(args))
            except ValueError:
                case["expected_args"] = str(args)
        for name in ("answer", "expected_outcome"):
            if not _blank(row.get(name)) and str(row[name]).strip():
                case[name] = str(row[name])
        if not _blank(row.get("channel")) and row["channel"] != "chat":
            case["channel"] = str(row["channel"])
        out.append(case)
    return out


def conversations_section(
    rt: AgentRuntime,
    base: dict[str, Any],
    key: str,
    errors: dict[str, list[str]],
    form: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The test conversations of the action in the form (named as `form` has it, for a new
    action; else as `base`): a table to edit them and a small form to add one; returns them as
    the definition holds them (kept with the unsaved form under `key`, saved with it). A run
    takes the action from `form` when the catalog it runs on does not have it yet."""
    import pandas as pd

    own = str((form or {}).get("name") or base.get("name") or "").strip()
    held = f"{key}.tc"  # added rows live here until the form is saved (under the form's key)
    current = st.session_state.get(held, list(base.get("test_conversations") or []))
    generation = st.session_state.get(f"{held}.n", 0)
    names = sorted(
        ({a.name for a in rt.stores.actions.list()} | {d.name for d in rt.drafts.list()} | {own}) - {""}
    )
    bad = {p: m for p, m in errors.items() if p.startswith("test_conversations")}
    # open while it has something to show: problems, rows just added, or results of a run
    opened = bool(bad) or generation > 0 or RESULTS in st.session_state
    with st.expander(f"Test conversations ({len(current)})", expanded=opened, icon=":material/fact_check:"):
        st.caption(
            "Example customer messages and what the agent should do with them: the action "
            f"(or {NO_ACTION}), the arguments it should already know as JSON "
            '(`{"order_id": "ORD-1001"}`), optionally the answer to its question and the outcome '
            "class when GET calls are sent. Saved with the action (save the draft or publish)."
        )
        edited = st.data_editor(
            pd.DataFrame(_rows(current), columns=list(COLUMNS)),
            num_rows="dynamic",
            key=f"{held}.table.{generation}",
            width="stretch",
            hide_index=True,
            column_config={
                "message": st.column_config.TextColumn("message", width="large"),
                "expected_action": st.column_config.SelectboxColumn(
                    "expected action", options=[*names, NO_ACTION], default=own or NO_ACTION
                ),
                "expected_args": st.column_config.TextColumn("expected arguments (JSON)"),
                "answer": st.column_config.TextColumn("answer to the question"),
                "expected_outcome": st.column_config.SelectboxColumn(
                    "expected outcome", options=["", *(k.value for k in OutcomeKind)]
                ),
                "channel": st.column_config.SelectboxColumn(
                    "channel", options=list(CHANNELS), default="chat"
                ),
            },
        )
        conversations = _conversations(edited.to_dict("records"))
        for path, messages in bad.items():
            for message in messages:
                st.error(
                    literal(f"{case_words(path, conversations, own)}: {message}"), icon=":material/error:"
                )
        unsaved = _unsaved(conversations, list(base.get("test_conversations") or []))
        if unsaved:
            st.caption(
                f"Not saved yet: test conversation{'s' if len(unsaved) != 1 else ''} "
                + ", ".join(str(i + 1) for i in unsaved)
                + " (save the draft or publish to keep them)."
            )
        added = _add_form(held, names, own)
        if added is not None:
            st.session_state[held] = [*conversations, added]
            st.session_state[f"{held}.n"] = generation + 1
            st.rerun()
        runner(rt, own, conversations, unsaved, form=form)
    return conversations


def _unsaved(conversations: list[dict[str, Any]], saved: list[dict[str, Any]]) -> list[int]:
    """Positions of the conversations in the form that the saved action does not hold."""
    normal = lambda c: json.dumps(_conversations(_rows([c])), sort_keys=True)  # noqa: E731
    kept = [normal(c) for c in saved]
    out = []
    for i, case in enumerate(conversations):
        key = normal(case)
        if key in kept:
            kept.remove(key)
        else:
            out.append(i)
    return out


def _add_form(held: str, names: list[str], own: str) -> dict[str, Any] | None:
    """One new test conversation, or None until the form is sent."""
    # cleared once sent, so nothing of this case (a stale answer, say) is carried to the next
    with st.form(f"{held}.add", border=True, clear_on_submit=True):
        st.markdown("**Add a test conversation**")
        message = st.text_input("Customer message", key=f"{held}.add.message")
        options = [*names, NO_ACTION]
        expected = st.selectbox(
            "Expected action",
            options,
            index=options.index(own) if own in options else len(options) - 1,
            key=f"{held}.add.action",
        )
        args = st.text_input(
            "Expected arguments (JSON)", key=f"{held}.add.args", placeholder='{"order_id": "ORD-1001"}'
        )
        answer = st.text_input("Answer to the question (optional)", key=f"{held}.add.answer")
        if not st.form_submit_button("Add test conversation", icon=":material/add:"):
            return None
    row = {"message": message, "expected_action": expected, "expected_args": args, "answer": answer}
    return _conversations([row])[0] if message.strip() else None


# -- running -------------------------------------------------------------------------------------


def _catalog(rt: AgentRuntime, target: str) -> list[ActionDefinition]:
    if target == DRAFT_TARGET:
        return rt.drafts.overlay()
    return [s.definition for s in rt.stores.actions.list()]


def _with_form_cases(
    catalog: list[ActionDefinition], own: str, conversations: list[dict[str, Any]]
) -> tuple[list[ActionDefinition], list[str]]:
    """The catalog with the edited action's test conversations as the form has them (saved or
    not), so what runs is what the table shows; problems (in words) when one is not valid."""
    if not own or not any(d.name == own for d in catalog):
        return catalog, []
    cases, problems = [], []
    for i, case in enumerate(conversations):
        try:
            cases.append(TestConversation.model_validate(case))
        except ValidationError as e:
            for err in e.errors():
                where = ".".join(str(p) for p in err["loc"])
                path = f"test_conversations[{i}]" + (f".{where}" if where else "")
                problems.append(f"{case_words(path, conversations, own)}: {err['msg']}")
    if problems:
        return catalog, problems
    return [d.model_copy(update={"test_conversations": cases}) if d.name == own else d for d in catalog], []


def runner(
    rt: AgentRuntime,
    own: str = "",
    conversations: list[dict[str, Any]] | None = None,
    unsaved: Sequence[int] = (),
    form: dict[str, Any] | None = None,
) -> None:
    """Run every suite of the live catalog or the drafts, the edited action's suite as the
    form has it; show the results matrix. An action the catalog does not have yet (a new one,
    never saved) runs as `form` has it, when the form is a complete action."""
    st.markdown("**Run every suite**")
    target = st.radio("Run on", (LIVE_TARGET, DRAFT_TARGET), key="tc.target", horizontal=True)
    send_get = st.checkbox(
        "Send GET calls that are ready (never anything else)",
        key="tc.send_get",
        help="Off: nothing is sent; routing, arguments and questions are checked.",
    )
    if st.button("Run test conversations", key="tc.run", icon=":material/play_arrow:"):
        catalog = _catalog(rt, target)
        in_catalog = any(d.name == own for d in catalog)
        from_form, not_ready = False, ""
        if own and not in_catalog and form is not None:
            definition, incomplete = validated({**form, "test_conversations": []})
            if definition is not None:
                catalog, in_catalog, from_form = [*catalog, definition], True, True
            else:
                not_ready = "; ".join(f"{p.path}: {p.message}" for p in incomplete[:2])
        catalog, shape = _with_form_cases(catalog, own, list(conversations or []))
        problems = shape or [
            f"{case_words(p.path, conversations or [], own)}: {p.message}" for p in suite_problems(catalog)
        ]
        left_out = len(conversations or []) if own and not in_catalog else 0
        if problems:
            st.session_state[RESULTS] = {"problems": problems, "target": target}
        else:
            with st.spinner(f"Running on the {target.lower()} with {rt.agent.model_label} ..."):
                ran = rt.run(
                    evaluate(
                        catalog,
                        rt.agent.model,
                        executor=rt.agent.executor,
                        send_get=send_get,
                        model_label=rt.agent.model_label,
                    )
                )
            st.session_state[RESULTS] = {
                "report": ran,
                "target": target,
                "own": own,
                "unsaved": list(unsaved) if in_catalog else [],
                "left_out": left_out,
                "from_form": from_form,
                "not_ready": not_ready,
            }
    shown = st.session_state.get(RESULTS)
    if not shown:
        return
    if "problems" in shown:
        st.error(f"The suites of the {shown['target'].lower()} have problems; nothing ran.")
        for problem in shown["problems"]:
            st.markdown(f"- {literal(problem)}")
        return
    report: EvalReport = shown["report"]
    unsaved_ran, left_out, own_ran = shown.get("unsaved", []), shown.get("left_out", 0), shown.get("own", "")
    if left_out:
        why = (
            f" and the form is not a complete action yet ({shown['not_ready']})"
            if shown.get("not_ready")
            else ""
        )
        st.warning(
            literal(
                f"The {left_out} test conversation{'s' if left_out != 1 else ''} of {own_ran} did not run: "
                f"it is not in the {shown['target'].lower()} yet{why}. They are kept with the form and "
                "saved with it; complete the form, or save the draft and run on the drafts."
            ),
            icon=":material/info:",
        )
    if not report.results:
        if not left_out:  # else the warning above says why
            st.info("No test conversations ran: add some above.")
        return
    note = ""
    if shown.get("from_form"):
        not_saved = f"; {len(unsaved_ran)} of its test conversations not saved yet" if unsaved_ran else ""
        note = f" (with {own_ran} as the form has it, not in the {shown['target'].lower()} yet{not_saved})"
    elif unsaved_ran:
        note = f" (with {len(unsaved_ran)} of {own_ran}'s not saved yet)"
    (st.success if report.ok else st.error)(f"{report.summary()} on the {shown['target'].lower()}{note}.")
    results_matrix(report.results, own_ran, unsaved_ran)


def _row(r: CaseResult, unsaved: bool = False) -> dict[str, Any]:
    return {
        "result": "pass" if r.passed else "FAIL",
        "suite": f"{r.suite} #{r.index + 1}" + (" (not saved)" if unsaved else ""),
        "message": r.message,
        "expected": r.expected_action or NO_ACTION,
        "picked": ", ".join(r.picked) or NO_ACTION,
        "stolen by": r.stolen_by or "",
        "arguments differ": "; ".join(
            f"{n}: expected {d['expected']!r}, got {d['got']!r}" for n, d in r.args_differ.items()
        ),
        "why": "; ".join(r.problems),
        "outcome": r.outcome or "",
        "ms": round(r.seconds * 1000),
    }


def results_matrix(results: list[CaseResult], own: str = "", unsaved: Sequence[int] = ()) -> None:
    """Pass/fail per message, failures first; a message another action's trigger took is
    named in "stolen by"; the edited action's cases not saved yet are marked."""
    rows = sorted(
        (_row(r, r.suite == own and r.index in unsaved) for r in results),
        key=lambda row: row["result"] == "pass",
    )
    stolen = sorted({r.stolen_by for r in results if r.stolen_by})
    if stolen:
        st.warning(
            "Messages taken by the trigger of: " + ", ".join(f"**{n}**" for n in stolen),
            icon=":material/swap_horiz:",
        )
    st.dataframe(rows, hide_index=True, width="stretch", key=f"tc.matrix.{len(rows)}")


# -- the publish guard ---------------------------------------------------------------------------


def _fingerprint(*catalogs: Sequence[ActionDefinition]) -> str:
    data = json.dumps([[d.to_json_dict() for d in c] for c in catalogs], sort_keys=True, default=str)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def publish_cleared(
    rt: AgentRuntime, key: str, live: list[ActionDefinition], after: list[ActionDefinition]
) -> bool:
    """Whether the draft `key` may be published now (`live` is the catalog, `after` it once
    published): its guard found no regression, or the person confirmed the regressions shown
    for exactly these catalogs. Otherwise the guard's report is kept for `guard_prompt` and
    False is returned (the editing service then holds the publish back)."""
    fingerprint = _fingerprint(live, after)
    held = st.session_state.get(GUARD)
    if held and held["key"] == key and held["fingerprint"] == fingerprint and held.get("confirmed"):
        st.session_state.pop(GUARD, None)
        return True
    if not any(d.test_conversations for d in after):
        return True
    report = rt.run(guard_publish(live, after, rt.agent.model, model_label=rt.agent.model_label))
    if report.ok:
        st.session_state.pop(GUARD, None)
        return True
    st.session_state[GUARD] = {"key": key, "fingerprint": fingerprint, "report": report, "confirmed": False}
    return False


def guard_prompt(rt: AgentRuntime, key: str, publish: Callable[[], None]) -> None:
    """The regressions the guard found for the draft `key`, and the choice to publish anyway."""
    held = st.session_state.get(GUARD)
    if not held or held["key"] != key:
        return
    report: GuardReport = held["report"]
    st.error(f"Publish guard: {report.summary()}", icon=":material/gpp_maybe:")
    if report.changed_triggers:
        st.caption("Triggers this publish changes: " + ", ".join(f"**{n}**" for n in report.changed_triggers))
    rows = []
    for regression in report.regressions:
        after = _row(regression.after)
        stolen = after["stolen by"] + (" (trigger edited)" if regression.stolen_by_edit else "")
        rows.append(
            {  # the narrow sidebar shows the first columns: what broke and who took it
                "message": after["message"],
                "stolen by": stolen,
                "suite": regression.after.suite,
                "before": ", ".join(regression.before.picked) or NO_ACTION,
                "after": after["picked"],
                "expected": after["expected"],
                "why": after["why"],
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch", key="tc.guard.matrix")
    anyway, cancel = st.columns(2)
    if anyway.button("Publish anyway", key="tc.guard.publish", icon=":material/warning:", width="stretch"):
        held["confirmed"] = True
        publish()
    if cancel.button("Keep the draft", key="tc.guard.cancel", icon=":material/undo:", width="stretch"):
        st.session_state.pop(GUARD, None)
        st.rerun()
