"""`confirm` node: show the exact request (secrets masked) and wait for approve / reject / edit.

With the request goes a summary of the customer's values in words (labels, enum labels); on
the email channel, where no preview is shown, the question itself carries that summary.

An approval is bound to what it was given for: the whole definition, the exact request and the
credentials it carries (`ActionExecutor.approval_digest`). The node runs in two steps: it first
records the digest of what it is about to show (`shown_request`), then asks. On resume it re-runs
from its top and reads the answer first. A reject ends the call, whatever changed while the
question waited. An approval counts only if the digest, computed again from the *current*
definition, secrets and auth setting, is still the one shown; otherwise it records the new one
and asks again, saying it changed. Once asked, a call stays a confirmation (`confirming`) until
it is answered, even if `requires_confirmation` is switched off meanwhile. `call_action` checks
the digest once more right before sending.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from tools.errors import ActionsError
from tools.outcome import Outcome, OutcomeKind

from .. import prompts
from ..customer_wording import values_summary
from ..state import AgentContext, AgentState
from ..storable_state import ask
from .closing import close_if_unavailable, finish_call, skip_call


def parse_decision(answer: object) -> tuple[str, dict]:
    """("approve" | "reject" | "edit", values)."""
    if isinstance(answer, dict):
        decision = str(answer.get("decision", "")).lower()
        values = answer["values"] if isinstance(answer.get("values"), dict) else {}
        if decision in ("approve", "reject", "edit"):
            return decision, values
        return "reject", {}
    return ("approve", {}) if approves(str(answer or "")) else ("reject", {})


APPROVING = frozenset(
    """yes y yep yeah yup ok okay k confirm confirmed approve approved send proceed sure correct
    fine go ahead do it""".split()
)
"""Words of a reply that says yes: "yes", "ok, go ahead", "sure, please do it"."""
COURTESY = frozenset(
    """please pls thanks thank you thx ty hi hello hey dear that s is right sounds good great
    perfect all""".split()
)
"""Words that may stand beside a yes without changing it."""
NOT_ONLY_YES = frozenset(
    """no not nope don dont never cancel stop wait hold change changed instead but however
    wrong except different rather actually""".split()
)
"""Words that make a reply more than a yes: it is not read as approval."""
HEDGING = frozenset(
    """maybe perhaps probably possibly guess think suppose believe hopefully unsure unless if
    should might idk hmm""".split()
)
"""Words of a reply that hedges: "I think so", "yes, if it is free", "ok maybe"."""
_QUOTE_START = re.compile(r"^(?:>|on .+ wrote:\s*$|-+ ?original message ?-+|from: .*[@<])", re.IGNORECASE)
"""Where the quoted message starts: a `>` line, an "On ... wrote:" line, an "Original message"
rule, a "From:" line naming an address. A line the customer wrote that merely starts like one
("On reflection, what I wrote: cancel it", "From: tomorrow only") is read."""
_PLAIN_TEXT = re.compile(r"[\x20-\x7e\u2018\u2019\u201c\u201d\u2013\u2014\u00a0\t]*")
"""What an approval may be written in: ASCII text and typographic quotes and dashes. A reply in
other scripts or with other symbols (a question emoji, an Arabic question mark, words this
reader cannot weigh) is not read as a yes: the question is asked again and nothing is sent."""
_APPROVING_SYMBOLS = re.compile("[\U0001f44d\U0001f44c\u2705\u2714\ufe0f\U0001f642\U0001f60a\U0001f64f]")
"""Symbols that say yes, thank or smile: thumbs up, OK hand, check marks, smiling faces, folded hands."""
SARCASM = (["yeah", "right"], ["yes", "right"], ["sure", "right"])
"""Replies that read as a yes word by word and mean no ("Yeah, right.")."""
_NAME_LINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,3}"  # a name: capitalised words
    r"|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"  # an e-mail address
    r"|\+?[\d ()./\-]{6,}"  # a phone number
    r"|https?://\S+)$"  # a web address
)
"""A line after a sign-off that only names the sender."""
_SIGN_OFF = re.compile(
    r"^(?:--\s*|(?:best|kind|warm)(?: regards)?,?|regards,?|cheers,?|sincerely,?|(?:many )?thanks,?"
    r"|thank you,?|thanks,? \w+|sent from .*|all the best,?)$",
    re.IGNORECASE,
)


def approves(text: str) -> bool:
    """Whether a typed reply approves the request: everything it says before the quoted
    message is a yes with courtesy words. E-mail replies carry greetings, a sign-off and the
    quoted question; a question mark anywhere before the quote, a hedge ("I think so"), or
    anything more ("yes but change the date", "no", "wait") is not an approval, so nothing is
    sent. After a sign-off only a name or contact line may follow; a line there that says more
    ("thanks, no", "Best / actually don't", "Cheers / only after 5pm") ends the approval. A reply
    in another script, or with a symbol other than a yes (a question emoji), is asked again."""
    said: list[list[str]] = []
    signed = False
    for line in text.splitlines():
        stripped = line.strip()
        if _QUOTE_START.match(stripped):
            break
        if "?" in stripped or "\uff1f" in stripped:
            return False  # a question is never an approval
        if not _PLAIN_TEXT.fullmatch(_APPROVING_SYMBOLS.sub("", stripped)):
            return False  # words or symbols this reader cannot weigh: asked again
        words = re.findall(r"[a-z']+", stripped.lower().replace("\u2019", "'"))
        words = [w for part in words for w in part.split("'") if w]
        if set(words) & (NOT_ONLY_YES | HEDGING):
            return False
        if _SIGN_OFF.match(stripped):
            signed = True
        elif signed:
            if stripped and not _NAME_LINE.match(stripped):
                return False  # more than a name after the sign-off ("P.S. ship it to my office")
        elif words:
            said.append(words)
    if [w for line in said for w in line] in SARCASM:
        return False
    meaningful = [w for w in said if not set(w) <= COURTESY]
    if not meaningful or not set(meaningful[0]) & APPROVING:
        return False
    return all(set(line) <= APPROVING | COURTESY for line in meaningful)


async def confirm(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    closed = close_if_unavailable(state, ctx)  # the kill switch holds while the question waits
    if closed:
        return closed
    pending: dict[str, Any] = dict(state["pending"] or {})
    action = ctx.catalog[pending["action"]].definition
    if not action.requires_confirmation and not pending.get("confirming"):
        return {"pending": {**pending, "approved": True, "approved_request": None}}
    try:
        preview = await ctx.executor.preview(action, pending["args"])
        digest = await ctx.executor.approval_digest(action, pending["args"])
    except ActionsError as exc:  # bad arguments or a definition the executor refuses
        outcome = Outcome(kind=OutcomeKind.CONFIG_ERROR, action=action.name, summary=str(exc))
        return finish_call(state, outcome.model_dump(mode="json"))
    if pending.get("approved") and pending.get("approved_request") == digest:
        return {"pending": pending}
    shown = pending.get("shown_request")
    if shown is None:
        # First ask: record what is about to be shown, then ask (next step).
        return {
            "pending": {
                **pending,
                "approved": False,
                "confirming": True,
                "shown_request": digest,
                "request_changed": bool(pending.get("request_changed")),
            }
        }

    changed = shown != digest or bool(pending.get("request_changed"))
    summary = values_summary(action, pending["args"])
    if state.get("channel") == "email":  # no preview on email: the question says it all
        question = prompts.confirm_email_text(action.label, summary, changed=changed)
    else:
        template = prompts.CONFIRM_CHANGED if changed else prompts.CONFIRM_QUESTION
        question = template.format(label=action.label)
    # The answer is read before anything else is decided: a reject ends the call whatever
    # changed while the question waited; an approval counts only for what was shown.
    decision, values = parse_decision(
        ask(
            {
                "kind": "confirm",
                "action": action.name,
                "action_label": action.label,
                "request": preview.model_dump(mode="json"),
                "request_digest": preview.digest(),
                "args": pending["args"],
                "summary": summary,
                "question": question,
            }
        )
    )
    if decision == "reject":
        return skip_call(
            state,
            "rejected",
            prompts.REPLY_REJECTED.format(label=action.label),
            "Not run: rejected by the customer.",
        )
    if decision == "edit":
        # Edited values go back through collect_info, which validates them again; the new
        # request is then asked about again (still as a confirmation: `confirming` stays).
        return {
            "pending": {
                **pending,
                "args": {**pending["args"], **values},
                "valid": False,
                "approved": False,
                "shown_request": None,
                "request_changed": shown != digest,
            }
        }
    if shown != digest:
        # Approved, but not what would be sent now (the action, a credential or the auth
        # setting changed while the question waited): record the new request and ask again.
        return {"pending": {**pending, "approved": False, "shown_request": digest, "request_changed": True}}
    return {"pending": {**pending, "approved": True, "approved_request": digest}}
