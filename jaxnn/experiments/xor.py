"""Ch. 8: the book's XOR backpropagation run, reproduced and compiled (the book's ch. 8).

The procedure of the book's companion code (2nd edition, XOR backpropagation), as
EXPERIMENTS.md describes it:

- data: [0, 0] -> 0, [0, 1] -> 1, [1, 0] -> 1, [1, 1] -> 0, always in this order;
- network 2-2-1: the inputs plus a constant 1.0 feed 2 hidden units (a hidden bias), which feed
  1 output with no bias; the same activation (tanh) in both layers;
- initial weights: Python's ``random`` seeded with 777, ``random.random()`` for each weight, in
  the order input weights row by row (3 rows x 2: inputs, then the bias row), then the 2 output
  weights;
- error per sample ``E = 0.5 (t - o)^2``; online updates, one sample at a time; 5000 epochs;
- the printed error of an epoch is the sum of its 4 samples' errors, each measured before that
  sample's update.

With ``G_t = dE/dw`` the true gradient of the current sample, the update rules are

    book:      w <- w + lr G_t - momentum G_{t-1}      (G_0 = 0; the book's printed rule: the
                                                        learning-rate term has the wrong sign)
    momentum:  v <- momentum v - lr G_t;  w <- w + v   (classic momentum, the corrected rule:
                                                        jaxnn.optim.momentum(lr, momentum))
    gd:        w <- w - lr G_t                         (plain gradient descent)

The book's rule still trains because 0.4 > 0.1: the ``- 0.4 G_{t-1}`` term descends, and while
the gradient changes slowly the rule acts like gradient descent with step 0.4 - 0.1 = 0.3 (its
error curve follows ``rule="gd", lr=0.3``). With the coefficient 0 it is gradient *ascent* and
the error climbs.

Examples:
    >>> import jax
    >>> from jaxnn.experiments import xor_book
    >>> with jax.enable_x64(True):                   # the book's Python floats
    ...     result = xor_book()                      # rule="book", tanh, lr 0.1, momentum 0.4
    >>> print(" ".join(f"{e:.5f}" for e in result.errors[::500]))
    0.66537 0.00263 0.00088 0.00051 0.00036 0.00027 0.00022 0.00018 0.00016 0.00014
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn import activations as _act
from jaxnn import backprop
from jaxnn._validation import (
    check_choice,
    check_dtype,
    check_int,
    check_nonnegative,
    check_positive,
    check_unit_interval,
)
from jaxnn.nn import mlp

__all__ = [
    "RULES",
    "XOR_INPUTS",
    "XOR_TARGETS",
    "XorResult",
    "XorVariant",
    "book_initial_params",
    "xor_book",
    "xor_book_variants",
    "xor_verdict",
]

XOR_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
"""The 4 XOR inputs in the book's order."""
XOR_TARGETS = (0.0, 1.0, 1.0, 0.0)
"""Their targets."""

RULES: dict[str, str] = {
    "book": "w <- w + lr*G_t - momentum*G_{t-1}  (the book's printed rule, sign error included)",
    "momentum": "v <- momentum*v - lr*G_t; w <- w + v  (classic momentum, the corrected rule)",
    "gd": "w <- w - lr*G_t  (plain gradient descent)",
}
"""The update rules of :func:`xor_book`, with ``G_t = dE/dw`` of the current sample."""

METHODS = ("manual", "autodiff")


class XorResult(NamedTuple):
    """Result of :func:`xor_book`.

    Attributes:
        errors: ``(epochs,)`` summed error of each epoch: ``errors[i]`` is the sum over the 4
            samples of ``0.5 (t - o)^2``, each measured before its own update (the book prints
            ``errors[0], errors[500], ..., errors[4500]``).
        predictions: ``(4,)`` the outputs for the 4 inputs after training.
        params: the trained network ``[{"w": (2, 2), "b": (2,)}, {"w": (2, 1)}]``.
        initial_params: the network before training (the book's random weights).
        rule, activation, lr, momentum, epochs, seed: the settings of the run.
    """

    errors: jax.Array
    predictions: jax.Array
    params: list
    initial_params: list
    rule: str
    activation: str
    lr: float
    momentum: float
    epochs: int
    seed: int


def book_initial_params(seed: int = 777, dtype: Any = None) -> list[dict[str, jax.Array]]:
    """The book's initial weights: ``random.random()`` draws in the book's order.

    A private ``random.Random(seed)`` gives the same numbers as ``random.seed(seed)`` followed by
    ``random.random()`` calls, without touching the global generator. The draws fill the 3 x 2
    input matrix row by row (input 1, input 2, then the bias row), then the 2 x 1 output matrix.

    Args:
        seed: the seed of Python's ``random`` (default 777, the book's).
        dtype: the float dtype (default: float64 when x64 is enabled, float32 otherwise).

    Returns:
        ``[{"w": (2, 2), "b": (2,)}, {"w": (2, 1)}]`` (no output bias).

    Examples:
        >>> import random
        >>> params = book_initial_params(777)
        >>> rng = random.Random(777)
        >>> first = rng.random()                     # weight input 1 -> hidden 1
        >>> bool(abs(float(params[0]["w"][0, 0]) - first) < 1e-7)
        True
    """
    check_int("seed", seed)
    dtype = jnp.result_type(float) if dtype is None else check_dtype("dtype", dtype)
    rng = random.Random(seed)
    w_in = [[rng.random() for _ in range(2)] for _ in range(3)]
    w_out = [[rng.random()] for _ in range(2)]
    return [
        {"w": jnp.asarray(w_in[:2], dtype), "b": jnp.asarray(w_in[2], dtype)},
        {"w": jnp.asarray(w_out, dtype)},
    ]


def _sample_value_and_grad(params, x, t, activation: str, method: str):
    """``E = 0.5 (t - o)^2`` of one sample and its gradient ``G = dE/dw``."""
    if method == "manual":
        return backprop.value_and_grad(
            params, x, t, activation=activation, output_activation=activation, loss="sse_half"
        )

    def error(p):
        o = mlp(p, x, activation=activation, output_activation=activation)
        return 0.5 * jnp.sum((t - o) ** 2)

    return jax.value_and_grad(error)(params)


def _apply_rule(rule: str, params, grads, state, lr, momentum):
    """One update; ``state`` is G_{t-1} (book), the velocity v (momentum) or None (gd)."""
    if rule == "book":
        # w <- w + lr G_t - momentum G_{t-1}; keep G_t for the next sample
        new = jax.tree.map(
            lambda w, g, g_prev: w + (lr * g - momentum * g_prev), params, grads, state
        )
        return new, grads
    if rule == "momentum":
        # v <- momentum v - lr G_t; w <- w + v
        velocity = jax.tree.map(lambda v, g: momentum * v - lr * g, state, grads)
        return jax.tree.map(lambda w, v: w + v, params, velocity), velocity
    # w <- w - lr G_t
    return jax.tree.map(lambda w, g: w - lr * g, params, grads), state


def _train(params, lr, momentum, *, rule: str, activation: str, epochs: int, method: str):
    dtype = params[0]["w"].dtype
    inputs = jnp.asarray(XOR_INPUTS, dtype)
    targets = jnp.asarray(XOR_TARGETS, dtype)[:, None]
    state = None if rule == "gd" else jax.tree.map(jnp.zeros_like, params)

    def epoch(carry, _):
        params, state = carry
        total = jnp.zeros((), dtype)
        for i in range(4):  # online: one sample at a time, in the fixed order (unrolled)
            error, grads = _sample_value_and_grad(params, inputs[i], targets[i], activation, method)
            total = total + error  # measured before this sample's update
            params, state = _apply_rule(rule, params, grads, state, lr, momentum)
        return (params, state), total

    # unroll=4: four epochs (16 tiny updates) per loop iteration cut XLA:CPU's per-iteration
    # cost (measured 1.5x faster; the arithmetic, and so every number, is the same)
    (params, _), errors = jax.lax.scan(epoch, (params, state), None, length=epochs, unroll=4)
    predictions = mlp(params, inputs, activation=activation, output_activation=activation)
    return errors, predictions[:, 0], params


_train_jit = jax.jit(_train, static_argnames=("rule", "activation", "epochs", "method"))


def xor_book(
    *,
    rule: str = "book",
    activation: str = "tanh",
    lr: float = 0.1,
    momentum: float = 0.4,
    epochs: int = 5000,
    seed: int = 777,
    method: str = "manual",
) -> XorResult:
    """The book's XOR backpropagation run (2-2-1, online updates), compiled with ``lax.scan``.

    See the module docstring for the procedure. With ``G_t = dE/dw`` of the current sample and
    ``E = 0.5 (t - o)^2``::

        rule="book":     w <- w + lr G_t - momentum G_{t-1}     (G_0 = 0)
        rule="momentum": v <- momentum v - lr G_t;  w <- w + v  (v_0 = 0)
        rule="gd":       w <- w - lr G_t                        (momentum unused)

    The whole run (``4 * epochs`` updates) is one compiled program; calls that differ only in
    ``lr``, ``momentum`` or ``seed`` reuse it. Results are float64 when x64 is enabled
    (``jax.enable_x64(True)``, the book's Python floats) and float32 otherwise.

    Args:
        rule: ``"book"`` (default), ``"momentum"`` or ``"gd"``, see :data:`RULES`.
        activation: the activation of both layers, ``"tanh"`` (default, the book's) or
            ``"sigmoid"`` (the book's other choice); any :func:`jaxnn.activations.names` works.
        lr: learning rate (default 0.1), > 0.
        momentum: the coefficient (default 0.4); >= 0 for ``"book"``, in [0, 1) for
            ``"momentum"``.
        epochs: passes over the 4 samples (default 5000), >= 1.
        seed: the seed of Python's ``random`` for the initial weights (default 777).
        method: ``"manual"`` (default: :mod:`jaxnn.backprop`) or ``"autodiff"`` (``jax.grad``);
            both give the same numbers.

    Returns:
        An :class:`XorResult` with ``errors`` ``(epochs,)``, ``predictions`` ``(4,)`` and the
        trained ``params``.

    Examples:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     r = xor_book()
        >>> r.errors.shape, r.errors.dtype
        ((5000,), dtype('float64'))
        >>> r.predictions.round(4)                   # targets 0, 1, 1, 0
        Array([6.000e-04, 9.890e-01, 9.890e-01, 2.100e-03], dtype=float64)
    """
    check_choice("rule", rule, tuple(RULES))
    check_choice("method", method, METHODS)
    if not isinstance(activation, str):
        raise TypeError(
            f"`activation` must be an activation name such as 'tanh' or 'sigmoid', got "
            f"activation={activation!r}."
        )
    _act.get(activation)  # unknown names: a ValueError listing the known ones
    check_positive("lr", lr, hint="The book uses lr=0.1.")
    if rule == "momentum":
        check_unit_interval("momentum", momentum, hint="The book uses momentum=0.4.")
    else:
        check_nonnegative("momentum", momentum, hint="The book uses momentum=0.4.")
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_int("seed", seed)
    initial = book_initial_params(seed)
    dtype = initial[0]["w"].dtype
    errors, predictions, params = _train_jit(
        initial,
        jnp.asarray(lr, dtype),
        jnp.asarray(momentum, dtype),
        rule=rule,
        activation=activation,
        epochs=epochs,
        method=method,
    )
    return XorResult(
        errors=errors,
        predictions=predictions,
        params=params,
        initial_params=initial,
        rule=rule,
        activation=activation,
        lr=float(lr),
        momentum=float(momentum),
        epochs=epochs,
        seed=seed,
    )


class XorVariant(NamedTuple):
    """One run of :func:`xor_book_variants`: a label, the result and a one-line verdict."""

    name: str
    result: XorResult
    verdict: str

    def summary(self) -> dict[str, Any]:
        """Plain numbers for a JSON file: name, rule and its formula, settings, first and last
        error, predictions (a list of 4) and verdict."""
        r = self.result
        return {
            "name": self.name,
            "rule": r.rule,
            "rule_formula": RULES[r.rule],
            "activation": r.activation,
            "lr": r.lr,
            "momentum": r.momentum,
            "first_error": float(r.errors[0]),
            "last_error": float(r.errors[-1]),
            "predictions": [float(p) for p in np.ravel(r.predictions)],
            "verdict": self.verdict,
        }


def xor_verdict(result: XorResult) -> str:
    """A one-line verdict on an :class:`XorResult`.

    It climbs (last error above the first), learns XOR (every prediction on the right side of
    0.5), or does not learn it (noting when every output stays within 0.1 of 0.5).

    Examples:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     print(xor_verdict(xor_book()))
        learns XOR: 4/4 correct, error 0.665 → 0.000124
    """
    if not isinstance(result, XorResult):
        raise TypeError(
            f"`result` must be the XorResult of xor_book(), got {type(result).__name__}."
        )
    errors = np.asarray(result.errors, dtype=float)
    predictions = np.asarray(result.predictions, dtype=float)
    first, last = errors[0], errors[-1]
    correct = int(np.sum((predictions > 0.5) == (np.asarray(XOR_TARGETS) > 0.5)))
    trend = f"error {first:.3g} → {last:.3g}"
    if not np.all(np.isfinite(errors)):
        return f"diverges: the error became non-finite ({trend})"
    if last > first:
        verdict = f"climbs: {trend}, {correct}/4 correct"
        if result.rule == "book" and result.momentum == 0:
            verdict += "; momentum 0 leaves w += lr*G: gradient ascent"
        return verdict
    if correct == 4:
        return f"learns XOR: 4/4 correct, {trend}"
    verdict = f"does not learn XOR: {correct}/4 correct, {trend}"
    if np.all(np.abs(predictions - 0.5) < 0.1):
        verdict += f"; outputs near 0.5 ({predictions.min():.3f}..{predictions.max():.3f})"
    return verdict


def xor_book_variants(
    *,
    epochs: int = 5000,
    seed: int = 777,
    lr: float = 0.1,
    momentum: float = 0.4,
    method: str = "manual",
) -> list[XorVariant]:
    """The book's run and the variants ch. 8 compares it with, each with a verdict.

    Same net, same initial weights, same online procedure:

    1. ``book``: the book's rule with ``momentum`` (the book's run);
    2. ``corrected``: classic momentum (the corrected rule);
    3. ``gd``: plain gradient descent;
    4. ``book, momentum 0``: the book's rule without its momentum term (it climbs);
    5. ``sigmoid``: the corrected rule with sigmoid in place of tanh.

    Args:
        epochs, seed, lr, momentum, method: as in :func:`xor_book`.

    Returns:
        A list of :class:`XorVariant` ``(name, result, verdict)`` in the order above.

    Examples:
        >>> import jax
        >>> with jax.enable_x64(True):
        ...     variants = xor_book_variants()
        >>> for v in variants:
        ...     print(v.name, "->", v.verdict)  # doctest: +NORMALIZE_WHITESPACE
        book -> learns XOR: 4/4 correct, error 0.665 → 0.000124
        corrected (momentum) -> learns XOR: 4/4 correct, error 0.679 → 0.000272
        gd -> learns XOR: 4/4 correct, error 0.681 → 0.00052
        book, momentum 0 ->
            climbs: error 0.683 → 1, 2/4 correct; momentum 0 leaves w += lr*G: gradient ascent
        sigmoid (corrected) ->
            does not learn XOR: 2/4 correct, error 0.658 → 0.502; outputs near 0.5 (0.500..0.501)
    """
    settings = [
        ("book", dict(rule="book", activation="tanh", momentum=momentum)),
        ("corrected (momentum)", dict(rule="momentum", activation="tanh", momentum=momentum)),
        ("gd", dict(rule="gd", activation="tanh", momentum=momentum)),
        ("book, momentum 0", dict(rule="book", activation="tanh", momentum=0.0)),
        ("sigmoid (corrected)", dict(rule="momentum", activation="sigmoid", momentum=momentum)),
    ]
    variants = []
    for name, kwargs in settings:
        result = xor_book(epochs=epochs, seed=seed, lr=lr, method=method, **kwargs)
        variants.append(XorVariant(name, result, xor_verdict(result)))
    return variants
