"""`python -m agent.cli ...`: the same as the `api-actions` script."""

import sys

from agent.cli.main import main

sys.exit(main())
