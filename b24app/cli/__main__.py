"""`python -m b24app.cli …` is the `b24app` command."""

import sys

from b24app.cli.main import main

sys.exit(main())
