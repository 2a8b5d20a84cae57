"""How the agent's words read on the email channel: a reply email body."""

from __future__ import annotations

SIGNATURE = "Best regards,\nCustomer Support"


def as_email(text: str, *, greeting: str = "Hello,") -> str:
    return f"{greeting}\n\n{text.strip()}\n\n{SIGNATURE}"


def reply_subject(subject: str) -> str:
    subject = subject.strip() or "Your request"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
