"""Response bodies at the size cap as they travel on the wire, and a server that sends them.

Each shape is a whole HTTP/1.1 response (status line, headers, body bytes exactly as sent):
compressed bodies that decode to much or to nothing, a body in one-byte chunks, an HTML error
page and JSON nested deeply. `serve_raw` sends them from another process, so the server never
competes with the reader for the interpreter. Shared by `tests/test_response_body_work.py` and
`benchmarks/response_parsing.py`.
"""

from __future__ import annotations

import contextlib
import gzip
import multiprocessing
import socket
import zlib
from collections.abc import Callable, Iterator

import zstandard

from benchmarks.adversarial_bodies import ADVERSARIAL_SHAPES


def response(
    body: bytes,
    *,
    status: str = "200 OK",
    content_type: str = "application/json",
    encoding: str | None = None,
    chunk: int | None = None,
) -> bytes:
    """The bytes of a response: `body` whole with its length, or in chunks of `chunk` bytes."""
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if encoding:
        head.append(f"Content-Encoding: {encoding}")
    if chunk is None:
        head.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body
    head.append("Transfer-Encoding: chunked")
    pieces = [
        b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk]) for i in range(0, len(body), chunk)
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + b"".join(pieces) + b"0\r\n\r\n"


def _zstd_frames(count: int) -> bytes:
    return zstandard.ZstdCompressor().compress(b"") * count


def _gzip_members(count: int) -> bytes:
    return gzip.compress(b"", mtime=0) * count


WIRE_SHAPES: dict[str, Callable[[int], bytes]] = {
    "gzip bomb": lambda cap: response(gzip.compress(bytes(200 * cap), 9), encoding="gzip"),
    "gzip empty members": lambda cap: response(_gzip_members(cap // 20), encoding="gzip"),
    "deflate bomb": lambda cap: response(zlib.compress(bytes(200 * cap), 9), encoding="deflate"),
    "br": lambda cap: response(b"\x0b\x02\x80{}\x03" * (cap // 6), encoding="br"),
    "zstd bomb": lambda cap: response(
        zstandard.ZstdCompressor(level=19).compress(bytes(200 * cap)), encoding="zstd"
    ),
    "zstd many frames": lambda cap: response(_zstd_frames(cap // 9), encoding="zstd"),
    "1-byte chunks": lambda cap: response(b'{"v": "' + b"x" * (cap - 9) + b'"}', chunk=1),
    "html error page": lambda cap: response(
        ADVERSARIAL_SHAPES["nested-tags"](cap - 64).encode(),
        status="502 Bad Gateway",
        content_type="text/html",
    ),
    "deep json": lambda cap: response(b"[" * (cap // 2) + b"]" * (cap // 2)),
}
"""Each shape as a function of the size cap in bytes."""


def _serve(listener: socket.socket, bodies: dict[str, bytes]) -> None:
    while True:
        conn, _ = listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(65536)
                if not data:
                    break
                request += data
            path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
            with contextlib.suppress(OSError):
                conn.sendall(bodies.get(path.lstrip("/"), response(b"{}", status="404 Not Found")))
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):  # until the client closes: no reset under its reads
                    pass


@contextlib.contextmanager
def serve_raw(bodies: dict[str, bytes]) -> Iterator[str]:
    """Serve `bodies` (path without `/` -> whole response bytes) from a child process; yields
    the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(listener, bodies), daemon=True)
    process.start()
    listener.close()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(5)
