"""The exit codes of every `api-actions` command: one per kind of failure, the same everywhere.

| code | meaning |
| --- | --- |
| 0 | done |
| 1 | the command could not do its work: a file missing or unreadable, a source unreachable, storage failing or its secret key missing; `test`: the call's outcome is not ok |
| 2 | bad input: a file or argument that is not what the command takes (every problem said) |
| 3 | refused: the admin password is needed and was not given, or is wrong |
| 130 | interrupted (Ctrl-C) |

argparse's own usage errors exit 2 as well: they are bad input too.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_DENIED = 3
EXIT_INTERRUPTED = 130

__all__ = ["EXIT_DENIED", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK"]
