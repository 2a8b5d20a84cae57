"""Wrong admin passwords are throttled per client (`agent.wiring.access.AdminThrottle`): free at
first, then a doubling wait, then a lockout; the right password clears the count; a try while
waiting is refused without being compared. The same rules hold in the app (per client, across
sessions of one process) and on the command line (counts kept in the data dir across runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.wiring.access import AdminThrottle, TooManyAttempts, require_admin
from agent.wiring.settings import Settings

PASSWORD = "s3cret-pässword"


class Clock:
    """A clock the test moves by hand: no sleeping, no timing in assertions."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **rules: float) -> AdminThrottle:
    return AdminThrottle(clock=clock, **rules)  # type: ignore[arg-type]


def test_free_tries_then_doubling_waits_then_lockout() -> None:
    clock = Clock()
    t = throttle(clock, free_failures=3, base_delay=1.0, max_delay=8.0, lockout_after=8, lockout_seconds=600)
    waits = []
    for _ in range(8):
        assert t.check("a", "wrong", PASSWORD) is False
        waits.append(t.wait_seconds("a"))
        clock.now += waits[-1]  # wait exactly as long as asked
    assert waits == [0, 0, 0, 1, 2, 4, 8, 600]  # capped at max_delay, then locked out
    with pytest.raises(TooManyAttempts) as info:
        clock.now -= 1  # one second early
        t.check("a", PASSWORD, PASSWORD)
    assert info.value.locked and "locked out" in str(info.value)


def test_a_try_while_waiting_is_refused_without_comparing_even_the_right_password() -> None:
    clock = Clock()
    t = throttle(clock, free_failures=1)
    for _ in range(2):
        t.check("a", "wrong", PASSWORD)
    for supplied in ("wrong", PASSWORD, ""):
        with pytest.raises(TooManyAttempts) as info:
            t.check("a", supplied, PASSWORD)
        assert 0 < info.value.retry_after <= 1 and not info.value.locked
        assert PASSWORD not in str(info.value)
    assert t.wait_seconds("a") == 1.0  # refused tries do not count, nor reset the wait
    clock.now += 1
    assert t.check("a", PASSWORD, PASSWORD) is True
    assert t.wait_seconds("a") == 0  # the right password clears the count
    for _ in range(1):
        assert t.check("a", "wrong", PASSWORD) is False
    assert t.wait_seconds("a") == 0  # the free tries are free again


def test_clients_are_counted_apart() -> None:
    clock = Clock()
    t = throttle(clock, free_failures=0)
    t.check("ip:10.0.0.1", "wrong", PASSWORD)
    with pytest.raises(TooManyAttempts):
        t.check("ip:10.0.0.1", PASSWORD, PASSWORD)
    assert t.check("ip:10.0.0.2", PASSWORD, PASSWORD) is True  # another client is not held back


def test_many_clients_are_remembered_within_a_bound() -> None:
    clock = Clock()
    t = throttle(clock, free_failures=0, max_clients=50)
    for _ in range(3):
        t.check("persistent", "wrong", PASSWORD)
        clock.now += 100
    for n in range(200):  # a crowd of one-off guesses cannot push the persistent guesser out
        t.check(f"ip:{n}", "wrong", PASSWORD)
    assert len(t._clients) <= 50
    assert t._clients["persistent"].failures == 3


def test_the_command_line_counts_across_processes_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, admin_password=PASSWORD)
    clock = Clock()
    state = tmp_path / "admin_attempts.json"

    def attempt(supplied: str) -> None:  # a fresh throttle each time: a new CLI process
        fresh = AdminThrottle(clock=clock, state_file=state, free_failures=2)
        require_admin(settings, supplied, what="'import'", throttle=fresh, client="cli:1000")

    for _ in range(3):
        with pytest.raises(Exception, match="wrong admin password"):
            attempt("wrong")
    with pytest.raises(TooManyAttempts):
        attempt(PASSWORD)
    assert state.stat().st_mode & 0o777 == 0o600
    clock.now += 1
    attempt(PASSWORD)  # waited: the right password works and clears the count
    attempt(PASSWORD)


def test_a_damaged_state_file_starts_afresh(tmp_path: Path) -> None:
    state = tmp_path / "admin_attempts.json"
    state.write_text("{not json")
    t = AdminThrottle(clock=Clock(), state_file=state)
    assert t.check("cli:1", PASSWORD, PASSWORD) is True


# -- the app's client: keys the client cannot change -----------------------------------------------
def test_a_wrong_password_counts_on_every_key_and_any_waiting_key_holds() -> None:
    clock = Clock()
    t = throttle(clock, free_failures=0, base_delay=30)
    assert t.check(("shared", "ip:203.0.113.7"), "wrong", PASSWORD) is False
    for other in (("shared",), ("shared", "ip:198.51.100.1"), "shared"):  # a new address: same wait
        with pytest.raises(TooManyAttempts):
            t.check(other, PASSWORD, PASSWORD)
    assert t.wait_seconds(("ip:198.51.100.1", "shared")) == 30
    with pytest.raises(TooManyAttempts):
        t.check("ip:203.0.113.7", PASSWORD, PASSWORD)  # its own address was counted too
    assert t.check("ip:192.0.2.1", PASSWORD, PASSWORD) is True  # an unrelated client is not held


@pytest.mark.parametrize(
    ("address", "headers", "expected"),
    [
        (None, [], ("local-or-forwarded",)),  # Streamlit's view of 127.0.0.1 and ::1
        ("127.0.0.1", [], ("local-or-forwarded",)),
        ("127.8.0.1", ["Cookie"], ("local-or-forwarded",)),
        ("::1", [], ("local-or-forwarded",)),
        ("::ffff:127.0.0.1", [], ("local-or-forwarded",)),
        ("203.0.113.7", ["X-Forwarded-For"], ("local-or-forwarded", "ip:203.0.113.7")),
        ("203.0.113.7", ["x-real-ip"], ("local-or-forwarded", "ip:203.0.113.7")),
        ("203.0.113.7", ["FORWARDED"], ("local-or-forwarded", "ip:203.0.113.7")),
        ("203.0.113.7", ["Cookie", "User-Agent"], ("ip:203.0.113.7",)),  # a direct remote client
        ("2001:db8::7", [], ("ip:2001:db8::/64",)),  # an IPv6 client by its /64
        ("not-an-address", [], ("local-or-forwarded",)),
    ],
)
def test_the_app_names_a_client_by_what_it_cannot_change(address, headers, expected) -> None:
    from ui.auth import client_keys

    assert client_keys(address, headers) == expected


def test_a_client_is_its_network_not_the_address_it_picked() -> None:
    from agent.wiring.access import LOOPBACK_CLIENTS, client_network

    for loopback in ("127.0.0.1", "127.0.0.2", "127.1.2.3", "::1", "::ffff:127.0.0.9", "not an address"):
        assert client_network(loopback) == LOOPBACK_CLIENTS, loopback
    # an IPv6 host can pick any address of its /64: all of them are one client
    assert client_network("fd77::1") == client_network("fd77::25") == client_network("fd77::ffff:1")
    assert client_network("fd77::1") != client_network("fd77:0:0:1::1")
    assert client_network("192.0.2.7") != client_network("192.0.2.8")
    assert client_network("::ffff:192.0.2.7") == client_network("192.0.2.7")


def test_the_app_counts_an_ipv6_client_by_its_network() -> None:
    from ui.auth import client_keys

    assert client_keys("fd77::10", []) == client_keys("fd77::25", [])
    assert client_keys("127.0.0.2", []) == client_keys(None, []) == client_keys("::1", [])
