"""`OfflineChatModel`: a deterministic chat model that needs no network and no API key.

It is the default model when no OpenAI key is configured, so the demo and CI run offline. It
reads the same prompts as a hosted model (`agent.prompts`) and answers in the same shapes:

- agent turn (tools bound, `tool_choice` auto): route the last customer message to a tool
  (`router.Router`) and call it with the arguments it visibly holds (`extract.extract_args`),
  or answer in plain text when no tool fits (`replies`). A weak last message is read with the
  turn before it: the answer to a clarifying question, or a bare value ("it's ORD-1001");
- forced tool (`tool_choice` a name, `"required"`/`"any"`): always call it; when the system
  prompt is `EXTRACT_SYSTEM`, a bare answer counts as the value the question asked for;
- respond turn (the system prompt carries the data envelope): present the result as text, or
  as a call of the presentation tool of the asked format (`Card`, `Link`: what
  `with_structured_output(Card)` binds), its arguments filled by their field names.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr

from agent.offline.acceptance import accepted_offer, asks_retry, leading_yes
from agent.offline.extract import EMAIL_RE, extract_args, focus_parameter, has_value, needed_parameters
from agent.offline.offers import can_hand_over
from agent.offline.render import Rendered, describe, flatten, parse_request, render
from agent.offline.replies import clarified_candidates, clarify, plain_reply
from agent.offline.requests import (
    identifiers_beyond,
    one_at_a_time,
    request_name,
    scoped_route,
    unhandled,
    unhandled_identifiers,
)
from agent.offline.router import Route, Router, message_intent, tool_kind, words
from agent.offline.spans import role_of
from agent.presenters import PRESENT_NAMES, presenter_for
from agent.prompts import ENVELOPE_OPEN, EXTRACT_SYSTEM, parse_envelope

_QUESTION_MARKER = EXTRACT_SYSTEM.split("{question}")[0].rsplit("\n", 1)[-1]
_ENVELOPE_START = re.compile(re.escape(ENVELOPE_OPEN) + r' action="[^"]*" outcome="[^"]*">\n')
ROUTER_CACHE_SIZE = 32
"""Tool sets whose router is kept (one per catalog revision and channel, in practice)."""
WHO_ASKED = re.compile(r"^\W*(?:(?:hi|hello|hey|so|and|but)\W+)*who\b", re.I)
"""A question asking who: a person the message names is what it asks about, not a value."""
ORDINALS = {"first": 0, "former": 0, "second": 1, "latter": 1, "last": -1}
"""Answers to "do you want to A, or to B?" that point at an option by position."""


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)


def _tool_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, dict):
        return (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
    if isinstance(tool_choice, str) and tool_choice not in ("auto", "none", "required", "any"):
        return tool_choice
    return None


def _count_tokens(text: str) -> int:
    """Rough token count (about four characters a token, at least one per word)."""
    return max(len(text) // 4, len(text.split()))


def find_envelope(messages: Sequence[BaseMessage]) -> dict[str, Any] | None:
    """The data envelope of a respond turn: the respond step appends it to the system prompt.

    Only system messages count: earlier results stay in the history as tool messages, and a
    later agent turn must answer the customer's new message, not present an old result again.
    """
    for message in messages:
        if not isinstance(message, SystemMessage):
            continue
        text = _text(message)
        m = _ENVELOPE_START.search(text)
        if m:
            parsed = parse_envelope(text[m.start() :])
            if parsed is not None:
                return parsed
    return None


class OfflineChatModel(BaseChatModel):
    """A lexical, rule-based chat model: tool routing, argument extraction and presentation."""

    today: date | None = Field(default=None)
    """Reference day for relative dates ("tomorrow"); None means the current date."""
    month_first: bool = True
    """Read an ambiguous "03/12/2027" as 12 March (month first) rather than 3 December."""
    max_listed_tools: int = 5
    """How many actions a plain-text answer names when it says what it can help with."""
    _routers: dict[str, Router] = PrivateAttr(default_factory=dict)
    """Routers by the bound tools' JSON: building one indexes every tool (most of a turn's
    time at 25 tools), and a conversation or a test suite binds the same tools again and again.
    A router is read-only once built, so sharing one is safe."""
    _keys: dict[tuple[int, ...], tuple[list[dict[str, Any]], str, int]] = PrivateAttr(default_factory=dict)
    """The JSON key of a tool list by the identity of its dicts (which the entry holds, so an
    identity is never reused while it is here)."""

    @property
    def _llm_type(self) -> str:
        return "offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "offline", "month_first": self.month_first}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return super().bind(tools=formatted, **kwargs)

    # -- generation ---------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result(messages, **kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Pure computation, no I/O: the same code path as the sync call, without a thread hop.
        return self._result(messages, **kwargs)

    def _result(self, messages: list[BaseMessage], **kwargs: Any) -> ChatResult:
        message = self.reply(messages, kwargs.get("tools") or [], kwargs.get("tool_choice"))
        prompt = sum(_count_tokens(_text(m)) for m in messages)
        tools = kwargs.get("tools") or []
        if tools:
            prompt += self._catalog([t.get("function", t) for t in tools])[1]
        output = _count_tokens(_text(message)) + sum(
            _count_tokens(json.dumps(c["args"])) + 4 for c in message.tool_calls
        )
        message.usage_metadata = {
            "input_tokens": prompt,
            "output_tokens": output,
            "total_tokens": prompt + output,
        }
        message.response_metadata = {
            "model_name": "offline",
            "finish_reason": "tool_calls" if message.tool_calls else "stop",
        }
        return ChatResult(generations=[ChatGeneration(message=message)])

    def reply(
        self, messages: Sequence[BaseMessage], tools: list[dict[str, Any]], tool_choice: Any
    ) -> AIMessage:
        """The model's answer to a conversation, given the bound tools."""
        functions = {t["function"]["name"]: t["function"] for t in tools if "function" in t}
        if tool_choice == "none":
            functions = {}
        forced = _tool_name(tool_choice)
        if forced is None and tool_choice in ("required", "any", True) and functions:
            forced = next(iter(functions)) if len(functions) == 1 else None
            forced = forced or self._route(messages, list(functions.values()), force=True).tool

        envelope = find_envelope(messages)
        if envelope is not None:
            return self._present(messages, envelope, forced if forced in functions else None, functions)
        if messages and isinstance(messages[-1], ToolMessage):
            return AIMessage(content=self._summarise_tool(messages[-1]))
        if forced is not None and forced in functions:
            return self._call(forced, functions[forced], messages)
        last = messages[-1] if messages else None
        if functions and isinstance(last, HumanMessage) and asks_retry(_last_reply(messages), _text(last)):
            again = _last_call(messages, functions)
            if again is not None:  # "yes please" to "I can try again if you'd like."
                return AIMessage(content="", tool_calls=[{**again, "id": f"call_{uuid.uuid4().hex[:24]}"}])
        if functions:
            route, scope = self._choose(messages, list(functions.values()))
            if route.tool is not None and not self._only_asks(messages, functions[route.tool], scope):
                return self._call(route.tool, functions[route.tool], messages, scope)
            if route.tool is not None:
                route = Route(None, route.ranking)
            return AIMessage(content=self._fallback(messages, functions, route))
        return AIMessage(content=self._fallback(messages, {}, None))

    # -- agent and extraction turns -----------------------------------------------------------

    def _humans(self, messages: Sequence[BaseMessage]) -> list[str]:
        return [_text(m) for m in messages if isinstance(m, HumanMessage)]

    def _catalog_key(self, functions: list[dict[str, Any]]) -> str:
        return self._catalog(functions)[0]

    def _catalog(self, functions: list[dict[str, Any]]) -> tuple[str, int]:
        """The JSON of the bound tools and its token count, kept by the identity of their dicts:
        a bound model passes the same dicts on every turn, and serialising 1,000 tools per
        message costs more than routing it."""
        """The JSON of the bound tools."""
        ids = tuple(map(id, functions))
        known = self._keys.get(ids)
        if known is None or any(a is not b for a, b in zip(known[0], functions, strict=True)):
            key = json.dumps(functions, sort_keys=True, default=str)
            known = (list(functions), key, _count_tokens(key))
            if len(self._keys) >= ROUTER_CACHE_SIZE:
                self._keys.pop(next(iter(self._keys)))
            self._keys[ids] = known
        return known[1], known[2]

    def _router(self, functions: list[dict[str, Any]]) -> Router:
        key = self._catalog_key(functions)
        router = self._routers.get(key)
        if router is None:
            router = Router(
                functions,
                slot_evidence=lambda prop, text: has_value(prop, text, self.today),
                arguments=lambda params, text: extract_args(
                    params, text, today=self.today, month_first=self.month_first
                ),
            )
            if len(self._routers) >= ROUTER_CACHE_SIZE:
                self._routers.pop(next(iter(self._routers)))  # the oldest
            self._routers[key] = router
        return router

    def _choose(
        self, messages: Sequence[BaseMessage], functions: list[dict[str, Any]]
    ) -> tuple[Route, str | None]:
        """The route of the last message and, when it asks for several things, the text of the
        first request (the one this turn handles; the answer names the others)."""
        humans = self._humans(messages)
        if humans:
            router = self._router(functions)
            accepted = accepted_offer(router, _last_reply(messages), humans[-1])
            if accepted is not None:  # the offer's words are its request, the yes none of its values
                other = router.route(accepted.rest).tool if accepted.rest else None
                if other not in (None, accepted.route.tool):  # "yes, and also <another request>"
                    return accepted.route, accepted.offer
                return accepted.route, " ".join(
                    filter(None, (accepted.offer, accepted.rest, accepted.amends))
                )
            scoped = scoped_route(router, humans[-1])
            if scoped is not None and scoped[0].tool is not None:
                return scoped
        return self._route(messages, functions), None

    def _route(
        self, messages: Sequence[BaseMessage], functions: list[dict[str, Any]], force: bool = False
    ) -> Route:
        humans = self._humans(messages)
        router = self._router(functions)
        last = humans[-1] if humans else ""
        accepted = accepted_offer(router, _last_reply(messages), last)
        if accepted is not None:  # "yes please" to "I can connect you with ... if you'd like."
            return accepted.route
        route = router.route(last)
        if route.tool is None and len(humans) > 1 and not router.is_policy_question(last):
            route = self._route_in_context(messages, router, route) or route
        if route.tool is None and not route.ambiguous:
            route = _bare_identifier(router, last) or route
        if force and route.tool is None and route.ranking:
            return Route(route.ranking[0][0], route.ranking)
        return route

    def _route_in_context(
        self, messages: Sequence[BaseMessage], router: Router, route: Route
    ) -> Route | None:
        """Route a weak last message with the turn before it.

        After "do you want to A, or to B?" the answer picks one of the two ("the status one",
        "the first", "ORD-1001"); otherwise a message that carries a value some tool takes
        ("it's ORD-1001", "lee@example.com") continues the previous request.
        """
        humans = self._humans(messages)
        last, previous = humans[-1], humans[-2]
        asked = _last_reply(messages)
        candidates = clarified_candidates(asked, [d.name for d in router.docs])
        if len(candidates) >= 2:
            return _pick_candidate(router, last, previous, candidates, route)
        if not (_carries_value(router, last) or route.ambiguous):
            return None
        combined = router.route(f"{previous}\n{last}")
        return combined if combined.tool is not None else None

    def _call(
        self, name: str, function: dict[str, Any], messages: Sequence[BaseMessage], scope: str | None = None
    ) -> AIMessage:
        humans = self._humans(messages)
        system = "\n".join(_text(m) for m in messages if isinstance(m, SystemMessage))
        focus, needed = None, []
        if _QUESTION_MARKER in system:
            question = system.split(_QUESTION_MARKER, 1)[1].strip()
            parameters = function.get("parameters") or {}
            needed = needed_parameters(question)
            if len(needed) == 1:
                focus = needed[0]
            elif not needed:
                focus = focus_parameter(parameters, question)
        args = extract_args(
            function.get("parameters") or {},
            scope or (humans[-1] if humans else ""),
            earlier=list(reversed(humans[:-1])),
            focus=focus,
            needed=needed,
            today=self.today,
            month_first=self.month_first,
        )
        call = {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])

    def _only_asks(
        self, messages: Sequence[BaseMessage], function: dict[str, Any], scope: str | None
    ) -> bool:
        """Whether the message asks to know something ("what is a holy book?") without giving
        any value the action takes: then it is answered in words, not by calling the action.
        A value chosen from a list does not count ("what is travel insurance?" names the
        `travel` cover but asks what it is), nor a person a "who" question asks for ("who sang
        Thriller?" gives no artist)."""
        humans = self._humans(messages)
        text = scope or (humans[-1] if humans else "")
        router = self._router([function])
        if not router.is_knowledge_question(text) or router.answers_definition(function["name"], text):
            return False
        props = (function.get("parameters") or {}).get("properties") or {}
        args = extract_args(
            function.get("parameters") or {}, text, today=self.today, month_first=self.month_first
        )
        asks_who = bool(WHO_ASKED.match(text))
        return not any(
            not (props.get(k) or {}).get("enum")
            and not isinstance(v, bool)
            and not (asks_who and _holds_person(k, props.get(k) or {}))
            for k, v in args.items()
        )

    def _fallback(
        self, messages: Sequence[BaseMessage], functions: dict[str, Any], route: Route | None
    ) -> str:
        if route is not None and route.ambiguous:
            return clarify(route.ranking[0][0], route.ranking[1][0])
        humans = self._humans(messages)
        said = " ".join(words(humans[-1])) if humans else ""
        return plain_reply(said, list(functions), self.max_listed_tools)

    def _summarise_tool(self, message: ToolMessage) -> str:
        content = _text(message)
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, TypeError):
            return f"Here is the result: {content[:300]}".strip()
        pairs = flatten(data)
        return f"Here is the result: {describe(pairs)}." if pairs else "The action completed."

    # -- respond turns ------------------------------------------------------------------------

    def _unhandled_note(
        self,
        messages: Sequence[BaseMessage],
        envelope: dict[str, Any],
        action: str,
        functions: dict[str, Any],
    ) -> str:
        """ "I can handle one request at a time here — ask me about ORD-1002 next." when the
        customer's message asked for more than the action that ran.

        The respond turn sees the message again; with the actions bound (the respond step binds
        them while it may chain) it is read as the agent turn read it, the arguments of the
        call included; without them, by identifier shape alone."""
        humans = self._humans(messages)
        if not humans or not action:
            return ""
        question = humans[-1]
        rest = leading_yes(question)  # "yes, and also ...": the yes ran an offer, the rest is left
        actions = {n: f for n, f in functions.items() if n not in PRESENT_NAMES}
        if action in actions:
            router = self._router(list(actions.values()))
            other = router.route(rest).tool if rest else None
            if rest and other is not None and other != action:
                return one_at_a_time([request_name(router, rest, other)])
            scoped = scoped_route(router, question)
            scope = scoped[1] if scoped is not None and scoped[0].tool == action else question
            args = extract_args(
                actions[action].get("parameters") or {}, scope, today=self.today, month_first=self.month_first
            )
            return one_at_a_time(unhandled(router, question, action, args))
        data = json.dumps(envelope.get("data"), default=str)
        if rest:
            return one_at_a_time(identifiers_beyond(rest, data))
        return one_at_a_time(unhandled_identifiers(question, data))

    def _present(
        self,
        messages: Sequence[BaseMessage],
        envelope: dict[str, Any],
        forced: str | None,
        functions: dict[str, Any],
    ) -> AIMessage:
        system = "\n".join(_text(m) for m in messages if isinstance(m, SystemMessage))
        request = parse_request(system)
        actions = [f for n, f in functions.items() if n not in PRESENT_NAMES]
        rendered: Rendered = render(
            envelope,
            request,
            handover=can_hand_over({n: f for n, f in functions.items() if n != request.action}),
            can_do=lambda offer: (
                bool(actions) and self._router(actions).route(offer).tool not in (None, request.action)
            ),
        )
        rendered = _with_note(rendered, self._unhandled_note(messages, envelope, request.action, functions))
        asked = presenter_for(request.format).tool
        if forced is None and asked is not None and asked.__name__ in functions:
            forced = asked.__name__  # the presentation tool of the asked format
        args: dict[str, Any] | None = None
        if forced in PRESENT_NAMES:
            args = rendered.args_for(functions[forced].get("parameters") or {})
        if args is None:
            return AIMessage(content=rendered.text)
        call = {"name": forced, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])


def _with_note(rendered: Rendered, note: str) -> Rendered:
    """The presentation with `note` added to its text and to the note under a card or a link."""
    if not note:
        return rendered
    values = {**rendered.values, "note": f"{rendered.values.get('note') or ''} {note}".strip()}
    return Rendered(text=f"{rendered.text} {note}".strip(), values=values)


def _holds_person(name: str, prop: dict[str, Any]) -> bool:
    """Whether a parameter holds a person (`artist`, `directed_by`, `starring`)."""
    role = role_of(name, prop)
    return role is not None and role.person


def _last_call(messages: Sequence[BaseMessage], functions: dict[str, Any]) -> dict[str, Any] | None:
    """The last call of a bound action the model made in the conversation, to send again."""
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            calls = [c for c in message.tool_calls if c["name"] in functions]
            if calls:
                return {"name": calls[-1]["name"], "args": calls[-1]["args"], "type": "tool_call"}
    return None


def _last_reply(messages: Sequence[BaseMessage]) -> str:
    """The model's own answer just before the customer's last message, if any."""
    seen_human = False
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            if seen_human:
                return ""
            seen_human = True
        elif seen_human and isinstance(message, AIMessage):
            return _text(message)
    return ""


def _carries_value(router: Router, text: str) -> bool:
    """Whether the text holds a value some tool takes: an identifier, an email, a date."""
    if router.has_identifier(text) or EMAIL_RE.search(text):
        return True
    evidence = router.slot_evidence
    return evidence is not None and any(
        evidence(prop, text)
        for doc in router.docs
        for prop in (doc.parameters.get("properties") or {}).values()
    )


def _pick_candidate(
    router: Router, last: str, previous: str, candidates: list[str], route: Route
) -> Route | None:
    """Which option of a clarifying question the answer takes, if it says."""
    plain = words(last)
    for word in plain:
        if word in ORDINALS and len(plain) <= 4:
            return Route(candidates[ORDINALS[word]], route.ranking)
    scores = dict(route.ranking)
    ranked = sorted(candidates, key=lambda n: -scores.get(n, 0.0))
    if scores.get(ranked[0], 0.0) > 0 and scores[ranked[0]] - scores.get(ranked[1], 0.0) >= 0.5:
        return Route(ranked[0], route.ranking)
    intent = message_intent(last)
    fitting = [n for n in candidates if tool_kind(n) == intent]
    if intent and len(fitting) == 1:
        return Route(fitting[0], route.ranking)
    combined = dict(router.score(f"{previous}\n{last}"))
    ranked = sorted(candidates, key=lambda n: -combined.get(n, 0.0))
    if combined.get(ranked[0], 0.0) - combined.get(ranked[1], 0.0) >= 0.5:
        return Route(ranked[0], route.ranking)
    return None


def _bare_identifier(router: Router, text: str) -> Route | None:
    """A message that is only an identifier ("ORD-1001"): look it up, never change anything."""
    if router.message_terms(text) or not router.has_identifier(text):
        return None
    takers = [d.name for d in router.docs if any(p.search(text) for p in d.patterns)]
    lookups = [name for name in takers if tool_kind(name) == "lookup"]
    return Route(lookups[0], router.score(text)) if len(lookups) == 1 else None
