"""The software and hardware a result was measured on, for JSON files and ``jaxnn info``."""

from __future__ import annotations

import os
import platform
from typing import Any


def environment() -> dict[str, Any]:
    """Versions of jaxnn, JAX, jaxlib, optax, NumPy and Python; the platform, JAX's backend and
    devices, the CPU count and whether 64-bit mode is on.

    Examples:
        >>> env = environment()
        >>> sorted(env)[:3]
        ['backend', 'cpu_count', 'devices']
    """
    import jax
    import jaxlib
    import numpy as np
    import optax

    from jaxnn import __version__

    return {
        "jaxnn": __version__,
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "cpu_count": os.cpu_count(),
        "x64": bool(jax.config.jax_enable_x64),
    }
