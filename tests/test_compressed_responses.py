"""A compressed response is capped on its decompressed bytes, as they are decompressed.

Servers may send a compressed body although the executor asks for `identity`. A 200 KB gzip
of zeros is 200 MB once decompressed; decompressing a network chunk whole before the size cap
counts it held hundreds of megabytes for a 256 KB cap. Each encoding the installed libraries
decode (gzip, deflate with and without its zlib wrapper, zstd) is tried as a bomb from a real
local server: the outcome says the body is too large, and the memory Python allocated during
the call stays within a few times the cap (traced allocations, not time). Memory at scale is
measured by `benchmarks/response_memory.py`.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
import zstandard
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind

CAP = ExecutorSettings().max_response_bytes
BOMB_BYTES = 200 * 2**20
"""What each bomb decompresses to: 200 MB of zeros."""


def _deflate_raw(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _zeros(size: int) -> bytes:
    return bytes(size)


ENCODERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": ("gzip", lambda d: gzip.compress(d, 9)),
    "gzip upper case": ("GZIP", lambda d: gzip.compress(d, 9)),
    "deflate (zlib)": ("deflate", lambda d: zlib.compress(d, 9)),
    "deflate (raw)": ("deflate", _deflate_raw),
    "zstd": ("zstd", lambda d: zstandard.ZstdCompressor(level=19).compress(d)),
    "x-gzip": ("x-gzip", lambda d: gzip.compress(d, 9)),
    "two gzip members": (
        "gzip",
        lambda d: gzip.compress(d[: len(d) // 2], 9) + gzip.compress(d[len(d) // 2 :], 9),
    ),
    # members that decode to nothing are passed over, not taken for the end of the body
    "empty gzip members, then the data": (
        "gzip",
        lambda d: gzip.compress(b"", 9, mtime=0) * 3 + gzip.compress(d, 9, mtime=0),
    ),
}

_BOMBS: dict[str, bytes] = {}


def _bomb(name: str) -> bytes:
    if name not in _BOMBS:
        _BOMBS[name] = ENCODERS[name][1](_zeros(BOMB_BYTES))
    return _BOMBS[name]


def _app(bodies: dict[str, tuple[bytes, str]]) -> Starlette:
    async def send(request: Request) -> Response:
        body, encoding = bodies[request.path_params["name"]]
        return Response(body, media_type="application/json", headers={"Content-Encoding": encoding})

    return Starlette(routes=[Route("/r/{name}", send)])


async def _call(base: str, name: str):
    settings = ExecutorSettings(allow_hosts=(base.split("://")[1],))
    async with ActionExecutor(settings, StaticSecrets({})) as ex:
        action = ActionDefinition.model_validate({"name": "probe", "url": f"{base}/r/{name}", "trigger": "x"})
        tracemalloc.start()
        try:
            outcome = await ex.execute(action, {})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return outcome, peak


@pytest.mark.parametrize("name", list(ENCODERS))
async def test_a_compression_bomb_is_cut_at_the_cap_as_it_is_decompressed(name: str) -> None:
    encoding = ENCODERS[name][0]
    with serve(_app({name: (_bomb(name), encoding)})) as base:
        outcome, peak = await _call(base, name)
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE and outcome.truncated, outcome.summary
    assert "too large" in outcome.summary
    assert peak < 8 * CAP, f"{peak / 2**20:.1f} MB allocated during the call"


@pytest.mark.parametrize("name", list(ENCODERS))
async def test_a_compressed_answer_under_the_cap_is_read_whole(name: str) -> None:
    document = {"items": [{"id": i, "note": "x" * 40} for i in range(1500)]}  # ~90 KB
    encoding, encode = ENCODERS[name]
    with serve(_app({name: (encode(json.dumps(document).encode()), encoding)})) as base:
        outcome, _ = await _call(base, name)
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data == document and not outcome.truncated


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"this is not gzip at all"),
        ("zstd", b"\x28\xb5\x2f\xfd broken"),
        ("gzip, gzip", gzip.compress(gzip.compress(b'{"a": 1}', mtime=0), mtime=0)),
        ("compress", b"\x1f\x9d\x90 lzw"),
        ("br", b"\x0b\x02\x80{}\x03"),
    ],
)
async def test_an_encoding_that_cannot_be_decoded_is_an_invalid_response(encoding: str, body: bytes) -> None:
    with serve(_app({"x": (body, encoding)})) as base:
        outcome, _ = await _call(base, "x")
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE, outcome.summary
    assert "content encoding" in outcome.summary
