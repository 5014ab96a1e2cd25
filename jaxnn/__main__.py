"""``python -m jaxnn``: the ``jaxnn`` command (see :mod:`jaxnn.cli`)."""

import sys

from jaxnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
