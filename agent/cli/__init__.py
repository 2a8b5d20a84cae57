"""The `api-actions` command line: `main.py` builds the parser, one module per verb group."""
