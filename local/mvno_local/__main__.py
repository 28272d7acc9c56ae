"""`python -m mvno_local`: what `make run` starts."""

import sys

from mvno_local.runner import main

sys.exit(main())
