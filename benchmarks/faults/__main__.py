"""``python -m benchmarks.faults``: run the fault matrix."""

import sys

from .matrix import main

sys.exit(main())
