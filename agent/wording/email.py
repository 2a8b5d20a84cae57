"""How the agent's words read on the email channel: a reply email, headers and body.

A reply has the header lines a mail client shows (From, To, Subject), then a greeting, the
agent's words and a signature. The recipient, the subject and the name in the greeting come
from the customer's email as pasted (its own `From:` and `Subject:` lines, when it has them);
what the pasted text does not say is named as such ("the customer"), never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENDER = "Customer Support"
SIGNATURE = f"Best regards,\n{SENDER}"
CUSTOMER = "the customer"
"""The recipient when the customer's email names no sender."""
_HEADER = re.compile(r"^(from|to|subject|date|cc)\s*:\s*(.*)$", re.IGNORECASE)
_NAMED = re.compile(r'^\s*"?([^"<@]+?)"?\s*<[^>]+>\s*$')
"""`Dana Smith <dana@example.com>`: a display name before the address."""


@dataclass(frozen=True)
class ReplyHeaders:
    """The header lines of a reply email."""

    sender: str
    recipient: str
    subject: str

    def lines(self) -> str:
        return f"From: {self.sender}\nTo: {self.recipient}\nSubject: {self.subject}"


def inbound_headers(text: str) -> dict[str, str]:
    """The header lines at the top of a pasted email (`From:`, `Subject:` ...), by lower-case
    name; none when it starts with its body."""
    found: dict[str, str] = {}
    for line in text.strip().splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            break
        found.setdefault(match.group(1).lower(), match.group(2).strip())
    return found


def reply_headers(inbound: str) -> ReplyHeaders:
    """Who a reply to the customer's email `inbound` goes to, and its subject."""
    headers = inbound_headers(inbound)
    return ReplyHeaders(
        sender=SENDER,
        recipient=headers.get("from") or CUSTOMER,
        subject=reply_subject(headers.get("subject", "")),
    )


def greeting(inbound: str) -> str:
    """ "Hello Dana," when the customer's email names its sender's first name, else "Hello,"."""
    named = _NAMED.match(inbound_headers(inbound).get("from", ""))
    first = named.group(1).split()[0] if named and named.group(1).split() else ""
    return f"Hello {first}," if first else "Hello,"


def as_email(text: str, *, greeting: str = "Hello,") -> str:
    """The body of a reply: greeting, the agent's words, signature."""
    return f"{greeting}\n\n{text.strip()}\n\n{SIGNATURE}"


def reply_subject(subject: str) -> str:
    subject = subject.strip() or "Your request"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
