"""jaxnn: a small functional deep-learning and optimization library in JAX.

Parameters are pytrees, functions are pure, optimizers are ``(init, update)`` pairs written by
hand and proven step for step against optax. Start with :mod:`jaxnn.nn` (MLPs),
:mod:`jaxnn.losses`, :mod:`jaxnn.optim` and :mod:`jaxnn.activations`; :mod:`jaxnn.train`
runs compiled training loops and :mod:`jaxnn.backprop` writes the chain rule out by hand.

Examples:
    >>> import jax, jaxnn
    >>> params = jaxnn.nn.init_mlp(jax.random.key(0), [2, 4, 1])
    >>> jaxnn.nn.mlp(params, jax.numpy.zeros(2)).shape
    (1,)
"""

from importlib.metadata import PackageNotFoundError, version

from jaxnn import activations, backprop, data, diagnostics, losses, nn, optim, surfaces, train
from jaxnn.nn import init_mlp, mlp
from jaxnn.optim import Optimizer, apply_updates

try:
    __version__ = version("jaxnn")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

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
