"""The work of reading one response body is bounded by the body's count of pieces, not only by
its bytes.

A body at the size cap can be cheap in bytes and dear in steps: 30,000 empty zstd frames (or
gzip members) each start a decoder, and a body sent in one-byte chunks is 256,000 events of
the HTTP parser, all on the event loop (1.9 s of CPU for one body). So a body may arrive in at
most `max_pieces(cap)` pieces and hold at most `MAX_FRAMES` compressed frames or members; past
either it is an `invalid_response` saying why, whatever its encoding. Bodies in fewer pieces are
read whole. Sent from a real server in another process, byte for byte
(`benchmarks/wire_bodies.py`); the time each shape holds the loop is measured by
`benchmarks/response_parsing.py`.
"""

from __future__ import annotations

import gzip
import json

import pytest
import zstandard

from benchmarks.wire_bodies import response, serve_raw
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import Outcome, OutcomeKind
from tools.response_body import MAX_FRAMES, max_pieces

CAP = ExecutorSettings().max_response_bytes
DOCUMENT = json.dumps({"items": [{"id": i, "note": "x" * 10} for i in range(600)]}).encode()  # ~19 KB
EMPTY_ZSTD = zstandard.ZstdCompressor().compress(b"")
EMPTY_GZIP = gzip.compress(b"", mtime=0)


def _zstd_frames(data: bytes, frames: int) -> bytes:
    """`data` in `frames` frames (the first ones empty when there is too little data)."""
    size = -(-len(data) // frames)
    parts = [data[i * size : (i + 1) * size] for i in range(frames)]
    return b"".join(zstandard.ZstdCompressor().compress(p) for p in parts)


BODIES = {
    "zstd-empty-frames": response(
        EMPTY_ZSTD * (MAX_FRAMES + 1) + zstandard.ZstdCompressor().compress(DOCUMENT), encoding="zstd"
    ),
    "zstd-30000-empty-frames": response(EMPTY_ZSTD * 30_000, encoding="zstd"),
    "gzip-empty-members": response(
        EMPTY_GZIP * (MAX_FRAMES + 1) + gzip.compress(DOCUMENT, mtime=0), encoding="gzip"
    ),
    "one-byte-chunks": response(DOCUMENT, chunk=1),
    "one-byte-chunks-gzip": response(gzip.compress(DOCUMENT, 0, mtime=0), encoding="gzip", chunk=1),
    # at the limits: read whole
    "zstd-frames-at-the-limit": response(_zstd_frames(DOCUMENT, MAX_FRAMES), encoding="zstd"),
    "gzip-members-at-the-limit": response(
        EMPTY_GZIP * (MAX_FRAMES - 1) + gzip.compress(DOCUMENT, mtime=0), encoding="gzip"
    ),
    "small-chunks": response(DOCUMENT, chunk=-(-len(DOCUMENT) // 2000)),
}


async def _call(base: str, name: str) -> Outcome:
    async with ActionExecutor(ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({})) as ex:
        action = ActionDefinition.model_validate({"name": "probe", "url": f"{base}/{name}", "trigger": "x"})
        return await ex.execute(action, {})


@pytest.fixture(scope="module")
def base():
    with serve_raw(BODIES) as url:
        yield url


@pytest.mark.parametrize("name", ["zstd-empty-frames", "zstd-30000-empty-frames", "gzip-empty-members"])
async def test_a_body_of_more_frames_than_the_limit_is_refused(base: str, name: str) -> None:
    outcome = await _call(base, name)
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE, outcome.summary
    assert f"more than {MAX_FRAMES} compressed frames" in outcome.summary
    assert outcome.data is None


@pytest.mark.parametrize("name", ["one-byte-chunks", "one-byte-chunks-gzip"])
async def test_a_body_in_more_pieces_than_the_limit_is_refused(base: str, name: str) -> None:
    outcome = await _call(base, name)
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE, outcome.summary
    assert f"more than {max_pieces(CAP)} pieces" in outcome.summary
    assert outcome.data is None


@pytest.mark.parametrize("name", ["zstd-frames-at-the-limit", "gzip-members-at-the-limit", "small-chunks"])
async def test_a_body_within_the_limits_is_read_whole(base: str, name: str) -> None:
    outcome = await _call(base, name)
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data == json.loads(DOCUMENT)


def test_the_piece_limit_grows_with_the_cap() -> None:
    assert max_pieces(CAP) >= 4096 and max_pieces(100 * CAP) >= 100 * CAP // 64
