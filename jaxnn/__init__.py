"""jaxnn: a small functional deep-learning and optimization library in JAX.

jaxnn follows chapters 8 and 9 of the textbook *모두의 딥러닝* (Deep Learning for Everyone, 2nd
ed., Gilbut) and a lecture on them: backpropagation by hand on XOR, vanishing gradients and
activations, and the optimizers of the book's Table 9-1. Parameters are pytrees, functions are
pure, optimizers are ``(init, update)`` pairs written by hand and proven step for step against
optax. Start with :mod:`jaxnn.nn` (MLPs), :mod:`jaxnn.losses`, :mod:`jaxnn.optim` and
:mod:`jaxnn.activations`; :mod:`jaxnn.train` runs compiled training loops and
:mod:`jaxnn.backprop` writes the chain rule out by hand.

Submodules are imported on first use (PEP 562): ``import jaxnn`` does not import JAX, so the
``jaxnn`` command answers ``--help`` at once; ``jaxnn.nn``, ``jaxnn.validate``,
``jaxnn.experiments`` and the rest load when first touched.

Examples:
    >>> import jax, jaxnn
    >>> params = jaxnn.nn.init_mlp(jax.random.key(0), [2, 4, 1])
    >>> jaxnn.nn.mlp(params, jax.numpy.zeros(2)).shape
    (1,)
    >>> jaxnn.validate.__name__
    'jaxnn.validate'
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("jaxnn")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

# Public submodules, imported on first attribute access.
_SUBMODULES = (
    "activations",
    "backprop",
    "checkpoint",
    "data",
    "diagnostics",
    "experiments",
    "losses",
    "nn",
    "optim",
    "parallel",
    "plot",
    "report",
    "study",
    "surfaces",
    "sweep",
    "tour",
    "train",
    "validate",
)
# Names re-exported from a submodule: name -> module.
_NAMES = {"init_mlp": "nn", "mlp": "nn", "Optimizer": "optim", "apply_updates": "optim"}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from jaxnn import activations, backprop, data, diagnostics, losses, nn, optim, surfaces, train
    from jaxnn.nn import init_mlp, mlp
    from jaxnn.optim import Optimizer, apply_updates


def __getattr__(name: str) -> Any:
    """Imports a submodule (or a re-exported name) the first time it is used (PEP 562)."""
    if name in _NAMES:
        value = getattr(importlib.import_module(f"jaxnn.{_NAMES[name]}"), name)
    elif name in _SUBMODULES:
        try:
            value = importlib.import_module(f"jaxnn.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"jaxnn.{name}":  # a real missing dependency inside the module
                raise
            raise AttributeError(f"module 'jaxnn' has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module 'jaxnn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES, *_NAMES})


__all__ = [
    "Optimizer",
    "__version__",
    "activations",
    "apply_updates",
    "backprop",
    "data",
    "diagnostics",
    "init_mlp",
    "losses",
    "mlp",
    "nn",
    "optim",
    "surfaces",
    "train",
]
