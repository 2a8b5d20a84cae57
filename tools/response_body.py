"""Reading a response body up to the size cap, the cap counting decompressed bytes.

The executor asks for `identity`, but a server may compress anyway, and a few hundred KB of
gzip can hold hundreds of MB. httpx decompresses each network chunk whole before the reader
sees it, so the body is read raw here and decompressed with a bound on every step's output:
zlib's `max_length` for gzip (several members too) and deflate (with or without its zlib
wrapper), and input fed in slices small enough that one step cannot produce more than a few
hundred KB for zstd (whose decoder has no output bound). Reading stops as soon as the
decompressed bytes pass the cap (or the bytes received pass it by a sixteenth: a stream of
empty gzip members decodes to nothing forever). An encoding that is not one of these (or two encodings in a
row) is not decoded: `httpx.DecodingError`, which the executor reports as an invalid response.

The work is bounded by the body's count of pieces, not only by its bytes: every compressed frame
(zstd) or member (gzip) starts a decoder, and every piece the HTTP layer hands over (a chunk of
a chunked body, a network read) is a step of its parser, all on the event loop. 30,000 empty
zstd frames fit the cap and took 265 ms of CPU; a body in one-byte chunks, 1.9 s. So a body of
more than `MAX_FRAMES` frames or members, or more than `max_pieces(cap)` pieces, is refused
(`BodyRefused`, an invalid response saying which), and the reader gives the event loop a turn
whenever it has held it for `YIELD_SECONDS`.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Iterator
from typing import Protocol

import httpx

try:  # zstd only when the library httpx uses for it is installed
    import zstandard
except ImportError:  # pragma: no cover - it is a dependency of this project's lock
    zstandard = None  # type: ignore[assignment]

__all__ = ["MAX_FRAMES", "SUPPORTED_ENCODINGS", "BodyRefused", "max_pieces", "read_capped"]

MAX_FRAMES = 1024
"""Compressed frames (zstd) or members (gzip) one body may hold; a server that compresses
each write separately makes a few dozen."""
MIN_PIECES = 4096
"""Pieces a body may always arrive in (`max_pieces`)."""
YIELD_SECONDS = 0.005
"""The longest the reader holds the event loop between two turns it gives other tasks."""
FEED_BYTES = 16384
"""Raw bytes handed to a decoder in one step."""


def max_pieces(cap: int) -> int:
    """Pieces (chunks, network reads) a body read up to `cap` bytes may arrive in: 64 bytes
    each on average, and at least `MIN_PIECES`."""
    return max(MIN_PIECES, cap // 64)


class BodyRefused(Exception):
    """A body that would cost more work than its size allows; the text says why."""


ZSTD_SLICE_BYTES = 16
"""Compressed bytes fed to the zstd decoder per step: a block of at most 128 KB takes at least
4 bytes, so one step yields at most 512 KB."""
ZSTD_MAX_WINDOW = 8 * 2**20
"""A zstd frame asking for a larger window (memory the decoder would allocate) is refused."""


class _Decoder(Protocol):
    def push(self, data: bytes) -> None: ...

    def pull(self, limit: int) -> bytes:
        """At most `limit` decompressed bytes; b"" when it needs more input."""
        ...


class _Identity:
    def __init__(self) -> None:
        self._pending = b""

    def push(self, data: bytes) -> None:
        self._pending += data

    def pull(self, limit: int) -> bytes:
        out, self._pending = self._pending[:limit], self._pending[limit:]
        return out


class _Zlib:
    """gzip (every member) or deflate; a deflate body without its zlib wrapper is read raw."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._d = zlib.decompressobj(self._wbits)
        self._pending = b""
        self._started = b""  # the first bytes, kept until deflate knows it has its wrapper
        self._members = 1

    def push(self, data: bytes) -> None:
        self._pending += data
        if not self._gzip and self._wbits > 0:
            self._started += data

    def pull(self, limit: int) -> bytes:
        while self._pending:  # past members that decode to nothing (an empty gzip member)
            try:
                out = self._d.decompress(self._pending, limit)
            except zlib.error as exc:
                if self._gzip or self._wbits < 0 or not self._started:
                    raise httpx.DecodingError(str(exc)) from None
                self._wbits, self._d = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
                self._pending, self._started = self._started, b""
                continue
            self._started = b"" if out else self._started
            self._pending = self._d.unconsumed_tail
            next_member = False
            if self._d.eof:
                rest, self._pending = self._d.unused_data + self._pending, b""
                if self._gzip and rest.strip(b"\x00"):  # another member follows
                    self._members += 1
                    _count_frame(self._members)
                    self._d = zlib.decompressobj(self._wbits)
                    self._pending, next_member = rest, True
            if out or not next_member:
                return out
        return b""


class _Zstd:
    def __init__(self) -> None:
        assert zstandard is not None
        # one context for every frame: making a context per frame costs far more than a frame
        self._context = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._d = self._context.decompressobj()
        self._pending = b""
        self._held = b""
        self._frames = 1

    def push(self, data: bytes) -> None:
        self._pending += data

    def pull(self, limit: int) -> bytes:
        while len(self._held) < limit and self._pending:
            piece, self._pending = self._pending[:ZSTD_SLICE_BYTES], self._pending[ZSTD_SLICE_BYTES:]
            try:
                self._held += self._d.decompress(piece)
            except zstandard.ZstdError as exc:
                raise httpx.DecodingError(str(exc)) from None
            if self._d.eof:  # a frame ended: the next one (if any) starts a new decoder
                rest = self._d.unused_data + self._pending
                if rest:
                    self._frames += 1
                    _count_frame(self._frames)
                self._d = self._context.decompressobj()
                self._pending = rest
        out, self._held = self._held[:limit], self._held[limit:]
        return out


def _count_frame(count: int) -> None:
    if count > MAX_FRAMES:
        raise BodyRefused(f"the body has more than {MAX_FRAMES} compressed frames")


SUPPORTED_ENCODINGS = ("identity", "gzip", "x-gzip", "deflate") + (("zstd",) if zstandard else ())


def _decoder(header: str | None) -> _Decoder:
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) > 1:
        raise httpx.DecodingError(f"more than one content encoding ({header})")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "zstd" and zstandard is not None:
        return _Zstd()
    raise httpx.DecodingError(f"unsupported content encoding {coding!r}")


async def read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """At most `cap` decompressed bytes of the body, and whether there was more.

    Raises `httpx.DecodingError` for an encoding that cannot be decoded, `BodyRefused` for a
    body of too many pieces or frames."""
    decoder = _decoder(response.headers.get("content-encoding"))
    chunks: list[bytes] = []
    size = received = pieces = 0
    most_pieces = max_pieces(cap)
    held_since = time.perf_counter()
    async for raw in response.aiter_raw():
        pieces += 1
        if pieces > most_pieces:
            raise BodyRefused(f"the body came in more than {most_pieces} pieces")
        received += len(raw)
        if received > cap + cap // 16 + 1024:  # compressed bytes that decode to little or nothing
            return b"".join(chunks)[:cap], True
        for start in range(0, len(raw), FEED_BYTES):
            if time.perf_counter() - held_since > YIELD_SECONDS:
                await asyncio.sleep(0)  # a turn for every other task of the loop
                held_since = time.perf_counter()
            decoder.push(raw[start : start + FEED_BYTES])
            for out in _drain(decoder, cap - size + 1):
                chunks.append(out)
                size += len(out)
                if size > cap:
                    return b"".join(chunks)[:cap], True
    return b"".join(chunks), False


def _drain(decoder: _Decoder, limit: int) -> Iterator[bytes]:
    while limit > 0 and (out := decoder.pull(limit)):
        yield out
        limit -= len(out)
