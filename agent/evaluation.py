"""Test conversations, run: does the agent pick the right action with the right arguments?

Each case (`tools.conversation_case.TestConversation`) is one customer message run through the
real graph (`agent.graph`) with the configured model, on a catalog given as definitions (live,
drafts, or the catalog as it would be after publishing a draft). The run stops before the
`confirm` step (or before `call_action`, which a ready call that needs no confirmation goes
straight to), so routing (the `agent` node), the model's arguments and collect-info (a
question, and the `extract` of the case's answer) are checked and nothing is sent. On request,
a GET call that is ready goes on through `confirm` and `call_action` (the executor, the one
chokepoint) so its outcome class can be checked too; any other method never does, and the
executor given to the graph refuses them as well.

`guard_publish` is the publish guard: every suite of the catalog, run before and after a draft
is published; a case that passed before and fails after is a regression, whichever action's
edit caused it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphBubbleUp
from langgraph.types import Command

from agent.catalog.retrieval import ActionRetriever
from agent.graph import build_graph
from agent.state import AgentContext, Limits
from tools.action import ActionDefinition, HttpMethod
from tools.auth import AuthError, AuthKind
from tools.compiler import ActionCatalog, CompiledAction, compile_action
from tools.conversation_case import TestConversation
from tools.errors import ActionValidationError, Problem
from tools.outcome import Outcome, OutcomeKind
from tools.validation import test_conversation_problems, validate_action

STOP_BEFORE = ("confirm", "call_action")
"""The graph stops before these nodes: everything up to them decides, nothing up to them sends
(a call valid as picked that needs no confirmation goes straight to `call_action`)."""
MAX_STEPS = 8
"""Resumes one case may take (answer, confirmations of a GET sent on request)."""


@dataclass(frozen=True)
class Case:
    """One test conversation and the action whose suite holds it."""

    suite: str
    """The action the conversation was written beside."""
    index: int
    """Its position in that suite (the path `test_conversations[index]`)."""
    conversation: TestConversation

    @property
    def key(self) -> tuple[str, int]:
        return self.suite, self.index


@dataclass
class CaseResult:
    """What the agent made of one case, and whether that is what was expected."""

    suite: str
    index: int
    message: str
    expected_action: str | None
    picked: list[str] = field(default_factory=list)
    """Actions the model called for the message, in order; empty for a plain answer."""
    passed: bool = False
    problems: list[str] = field(default_factory=list)
    """Why it failed, one plain line each."""
    args: dict[str, Any] = field(default_factory=dict)
    """Arguments the agent knew from the message (for the picked action, as the API gets them)."""
    args_differ: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Argument name -> {"expected": ..., "got": ...} for each one that differed (None: absent)."""
    asked: list[str] = field(default_factory=list)
    """Inputs the collect-info question asked for (empty: no question)."""
    outcome: str | None = None
    """The call's outcome class when a GET was sent on request; None when nothing was sent."""
    stolen_by: str | None = None
    """The action picked instead of the expected one (its trigger took the message)."""
    seconds: float = 0.0
    answer_text: str = ""
    """The plain answer, when the agent picked no action; the answer to the call, when a GET
    was sent on request."""
    error: str | None = None
    """The run itself failed (the model or the graph raised): the case says nothing of routing."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EvalReport:
    results: list[CaseResult]
    seconds: float
    model_label: str = ""

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def errors(self) -> list[CaseResult]:
        """Cases whose run failed (not a wrong answer: no answer at all)."""
        return [r for r in self.results if r.error]

    def summary(self) -> str:
        n, bad = len(self.results), len(self.failed)
        return f"{n - bad}/{n} test conversations pass ({self.seconds:.2f} s)"


# -- the cases of a catalog ---------------------------------------------------------------------


def cases_of(definitions: Iterable[ActionDefinition]) -> list[Case]:
    """Every test conversation of every action, in catalog order."""
    return [
        Case(d.name, i, conversation)
        for d in definitions
        for i, conversation in enumerate(d.test_conversations)
    ]


def suite_problems(definitions: Sequence[ActionDefinition]) -> list[Problem]:
    """Problems of the catalog's suites against the catalog itself: an expected action that is
    not in it, an argument it has no input for or a value its input refuses. Paths start with
    the action's name, e.g. `order_status.test_conversations[2].expected_args.order_id`."""
    by_name = {d.name: d for d in definitions}
    return [
        Problem(f"{d.name}.{p.path}", p.message)
        for d in definitions
        for p in test_conversation_problems(d, by_name)
    ]


def check_suites(definitions: Sequence[ActionDefinition]) -> None:
    """Raise `ActionValidationError` listing every problem of the catalog's suites."""
    problems = suite_problems(definitions)
    if problems:
        raise ActionValidationError(None, problems)


def suites_from_data(data: Any, definitions: Sequence[ActionDefinition]) -> list[ActionDefinition]:
    """The catalog with its suites replaced by the ones in a suite file.

    A suite file is a JSON object: action name -> list of test conversations. Every problem is
    reported with its path (`order_status[1].expected_args.order_id`): an action not in the
    catalog, a field that is not a test conversation's, a value its input refuses.
    """
    if not isinstance(data, dict):
        raise ActionValidationError(
            None, [Problem("(suite)", "must be a JSON object: action name -> list of test conversations")]
        )
    by_name = {d.name: d for d in definitions}
    problems: list[Problem] = []
    replaced: dict[str, ActionDefinition] = {}
    for name, cases in data.items():
        if name not in by_name:
            problems.append(Problem(str(name), f"no action named {name!r} in the catalog"))
            continue
        if not isinstance(cases, list):
            problems.append(Problem(str(name), "must be a list of test conversations"))
            continue
        raw = {**by_name[name].to_json_dict(), "test_conversations": cases}
        try:
            replaced[name] = validate_action(raw)
        except ActionValidationError as exc:
            problems.extend(_suite_path(name, p) for p in exc.problems)
    catalog = [replaced.get(d.name, d.model_copy(update={"test_conversations": []})) for d in definitions]
    if not problems:
        problems = [
            _suite_path(p.path.split(".", 1)[0], Problem(p.path.split(".", 1)[1], p.message))
            for p in suite_problems(catalog)
        ]
    if problems:
        raise ActionValidationError(None, problems)
    return catalog


def _suite_path(name: str, problem: Problem) -> Problem:
    path = problem.path.removeprefix("test_conversations")
    return Problem(f"{name}{path}" if path != problem.path else f"{name}.{path}", problem.message)


# -- running -------------------------------------------------------------------------------------


class _SendOnlyGet:
    """The executor as the evaluation hands it to the graph: previews pass through; a request is
    sent only for a GET and only when sending was asked for. Everything else is answered with a
    `config_error` outcome, never sent (the graph stops before `confirm` anyway; this holds even
    if it did not). A GET whose auth setting fetches an OAuth2 token would make a POST (the token
    request) first: it is sent only when `allow_token_request` says so."""

    def __init__(self, executor: Any, send_get: bool, *, allow_token_request: bool = False):
        self._executor = executor
        self._send_get = send_get and executor is not None
        self._allow_token_request = allow_token_request

    async def preview(self, action: ActionDefinition, args: dict[str, Any]) -> Any:
        return await self._executor.preview(action, args)

    async def approval_digest(self, action: ActionDefinition, args: dict[str, Any]) -> str:
        return str(await self._executor.approval_digest(action, args))

    def approval_token(self, **call: str) -> str:
        return str(self._executor.approval_token(**call))

    def approval_holds(self, token: object, **call: str) -> bool:
        return bool(self._executor.approval_holds(token, **call))

    async def execute(self, action: ActionDefinition, args: dict[str, Any], **kwargs: Any) -> Outcome:
        if self._send_get and action.method is HttpMethod.GET:
            if not self._allow_token_request and await self._fetches_token(action):
                return Outcome(
                    kind=OutcomeKind.CONFIG_ERROR,
                    action=action.name,
                    summary="not sent: its auth setting would first POST to the OAuth2 token URL, "
                    "and test conversations send GET calls only (allow the token request to send it)",
                )
            return await self._executor.execute(action, args, **kwargs)
        return Outcome(
            kind=OutcomeKind.CONFIG_ERROR,
            action=action.name,
            summary="not sent: test conversations send GET calls only, and only on request",
        )

    async def _fetches_token(self, action: ActionDefinition) -> bool:
        """Whether sending `action` may request an OAuth2 token (a setting that cannot be read
        counts: `execute` would refuse it without sending anything, but it is not sent here)."""
        if not action.auth:
            return False
        try:
            setting = await self._executor.auth.setting(action.auth)
        except AuthError:
            return True
        return setting.kind is AuthKind.OAUTH2_CLIENT_CREDENTIALS


class Evaluator:
    """Runs cases on one catalog with one model; reusable for many runs on the same catalog."""

    def __init__(
        self,
        definitions: Sequence[ActionDefinition],
        model: BaseChatModel,
        *,
        executor: Any = None,
        send_get: bool = False,
        allow_token_request: bool = False,
        limits: Limits | None = None,
        concurrency: int = 4,
    ):
        self.definitions = list(definitions)
        self.catalog = ActionCatalog()
        self.catalog.sync(self.definitions)
        self.send_get = send_get
        self.context = AgentContext(
            model=model,
            catalog=self.catalog,
            executor=_SendOnlyGet(executor, send_get, allow_token_request=allow_token_request),
            ledger=None,
            limits=limits or Limits(),
            retriever=ActionRetriever(),
        )
        # typed Any: the graph's context schema is AgentContext, which the stubs cannot see
        self.graph: Any = build_graph().compile(
            checkpointer=InMemorySaver(), interrupt_before=list(STOP_BEFORE)
        )
        self._gate = asyncio.Semaphore(max(1, concurrency))

    async def run(self, cases: Sequence[Case] | None = None, *, model_label: str = "") -> EvalReport:
        cases = cases_of(self.definitions) if cases is None else cases
        start = time.perf_counter()
        results = await asyncio.gather(*(self._guarded(case) for case in cases))
        return EvalReport(list(results), time.perf_counter() - start, model_label)

    async def _guarded(self, case: Case) -> CaseResult:
        async with self._gate:
            start = time.perf_counter()
            try:
                result = await self.run_case(case)
            except GraphBubbleUp:
                raise
            except Exception as exc:
                result = _result(case)
                result.error = f"{type(exc).__name__}: {exc}"[:300]
                result.problems.append(f"the run failed: {result.error}")
            result.seconds = time.perf_counter() - start
            return result

    async def run_case(self, case: Case) -> CaseResult:
        conv = case.conversation
        result = _result(case)
        config = {"configurable": {"thread_id": f"eval-{uuid.uuid4().hex}"}, "recursion_limit": 40}
        graph_input: Any = {"messages": [HumanMessage(conv.message)], "channel": conv.channel}
        await self.graph.ainvoke(graph_input, config, context=self.context)
        state = await self.graph.aget_state(config)
        reply = next(
            (
                m
                for m in reversed(state.values.get("messages") or [])
                if isinstance(m, AIMessage) and m.tool_calls
            ),
            None,
        )
        result.picked = [c["name"] for c in reply.tool_calls] if reply else []
        if not result.picked:
            last = (state.values.get("messages") or [None])[-1]
            result.answer_text = last.text if isinstance(last, AIMessage) else ""
        expected = conv.expected_action
        first = result.picked[0] if result.picked else None
        if first != expected:
            result.stolen_by = first
            result.problems.append(_misroute(expected, first))
        elif len(set(result.picked)) > 1:
            others = ", ".join(n for n in dict.fromkeys(result.picked) if n != expected)
            result.problems.append(f"also picked {others}")
        if expected is None or first != expected:
            result.passed = not result.problems
            return result

        compiled = self.catalog.get(expected)
        assert reply is not None and compiled is not None
        call_args = next(c.get("args") or {} for c in reply.tool_calls if c["name"] == expected)
        result.args = _as_api_values(compiled, call_args)
        want = _as_api_values(compiled, conv.expected_args)
        for name in sorted(set(want) | set(result.args)):
            if want.get(name) != result.args.get(name):
                result.args_differ[name] = {"expected": want.get(name), "got": result.args.get(name)}
        if result.args_differ:
            result.problems.append("arguments differ: " + ", ".join(result.args_differ))

        question = _question(state)
        result.asked = list((question or {}).get("missing") or []) + list(
            (question or {}).get("invalid") or {}
        )
        if conv.answer and question:
            await self.graph.ainvoke(Command(resume={"text": conv.answer}), config, context=self.context)
            state = await self.graph.aget_state(config)
            again = _question(state)
            if again:
                still = [*again.get("missing", []), *again.get("invalid", {})]
                result.problems.append(
                    "the answer did not complete the arguments: still asks for " + ", ".join(still)
                )
        ready = _stopped(state)
        if self.send_get and ready and compiled.definition.method is HttpMethod.GET:
            result.outcome, result.answer_text = await self._send(config)
        if conv.expected_outcome is not None and result.outcome is not None:
            if result.outcome != conv.expected_outcome.value:
                result.problems.append(f"outcome {result.outcome}, expected {conv.expected_outcome.value}")
        result.passed = not result.problems
        return result

    async def _send(self, config: dict[str, Any]) -> tuple[str | None, str]:
        """Let a ready GET go on: approve its confirmation if it has one; the outcome class and
        the answer the customer gets (empty while the run waits on a further question)."""
        command: Any = None
        for _ in range(MAX_STEPS):
            await self.graph.ainvoke(command, config, context=self.context)
            state = await self.graph.aget_state(config)
            outcomes = state.values.get("results") or []
            messages = state.values.get("messages") or []
            if outcomes or (not state.next and messages and isinstance(messages[-1], AIMessage)):
                last = messages[-1] if messages else None
                answer = last.text if isinstance(last, AIMessage) and not state.next else ""
                kind = str(outcomes[0]["outcome"].get("kind")) if outcomes else None
                return kind, answer
            interrupts = getattr(state, "interrupts", ()) or ()
            if interrupts and (interrupts[0].value or {}).get("kind") == "confirm":
                command = Command(resume={"decision": "approve"})
            elif _stopped(state):
                command = None
            else:
                return None, ""
        return None, ""


def _stopped(state: Any) -> bool:
    """Whether the run waits before a step that could send (and only that)."""
    return len(state.next) == 1 and state.next[0] in STOP_BEFORE


def _result(case: Case) -> CaseResult:
    conv = case.conversation
    return CaseResult(case.suite, case.index, conv.message, conv.expected_action)


def _misroute(expected: str | None, picked: str | None) -> str:
    if expected is None:
        return f"picked {picked}, expected no action"
    if picked is None:
        return f"picked no action, expected {expected}"
    return f"picked {picked}, expected {expected}"


def _as_api_values(compiled: CompiledAction, args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as the API would receive them: coerced by the action's strict model where
    valid, kept as given where not; absent and empty values dropped."""
    present = {k: v for k, v in args.items() if v not in (None, "")}
    check = compiled.check(present)
    kept = {k: present[k] for k in check.invalid if k in present}
    return {**kept, **check.values}


def _question(state: Any) -> dict[str, Any] | None:
    for item in getattr(state, "interrupts", ()) or ():
        value = item.value
        if isinstance(value, dict) and value.get("kind") == "collect_info":
            return value
    return None


async def evaluate(
    definitions: Sequence[ActionDefinition],
    model: BaseChatModel,
    *,
    cases: Sequence[Case] | None = None,
    executor: Any = None,
    send_get: bool = False,
    allow_token_request: bool = False,
    model_label: str = "",
    concurrency: int = 4,
) -> EvalReport:
    """Run `cases` (default: every suite of `definitions`) on the catalog `definitions`.
    `send_get` sends ready GET calls; one that needs an OAuth2 token request (a POST) only
    with `allow_token_request` as well."""
    evaluator = Evaluator(
        definitions,
        model,
        executor=executor,
        send_get=send_get,
        allow_token_request=allow_token_request,
        concurrency=concurrency,
    )
    return await evaluator.run(cases, model_label=model_label)


# -- the publish guard ---------------------------------------------------------------------------


def routing_view(definitions: Sequence[ActionDefinition]) -> list[Any]:
    """What the agent's steps up to `confirm` read of a catalog: each action's tool as the
    model gets it (name, trigger, argument schema), whether and where it is offered, and
    whether it asks for what is missing. Two catalogs with the same view route alike."""
    return sorted(
        (
            d.name,
            json.dumps(compile_action(d).openai_schema(), sort_keys=True),
            d.enabled,
            sorted(c.value for c in d.channels),
            d.collect_info_first,
        )
        for d in definitions
    )


@dataclass
class Regression:
    before: CaseResult
    after: CaseResult
    stolen_by_edit: bool
    """The action that took the message is one whose trigger the publish changes."""


@dataclass
class GuardReport:
    before: EvalReport
    after: EvalReport
    regressions: list[Regression]
    changed_triggers: list[str]
    """Actions whose trigger differs between the two catalogs."""
    same_tools: bool = False
    """The model is offered the same tools before and after (a title or response edit): the
    agent's routing cannot change, so nothing was run."""

    @property
    def ok(self) -> bool:
        """No regression, and every case could run after publishing (a model that fails makes
        every case fail both times: no regression, but no evidence either)."""
        return not self.regressions and not self.after.errors

    def summary(self) -> str:
        if self.after.errors:
            n, first = len(self.after.errors), self.after.errors[0].error
            return f"The guard could not run {n} test conversation{'s' if n != 1 else ''}: {first}"
        if self.same_tools:
            return "No regressions: the agent sees the same actions before and after publishing."
        if self.ok:
            return f"No regressions: {self.after.summary()} after publishing."
        n = len(self.regressions)
        return f"{n} test conversation{'s' if n != 1 else ''} passed before and fail after publishing."


async def guard_publish(
    live: Sequence[ActionDefinition],
    after: Sequence[ActionDefinition],
    model: BaseChatModel,
    *,
    model_label: str = "",
    concurrency: int = 4,
) -> GuardReport:
    """Every suite of the catalog after publishing, run on the live catalog and on the catalog
    after publishing; nothing is sent. A regression is a case that passes now and would fail.
    When the agent would see the same tools either way (`routing_view`), nothing needs to run."""
    if routing_view(live) == routing_view(after):
        empty = EvalReport([], 0.0, model_label)
        return GuardReport(empty, empty, [], [], same_tools=True)
    cases = cases_of(after)
    before_report = await evaluate(live, model, cases=cases, model_label=model_label, concurrency=concurrency)
    after_report = await evaluate(after, model, cases=cases, model_label=model_label, concurrency=concurrency)
    old = {d.name: d.trigger for d in live}
    changed = [d.name for d in after if old.get(d.name) != d.trigger]
    regressions = [
        Regression(b, a, a.stolen_by in changed)
        for b, a in zip(before_report.results, after_report.results, strict=True)
        if b.passed and not a.passed
    ]
    return GuardReport(before_report, after_report, regressions, changed)


__all__ = [
    "Case",
    "CaseResult",
    "EvalReport",
    "Evaluator",
    "GuardReport",
    "Regression",
    "cases_of",
    "check_suites",
    "evaluate",
    "guard_publish",
    "suite_problems",
    "suites_from_data",
]
