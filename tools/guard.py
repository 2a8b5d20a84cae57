"""The destination guard: which addresses an action may connect to (SSRF protection).

The guard works on the host and port the HTTP client parsed, never on URL text of its own, so
the two cannot disagree about where a request goes. It fails closed:

* only `http` and `https`;
* the port must be allowed (`allowed_ports`, or named in an `allow_hosts` entry);
* the host is resolved once, and *every* resolved address must pass `address_problem`: a
  deny-list wider than `ipaddress.is_private` (loopback, private, link-local, cloud metadata,
  CGNAT, unique-local, multicast, reserved, benchmarking, documentation, ...), with IPv4 embedded
  in IPv6 wrappers (IPv4-mapped, NAT64, 6to4, Teredo) unwrapped and checked itself;
* legacy numeric host spellings (`2130706433`, `0x7f.1`, `017700000001`) are read the way a
  C resolver reads them, so they are checked as the address they really are.

The caller then connects to the returned address, with no second lookup, so an answer that
changes between the check and the connection (DNS rebinding) cannot matter.

An `allow_hosts` entry (`host` or `host:port`, matched exactly) is the only way to reach a
private address, e.g. an internal API on 127.0.0.1. Cloud metadata endpoints stay blocked even
then: no action ever needs them, and they hold credentials.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from .errors import ActionsError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
DEFAULT_PORTS = {"http": 80, "https": 443}

_N = ipaddress.ip_network
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "168.63.129.16", "100.100.100.200")
)
"""Cloud instance metadata / platform endpoints (AWS, ECS, Azure, Alibaba): always blocked."""

DENIED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (_N("0.0.0.0/8"), "an unspecified ('this network') address"),
    (_N("10.0.0.0/8"), "a private address"),
    (_N("100.64.0.0/10"), "a carrier-grade NAT (shared) address"),
    (_N("127.0.0.0/8"), "a loopback address"),
    (_N("169.254.0.0/16"), "a link-local address"),
    (_N("172.16.0.0/12"), "a private address"),
    (_N("192.0.0.0/24"), "an IETF protocol assignment address"),
    (_N("192.0.2.0/24"), "a documentation address"),
    (_N("192.88.99.0/24"), "a 6to4 relay anycast address"),
    (_N("192.168.0.0/16"), "a private address"),
    (_N("198.18.0.0/15"), "a benchmarking address"),
    (_N("198.51.100.0/24"), "a documentation address"),
    (_N("203.0.113.0/24"), "a documentation address"),
    (_N("224.0.0.0/4"), "a multicast address"),
    (_N("240.0.0.0/4"), "a reserved address"),
    (_N("::/128"), "an unspecified address"),
    (_N("::1/128"), "a loopback address"),
    (_N("::/96"), "an IPv4-compatible (deprecated) address"),
    (_N("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (_N("100::/64"), "a discard-only address"),
    (_N("2001:2::/48"), "a benchmarking address"),
    (_N("2001:10::/28"), "an ORCHID address"),
    (_N("2001:db8::/32"), "a documentation address"),
    (_N("fc00::/7"), "a unique-local address"),
    (_N("fe80::/10"), "a link-local address"),
    (_N("fec0::/10"), "a site-local (deprecated) address"),
    (_N("ff00::/8"), "a multicast address"),
)
_NAT64 = _N("64:ff9b::/96")


class DestinationError(ActionsError):
    """The guard refused or could not resolve a destination; the message is safe to show."""


class DestinationBlocked(DestinationError):
    """The destination is not allowed (scheme, port or address)."""


class HostNotFound(DestinationError):
    """The host name did not resolve (DNS failure)."""


@dataclass(frozen=True)
class GuardPolicy:
    allow_hosts: tuple[str, ...] = ()
    """`host` or `host:port` entries that may resolve to private addresses (exact match)."""
    allowed_ports: frozenset[int] = frozenset({80, 443, 8080, 8443})
    """Ports any public host may use; an `allow_hosts` entry with a port opens that port too."""
    _entries: frozenset[tuple[str, int | None]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_entries", frozenset(_parse_entry(e) for e in self.allow_hosts))

    def host_allowed(self, host: str, port: int) -> bool:
        host = normalize_host(host)
        return (host, port) in self._entries or (host, None) in self._entries

    def port_allowed(self, host: str, port: int) -> bool:
        return port in self.allowed_ports or (normalize_host(host), port) in self._entries

    def only_for(self, host: str) -> GuardPolicy:
        """This policy with its allow-list narrowed to the entries for `host` (any port): the
        policy for the redirects of a request that started there."""
        host = normalize_host(host)
        kept = tuple(e for e in self.allow_hosts if _parse_entry(e)[0] == host)
        return GuardPolicy(allow_hosts=kept, allowed_ports=self.allowed_ports)


@dataclass(frozen=True)
class Destination:
    """A checked destination: connect to `addresses` (in order), send `Host`/SNI for `host`."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    """Every resolved address, each one checked; the caller connects to these only."""
    allowlisted: bool

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _parse_entry(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]` or `[v6]:port`; ValueError names a malformed entry."""
    text = entry.strip().lower()
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not normalize_host(host) or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError(f"allow-host entry {entry!r} must be host or host:port")
    return normalize_host(host), int(port) if port else None


# -- addresses ---------------------------------------------------------------------------------


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host spells, including legacy IPv4 forms (decimal, octal, hex, short).

    Raises `DestinationBlocked` for a host that looks numeric but is no valid address, since
    resolvers differ on how to read those.
    """
    host = normalize_host(host)
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    parts = host.split(".")
    if not _looks_numeric(parts[-1]):
        return None  # a name; like the URL standard, a host ending in a number is an address
    try:
        values = [
            int(p, 16) if p.startswith("0x") else int(p, 8) if p.startswith("0") and len(p) > 1 else int(p)
            for p in parts
        ]
    except ValueError:
        raise DestinationBlocked(f"host {host!r} is not a valid IP address") from None
    if len(values) > 4 or any(v > 255 for v in values[:-1]):
        raise DestinationBlocked(f"host {host!r} is not a valid IP address")
    if values[-1] >= 256 ** (5 - len(values)):
        raise DestinationBlocked(f"host {host!r} is not a valid IP address")
    number = 0
    for v in values[:-1]:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + values[-1]
    return ipaddress.IPv4Address(number)


def _looks_numeric(label: str) -> bool:
    if label.startswith("0x"):
        return all(c in "0123456789abcdef" for c in label[2:])
    return label.isdigit() and label.isascii()


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: IPv4-mapped, NAT64, 6to4, Teredo."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def address_problem(ip: IPAddress, *, allowlisted: bool = False) -> str | None:
    """Why the guard refuses `ip`, or None when it may be contacted."""
    ip = _strip_scope(ip)
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata endpoint"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _N("64:ff9b:1::/48"):
            return f"{ip} is a local-use NAT64 address"
        inner = embedded_ipv4(ip)
        for v4 in inner:
            problem = address_problem(v4, allowlisted=allowlisted)
            if problem:
                return f"{ip} embeds {problem}"
        if inner:
            return None
    if allowlisted:
        return None
    for network, label in DENIED_NETWORKS:
        if ip.version == network.version and ip in network:
            return f"{ip} is {label}"
    if not ip.is_global or ip.is_reserved or ip.is_multicast:
        return f"{ip} is not a public address"
    return None


# -- destinations ------------------------------------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the event loop's getaddrinfo (in a thread, never blocking the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_destination(
    scheme: str, host: str, port: int | None, policy: GuardPolicy, resolver: Resolver | None = None
) -> Destination:
    """Resolve `host` once and check every address; raise `DestinationError` when refused."""
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise DestinationBlocked(f"scheme {scheme!r} is not allowed (only http and https)")
    host = normalize_host(host)
    if not host:
        raise DestinationBlocked("the URL has no host")
    port = port or DEFAULT_PORTS[scheme]
    allowlisted = policy.host_allowed(host, port)
    if not policy.port_allowed(host, port):
        allowed = ", ".join(map(str, sorted(policy.allowed_ports)))
        raise DestinationBlocked(
            f"port {port} is not allowed (allowed: {allowed}; add "
            "host:port to the allow-list for another port)"
        )
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        addresses = await _resolve(host, port, resolver or system_resolver)
    for ip in addresses:
        problem = address_problem(ip, allowlisted=allowlisted)
        if problem:
            raise DestinationBlocked(_blocked_message(host, literal, problem))
    checked = tuple(dict.fromkeys(str(_strip_scope(ip)) for ip in addresses))
    return Destination(scheme, host, port, checked, allowlisted)


def _blocked_message(host: str, literal: IPAddress | None, problem: str) -> str:
    if literal is not None:
        return f"destination {problem}"
    return f"host {host!r} resolves to a forbidden address: {problem}"


def _strip_scope(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    return ip


async def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        answers: Iterable[str] = await resolver(host, port)
    except (socket.gaierror, socket.herror, UnicodeError) as exc:
        raise HostNotFound(f"could not resolve host {host!r} ({_gai_reason(exc)})") from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(answer))
        except ValueError:
            raise DestinationBlocked(f"host {host!r} resolved to a non-address answer") from None
    if not addresses:
        raise HostNotFound(f"could not resolve host {host!r} (no addresses)")
    return addresses


def _gai_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and len(exc.args) > 1:
        return str(exc.args[1])
    return type(exc).__name__
