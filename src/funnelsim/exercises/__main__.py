"""``python -m funnelsim.exercises ...``: see :func:`funnelsim.exercises.main`."""

import sys

from funnelsim.exercises import main

sys.exit(main())
