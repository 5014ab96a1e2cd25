"""jaxnn optimizers against PyTorch's ``torch.optim`` in float64 (slow; runs when torch is there).

Each row runs the same update rule in both libraries for STEPS steps on the same gradients
(a function of the params, so a difference would grow) and bounds the largest relative
difference of the params. The bounds are what was measured (torch 2.13.0+cpu, jax 0.10.2;
``python -m pytest tests/test_optim_torch.py -m slow -s`` prints the figures): not bit for bit,
because torch fuses operations (``add_(x, alpha=a)`` rounds ``p + a * x`` once; Adam divides the
step size by ``1 - b1^t`` and the denominator by ``sqrt(1 - b2^t)`` separately), but a few
units in the last place of float64 (about 1e-16 relative per step).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn import optim

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow

STEPS = 100
SHAPE = (5, 3)


def _grad(p: np.ndarray, step: int) -> np.ndarray:
    """A gradient that depends on the params and the step (both libraries get the same one)."""
    return np.sin(3.0 * p) + 0.5 * p + 0.1 * np.cos(step + np.arange(p.size).reshape(p.shape))


def _run_torch(make, p0):
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    out = []
    for t in range(STEPS):
        opt.zero_grad()
        p.grad = torch.tensor(_grad(p.detach().numpy(), t), dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.stack(out)


def _run_jaxnn(opt, p0):
    p = jnp.asarray(p0, jnp.float64)
    state = opt.init(p)
    out = []
    for t in range(STEPS):
        g = jnp.asarray(_grad(np.asarray(p), t))
        u, state = opt.update(g, state, p)
        p = optim.apply_updates(p, u)
        out.append(np.asarray(p))
    return np.stack(out)


T = torch.optim
BOUNDS = (
    1e-15,
    1e-13,
)  # (after one step, whole run), relative to the params' scale; the measured figures are below these
CASES = {
    "sgd": (lambda p: T.SGD(p, lr=0.05), lambda: optim.sgd(0.05), BOUNDS),
    "sgd-momentum": (
        lambda p: T.SGD(p, lr=0.05, momentum=0.9),
        lambda: optim.sgd(0.05, momentum=0.9),
        BOUNDS,
    ),
    "momentum": (lambda p: T.SGD(p, lr=0.05, momentum=0.9), lambda: optim.momentum(0.05), BOUNDS),
    "nesterov": (
        lambda p: T.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        lambda: optim.nesterov(0.05, 0.9),
        BOUNDS,
    ),
    "sgd-weight-decay": (
        lambda p: T.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda: optim.chain(optim.add_decayed_weights(0.01), optim.sgd(0.05, 0.9)),
        BOUNDS,
    ),
    "adagrad": (
        lambda p: T.Adagrad(p, lr=0.05),
        lambda: optim.adagrad(0.05, 0.0, 1e-10, eps_in_sqrt=False),
        BOUNDS,
    ),
    "rmsprop": (
        lambda p: T.RMSprop(p, lr=0.01),
        lambda: optim.rmsprop(0.01, decay=0.99, eps=1e-8, eps_in_sqrt=False),
        BOUNDS,
    ),
    "adam": (lambda p: T.Adam(p, lr=0.01), lambda: optim.adam(0.01), BOUNDS),
    "adam-weight-decay": (
        lambda p: T.Adam(p, lr=0.01, weight_decay=0.01),
        lambda: optim.chain(optim.add_decayed_weights(0.01), optim.adam(0.01)),
        BOUNDS,
    ),
    "adamw": (
        lambda p: T.AdamW(p, lr=0.01),
        lambda: optim.adamw(0.01, weight_decay=0.01),
        BOUNDS,
    ),
    "adadelta": (lambda p: T.Adadelta(p), lambda: optim.adadelta(), BOUNDS),
}


def _max_rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def _normwise(a, b):
    """``max |a - b| / max |b|``: the difference in units of the params' scale."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jaxnn_equals_torch_in_float64_to_rounding(name, x64):
    make_torch, make_jaxnn, (first_bound, run_bound) = CASES[name]
    p0 = np.random.default_rng(0).normal(size=SHAPE)
    ref, ours = _run_torch(make_torch, p0), _run_jaxnn(make_jaxnn(), p0)
    first = _normwise(ours[0], ref[0])  # the params after one update
    run = _normwise(ours, ref)  # all STEPS params, relative to the params' size
    moved = _normwise(ref[-1], p0)
    print(f"\n{name}: after 1 step {first:.1e}, {STEPS}-step params {run:.1e} (moved {moved:.2f})")
    assert moved > 1e-2, "the run must move the params"
    assert first <= first_bound and run <= run_bound, (name, first, run)


def test_clip_grad_norm_caps_the_factor_at_one_unlike_optax(x64):
    """torch scales by ``min(1, max_norm / (n + 1e-6))``: a gradient below the threshold is
    unchanged (as in jaxnn/optax); above it, the factor uses ``n + 1e-6``, so the result's norm
    is ``max_norm * n / (n + 1e-6)``, ``1e-6 / n`` relative below jaxnn's exact ``max_norm``."""
    clip = optim.clip_by_global_norm(1.0)
    for scale in (0.5, 3.0):
        g = np.array([3.0, 4.0]) * scale / 5.0  # global norm = scale
        t = torch.tensor(g, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g, dtype=torch.float64)
        torch.nn.utils.clip_grad_norm_([t], max_norm=1.0)
        ours = np.asarray(clip.update(jnp.asarray(g), clip.init(None))[0])
        if scale < 1.0:
            np.testing.assert_array_equal(t.grad.numpy(), g)  # unchanged, bit for bit
            np.testing.assert_array_equal(ours, g)
        else:
            expected = g * (1.0 / (scale + 1e-6))
            np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-15)
            np.testing.assert_allclose(ours, g / scale, rtol=1e-15)
            rel = _max_rel(ours, t.grad.numpy())
            print(
                f"\nclip above threshold: relative difference {rel:.2e} (1e-6 / n = {1e-6 / scale:.2e})"
            )
            assert abs(rel - 1e-6 / scale) < 1e-9
