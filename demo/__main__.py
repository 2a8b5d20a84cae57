"""`python -m demo`: serve the demo API on 127.0.0.1.

The port comes from $DEMO_API_PORT (default 8765) and the token from $DEMO_API_TOKEN
(default "demo-token").
"""

from __future__ import annotations

import os

import uvicorn

from .api import DEFAULT_TOKEN, create_app

DEFAULT_PORT = 8765


def main() -> None:
    port = int(os.environ.get("DEMO_API_PORT", DEFAULT_PORT))
    token = os.environ.get("DEMO_API_TOKEN") or DEFAULT_TOKEN
    uvicorn.run(create_app(token=token), host="127.0.0.1", port=port, log_level="info")


if __name__ == "__main__":
    main()
