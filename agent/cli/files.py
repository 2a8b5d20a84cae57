"""Reading the files named on the command line: the one reader of catalog and action files.

`validate`, `import`, `chat --actions` and `test` read what a user hands them, which may be
anything: not UTF-8, not JSON, JSON too deep or with a number Python will not convert, or JSON
of the wrong shape. Every such file ends here as `InputFileError`, one line that names the file,
instead of a traceback; the parsing itself is `storage.transfer.parse_catalog` (catalogs) and
`tools.json_text.parse_json` (any JSON), the same code the app and the library use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from storage.transfer import file_problem, parse_catalog
from tools.errors import ActionValidationError, JsonTextError
from tools.json_text import decode_utf8, parse_json

STDIN = "-"


class InputFileError(Exception):
    """A file the command was given cannot be read or is not what it takes (one line)."""

    def __init__(self, message: str, *, unreadable: bool = False):
        super().__init__(message)
        self.unreadable = unreadable
        """True when the file could not be read at all (missing, a directory, no permission)."""


def label(file: str) -> str:
    return "<stdin>" if file == STDIN else file


def read_bytes(file: str) -> bytes | str:
    """The content of `file`, or of standard input for '-' (text when stdin has no bytes)."""
    try:
        if file == STDIN:
            buffer = getattr(sys.stdin, "buffer", None)
            return buffer.read() if buffer is not None else sys.stdin.read()
        return Path(file).read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise InputFileError(f"cannot read {file}: {reason}", unreadable=True) from None


def read_text(file: str) -> str:
    """The content of `file` as UTF-8 text (a leading byte order mark is dropped)."""
    data = read_bytes(file)
    try:
        text = decode_utf8(data) if isinstance(data, bytes) else data
    except JsonTextError as exc:
        raise InputFileError(f"{label(file)}: {exc}") from None
    return text.removeprefix("\ufeff")


def read_json_file(file: str) -> Any:
    """The JSON value in `file`."""
    try:
        return parse_json(read_bytes(file))
    except JsonTextError as exc:
        raise InputFileError(f"{label(file)}: {exc}") from None


def read_catalog_file(file: str) -> list[Any]:
    """The raw action items of the catalog in `file`; validating them is the caller's."""
    return parse_catalog(read_catalog_document(file))


def read_catalog_document(file: str) -> list[Any] | dict[str, Any]:
    """The catalog in `file` as a whole: a JSON list of actions, or `{"auth", "actions"}`
    (`storage.transfer`); only its shape is checked here."""
    data = read_bytes(file)
    try:
        parse_catalog(data)  # the text's shape (a JSON string is no catalog, not a second text)
    except ActionValidationError as exc:  # parse_catalog only reports the file as a whole
        raise InputFileError(f"{label(file)}: {file_problem(exc) or exc}") from None
    return parse_json(data)
