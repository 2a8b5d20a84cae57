"""Reply emails: header lines from the customer's pasted email, a greeting, body and signature."""

from __future__ import annotations

from agent.wording.email import CUSTOMER, as_email, greeting, inbound_headers, reply_headers


def test_the_reply_answers_the_pasted_emails_sender_and_subject() -> None:
    pasted = 'from: "Dana Smith" <dana@example.com>\nSubject: Where is ORD-1001?\n\nHi, where is it?'
    assert inbound_headers(pasted) == {
        "from": '"Dana Smith" <dana@example.com>',
        "subject": "Where is ORD-1001?",
    }
    headers = reply_headers(pasted)
    assert headers.lines() == (
        'From: Customer Support\nTo: "Dana Smith" <dana@example.com>\nSubject: Re: Where is ORD-1001?'
    )
    assert greeting(pasted) == "Hello Dana,"
    assert as_email(" Shipped. ", greeting=greeting(pasted)) == (
        "Hello Dana,\n\nShipped.\n\nBest regards,\nCustomer Support"
    )


def test_what_the_pasted_email_does_not_say_is_not_invented() -> None:
    body_only = "Hi, where is my order?\nFrom: me"  # a From line inside the body is no header
    assert inbound_headers(body_only) == {}
    assert (
        reply_headers(body_only).lines()
        == f"From: Customer Support\nTo: {CUSTOMER}\nSubject: Re: Your request"
    )
    assert greeting(body_only) == "Hello,"
    assert greeting("From: dana@example.com\n\nhi") == "Hello,"  # an address alone names nobody
    assert reply_headers("Subject: RE: invoice\n\nhi").subject == "RE: invoice"
