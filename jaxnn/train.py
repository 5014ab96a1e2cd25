"""Compiled training loops: full-batch gradient descent, SGD and minibatch SGD with :func:`fit`.

One update of parameters ``w`` with optimizer state ``s`` on a batch ``B``:

    loss, g = value_and_grad(loss_fn)(w, x_B, y_B)
    u, s = optimizer.update(g, s, w)
    w = w + u

``batch_size=None`` is full-batch gradient descent (one update per epoch on all ``n`` examples);
``batch_size=b`` is minibatch SGD (``b = 1`` is the book's SGD, chapter 9 of *Deep Learning for
Everyone*). Each epoch visits every example exactly once:

    key_e = fold_in(key, e)                           (epoch e's key, e = 0, 1, ...)
    order = permutation(key_e, n)                     (0 .. n-1 when shuffle=False)
    batches: order[0:b], order[b:2b], ...             (n // b full batches)
             order[(n // b) b : n]                    (a smaller last batch if b does not divide n)

The partial-batch rule: the last batch is *smaller*, never dropped and never padded, so every
example contributes exactly once per epoch and ``loss_fn`` always sees real examples only.

:func:`fit` is a thin driver over the training core (:mod:`jaxnn.engine`): chunks of whole epochs
run inside one compiled ``lax.while_loop`` over epochs of ``lax.scan`` over batches
(:func:`make_epoch`), with an exact fast shuffle, the batches gathered once per epoch and one
running finiteness flag instead of a per-step guard; a chunk that meets a non-finite update is
replayed from its start with the guarded epoch, so every documented behaviour (``target_loss``,
``on_nonfinite`` "stop"/"skip"/"raise", checkpoints and bit-exact resume, data parallelism) is
that of a per-step check. Compiled programs are cached by value (:mod:`jaxnn.engine.cache`): a
fresh ``optim.adam(1e-3)`` per call, another ``epochs`` or ``target_loss`` compile nothing.
:func:`sweep` is the other driver: many runs in one vmapped program.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import data, losses, nn, optim, train
    >>> x, y = data.xor()
    >>> def loss_fn(params, xb, yb):
    ...     logits = nn.mlp(params, xb, activation="tanh")[:, 0]
    ...     return losses.sigmoid_binary_cross_entropy(logits, yb.astype(jnp.float32))
    >>> params = nn.init_mlp(jax.random.key(0), [2, 8, 1])
    >>> result = train.fit(loss_fn, params, optim.adam(0.05), x, y, epochs=300, progress=False)
    >>> result.history.steps, bool(result.history.epoch_loss[-1] < 0.05)
    (300, True)
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from jaxnn import checkpoint as checkpoint_module
from jaxnn import parallel
from jaxnn._validation import (
    check_bool,
    check_callable,
    check_choice,
    check_finite,
    check_int,
    check_key,
)
from jaxnn.engine import cache
from jaxnn.engine import resume as resume_io
from jaxnn.engine.checks import as_data, check_pair, check_scalar_fn
from jaxnn.engine.chunk import ChunkOut, chunk_capacity, make_chunk
from jaxnn.engine.epoch import EpochStats, make_epoch
from jaxnn.engine.nonfinite import batch_of_step, nonfinite_error, nonfinite_message
from jaxnn.engine.placement import batch_placement, data_axis, replicated_outputs
from jaxnn.engine.records import FitResult, History, NonfiniteError
from jaxnn.engine.step import (
    MAX_EPOCH,
    LossFn,
    check_optimizer,
    epoch_key,
    make_step,
    steps_per_epoch,
)
from jaxnn.optim.base import check_float_params

if TYPE_CHECKING:  # re-exported lazily by __getattr__ at the end of this module
    from jaxnn.sweep import SweepResult, sweep

__all__ = [
    "EpochStats",
    "FitResult",
    "History",
    "NonfiniteError",
    "SweepResult",
    "epoch_key",
    "fit",
    "make_epoch",
    "make_step",
    "steps_per_epoch",
    "sweep",
]

FIT_NONFINITE_POLICIES = ("stop", "skip", "raise")
""":func:`fit`'s ``on_nonfinite``: "stop", "skip" and "raise" (:class:`NonfiniteError`)."""

_CHUNK_SECONDS = 0.25  # aim of the adaptive chunk length: progress about 4 times a second


class _Run(NamedTuple):
    """One fit call's checked arguments (what the driver below works from)."""

    loss_fn: Callable
    accuracy_fn: Callable | None
    optimizer: Any
    x: jax.Array
    y: jax.Array
    xe: jax.Array
    ye: jax.Array
    has_eval: bool
    n: int
    batch_size: int | None
    shuffle: bool
    epochs: int
    target_loss: float | None
    epochs_per_chunk: int | None
    mesh: Mesh | None
    policy: str
    checkpoint: Any
    checkpoint_every: int | None
    resume: Any
    loss_dtype: Any

    @property
    def steps(self) -> int:
        return steps_per_epoch(self.n, self.batch_size)

    def config(self) -> resume_io.RunConfig:
        x, y = self.x, self.y
        return resume_io.RunConfig(
            n=self.n,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            x=[list(x.shape), str(x.dtype)],
            y=[list(y.shape), str(y.dtype)],
            eval_data=self.has_eval,
            accuracy_fn=self.accuracy_fn is not None,
        )


def _check_options(
    epochs, shuffle, progress, accuracy_fn, eval_data, target_loss, epochs_per_chunk,
    on_nonfinite, checkpoint, checkpoint_every, resume,
):  # fmt: skip
    epochs = check_int("epochs", epochs, minimum=1, maximum=MAX_EPOCH)
    shuffle = check_bool("shuffle", shuffle)
    if progress is not None:
        progress = check_bool("progress", progress)
    if accuracy_fn is not None:
        check_callable("accuracy_fn", accuracy_fn, "accuracy_fn(params, x, y) -> scalar")
        if eval_data is None:
            raise ValueError(
                "`accuracy_fn` is evaluated on `eval_data`, which is None. Pass "
                "eval_data=(x_eval, y_eval) (it may be the training set)."
            )
    if target_loss is not None:
        check_finite("target_loss", target_loss, hint="Pass a number such as 0.01, or None.")
        target_loss = float(target_loss)
    if epochs_per_chunk is not None:
        epochs_per_chunk = check_int("epochs_per_chunk", epochs_per_chunk, minimum=1)
    check_choice("on_nonfinite", on_nonfinite, FIT_NONFINITE_POLICIES)
    checkpoint = resume_io.check_path("checkpoint", checkpoint)
    if checkpoint is not None:  # an unwritable path is found now, not after training
        checkpoint_module.check_writable(checkpoint)
    resume = resume_io.check_path("resume", resume, must_exist=True)
    if checkpoint_every is not None:
        checkpoint_every = check_int("checkpoint_every", checkpoint_every, minimum=1)
        if checkpoint is None:
            raise ValueError(
                "`checkpoint_every` needs a file to save to: pass checkpoint='run.safetensors' "
                f"too (got checkpoint=None, checkpoint_every={checkpoint_every})."
            )
    return (
        epochs,
        shuffle,
        progress,
        target_loss,
        epochs_per_chunk,
        checkpoint,
        resume,
        checkpoint_every,
    )


def _check_batch_size(batch_size: Any, n: int) -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise TypeError(
            f"`batch_size` must be None (full batch) or an integer, got batch_size={batch_size!r}."
        )
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"`batch_size` must be between 1 and the number of examples n={n}, got "
            f"batch_size={batch_size}. Use batch_size=None for full-batch gradient descent."
        )
    return int(batch_size)


def _check_eval_data(eval_data: Any, x: jax.Array, y: jax.Array) -> tuple:
    if eval_data is None:
        return x, y  # placeholders, never read by the compiled program
    if not isinstance(eval_data, tuple | list) or len(eval_data) != 2:
        raise TypeError(
            "`eval_data` must be a pair (x_eval, y_eval) such as a jaxnn.data.Dataset, got "
            f"{type(eval_data).__name__}."
        )
    xe, ye = as_data("eval_data[0]", eval_data[0]), as_data("eval_data[1]", eval_data[1])
    check_pair("eval_data[0]", xe, "eval_data[1]", ye)
    return xe, ye


def _check_mesh(mesh: Any, devices: Any) -> Mesh | None:
    if devices is not None:
        if mesh is not None:
            raise ValueError(
                "pass either `mesh` or `devices`, not both: devices=N is shorthand for "
                "mesh=jaxnn.parallel.data_mesh(N)."
            )
        mesh = parallel.data_mesh(devices)
    if mesh is not None:
        data_axis(mesh)
    return mesh


def _batch_shape(a: jax.Array, size: int) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct((size, *a.shape[1:]), a.dtype)


def _check_functions(loss_fn, accuracy_fn, params, x, y, xe, ye, has_eval, batch) -> Any:
    """Traces the user's functions on one batch (cached); returns the loss dtype."""
    xb, yb = _batch_shape(x, batch), _batch_shape(y, batch)
    dtype = check_scalar_fn("loss_fn", loss_fn, params, xb, yb, "loss")
    if has_eval:
        check_scalar_fn("loss_fn", loss_fn, params, xe, ye, "loss", "eval_data")
    if accuracy_fn is not None:
        check_scalar_fn("accuracy_fn", accuracy_fn, params, xe, ye, "accuracy", "eval_data")
    return dtype


def _prepare_program(optimizer: Any) -> Callable:
    """``prepare(params) -> (params, optimizer.init(params))`` in one jitted call: fresh,
    strongly typed device arrays of each leaf's canonical dtype."""

    def prepare(params):
        def cast(a):
            return jnp.asarray(a).astype(jax.dtypes.canonicalize_dtype(jnp.result_type(a)))

        params = jax.tree.map(cast, params)
        return params, optimizer.init(params)

    return jax.jit(prepare)


def _prepare(optimizer: Any, params: Any) -> tuple[Any, Any]:
    """The run's initial params and optimizer state, from a cached program (one dispatch)."""
    key = ("prepare", cache.fingerprint(optimizer), bool(jax.config.jax_enable_x64))
    program = _PREPARE.get(key)
    if program is None:
        program = _PREPARE[key] = _prepare_program(optimizer)
        while len(_PREPARE) > cache.CACHE_SIZE:
            _PREPARE.pop(next(iter(_PREPARE)))
    return program(params)


_PREPARE: dict = {}


def _program(run: _Run, policy: str, args: tuple) -> tuple[Callable, float]:
    """The compiled chunk of ``run`` for ``policy`` ("flag": the fast chunk; "stop"/"skip":
    the guarded chunk a flagged chunk is replayed with), and its compile seconds (0.0 cached).
    Nothing is donated: a replay starts again from the chunk's input params and state."""
    capacity = chunk_capacity(run.steps)

    def build():
        epoch_fn = make_epoch(
            run.loss_fn, run.optimizer, run.n, run.batch_size, shuffle=run.shuffle,
            on_nonfinite=policy, mesh=run.mesh,
        )  # fmt: skip
        chunk_fn = make_chunk(
            epoch_fn, run.loss_fn, run.accuracy_fn, capacity, run.has_eval, policy
        )
        return chunk_fn if run.mesh is None else replicated_outputs(chunk_fn, run.mesh)

    config = ("fit", run.loss_fn, run.accuracy_fn, run.optimizer, run.n, run.batch_size)
    config += (run.shuffle, capacity, run.has_eval, run.mesh, policy)
    return cache.compiled(config, build, args)


class _Recorder:
    """Collects each chunk's records on the host and assembles the :class:`History`."""

    def __init__(self, run: _Run, previous: History | None, compile_time: float):
        self.run, self.compile_time, self.skipped = run, compile_time, 0
        self.step_loss, self.epoch_loss, self.eval_loss, self.eval_acc = [], [], [], []
        self.epoch_time = []
        if previous is not None:  # a resumed run's History starts with the saved epochs
            self.step_loss.append(np.asarray(previous.step_loss))
            self.epoch_loss.append(np.asarray(previous.epoch_loss))
            if run.has_eval:
                self.eval_loss.append(np.asarray(previous.eval_loss))
            if run.accuracy_fn is not None:
                self.eval_acc.append(np.asarray(previous.eval_accuracy))
            self.epoch_time.append(np.asarray(previous.epoch_time, np.float64))
            self.compile_time += float(previous.compile_time)
            self.skipped = int(previous.skipped)

    def add(self, out: ChunkOut, done: int, seconds: float, ran: int) -> None:
        self.step_loss.append(out.step_loss[:done].reshape(-1))
        self.epoch_loss.append(out.epoch_loss[:done])
        if self.run.has_eval:
            self.eval_loss.append(out.eval_loss[:done])
        if self.run.accuracy_fn is not None:
            self.eval_acc.append(out.eval_accuracy[:done])
        if out.skipped is not None:
            self.skipped += int(np.sum(out.skipped[:done]))
        self.epoch_time.append(np.full(done, seconds / max(ran, 1)))

    @property
    def steps(self) -> int:
        return sum(len(a) for a in self.step_loss)

    def history(self, stopped: str, message: str) -> History:
        dtype, run = self.run.loss_dtype, self.run

        def cat(parts):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        return History(
            step_loss=cat(self.step_loss),
            epoch_loss=cat(self.epoch_loss),
            eval_loss=cat(self.eval_loss) if run.has_eval else None,
            eval_accuracy=cat(self.eval_acc) if run.accuracy_fn is not None else None,
            epoch_time=np.concatenate(self.epoch_time) if self.epoch_time else np.zeros(0),
            compile_time=self.compile_time,
            steps=self.steps,
            epochs=sum(len(a) for a in self.epoch_loss),
            stopped=stopped,
            message=message,
            skipped=self.skipped,
        )


class _Outcome(NamedTuple):
    """How the chunk loop ended."""

    params: Any
    opt_state: Any
    first: int  # epochs completed
    stopped: str  # "epochs", "target_loss" or "nonfinite"
    message: str
    bad_at: tuple | None  # (epoch, step, update) of the first non-finite update
    saved_at: int | None  # the epoch of the last checkpoint written


def _run_chunk(run, fast, state, first, end, key, target, data, recorder) -> tuple:
    """One compiled call of the fast chunk; replayed with the guarded chunk from the same
    start when it met a non-finite update. Returns ``(params, opt_state, out, seconds)``."""
    params, opt_state = state
    t0 = time.perf_counter()
    tail = (key, np.int32(first), np.int32(end), target, *data)
    new_params, new_state, out = fast(params, opt_state, *tail)
    out = jax.device_get(out)
    if int(out.stop) == 2:  # exact semantics: the same epochs again, guarded step by step
        policy = "skip" if run.policy == "skip" else "stop"
        guarded, compile_time = _program(run, policy, (params, opt_state, *tail))
        recorder.compile_time += compile_time
        t0 += compile_time
        new_params, new_state, out = guarded(params, opt_state, *tail)
        out = jax.device_get(out)
    if out.epoch_loss is None:  # one-step epochs: the epoch's loss is its step's
        out = out._replace(epoch_loss=out.step_loss[:, 0])
    return new_params, new_state, out, time.perf_counter() - t0


def _save(run, path, params, opt_state, key, history: History, epoch: int) -> bool:
    """Saves a checkpoint; a failure (full disk, removed directory) warns and training goes on."""
    try:
        resume_io.save_run(path, params, opt_state, key, history, epoch, run.epochs, run.config())
    except OSError as e:  # CheckpointPathError too: its message names the path and the fix
        warnings.warn(
            f"fit: could not save the checkpoint at epoch {epoch}: {e} Training goes on and the "
            "result is returned; free space or pass another `checkpoint`.",
            RuntimeWarning,
            stacklevel=4,
        )
        return False
    return True


def _chunk_loop(run, fast, params, opt_state, key, start, target, data, recorder, bar):
    """Runs chunks until ``run.epochs``, the target, or a non-finite update (see fit)."""
    stopped, message, bad_at = "epochs", "", None
    saved_at = start if run.resume is not None and run.checkpoint == run.resume else None
    first, per_call = start, min(chunk_capacity(run.steps), run.epochs_per_chunk or 1)
    while first < run.epochs:
        end = min(run.epochs, first + per_call)
        if run.checkpoint_every is not None:  # a chunk ends on every checkpoint epoch
            end = min(end, (first // run.checkpoint_every + 1) * run.checkpoint_every)
        params, opt_state, out, seconds = _run_chunk(
            run, fast, (params, opt_state), first, end, key, target, data, recorder
        )
        ran, code = int(out.epochs), int(out.stop)
        done = ran - 1 if code == 2 else ran  # epochs completed
        recorder.add(out, done, seconds, ran)
        if code == 2:
            bad = int(out.applied)
            recorder.step_loss.append(out.step_loss[done, :bad])
            bad_at = (first + done, bad, recorder.steps)
            stopped = "nonfinite"
            message = nonfinite_message(
                out.step_loss[done, bad], first + done, bad, run.epochs, run.steps, recorder.steps
            )
        elif code == 1:
            stopped = "target_loss"
            message = (
                f"epoch {first + ran} reached epoch_loss {out.epoch_loss[ran - 1]:.6g} "
                f"<= target_loss {run.target_loss}."
            )
        if bar is not None:
            bar.update(ran)
            if done:
                bar.set_postfix(loss=f"{out.epoch_loss[done - 1]:.4g}")
        first += done
        if stopped != "epochs":
            break
        every = run.checkpoint_every
        if every is not None and first % every == 0 and first < run.epochs:
            hist = recorder.history("checkpoint", f"saved at epoch {first} of {run.epochs}.")
            if _save(run, run.checkpoint, params, opt_state, key, hist, first):
                saved_at = first
        if run.epochs_per_chunk is None:
            rate = _CHUNK_SECONDS * ran / max(seconds, 1e-9)
            per_call = int(min(chunk_capacity(run.steps), max(1, rate)))
    return _Outcome(params, opt_state, first, stopped, message, bad_at, saved_at)


def _fit(run: _Run, params: Any, key: jax.Array | None, progress: bool | None) -> FitResult:
    """The driver: initial state (or the resumed one), the compiled chunks, the result."""
    params, opt_state = _prepare(run.optimizer, params)
    start, previous = 0, None
    if run.resume is not None:
        params, opt_state, key, start, previous = resume_io.load_run(
            run.resume, params, opt_state, key, run.config(), run.epochs
        )
    if key is None:
        key = jax.random.key(0)  # never used: full batch or no shuffling
    data = (run.x, run.y, run.xe, run.ye)
    if run.mesh is not None:  # every input replicated; make_epoch splits each batch
        params, opt_state, key, *data = parallel.replicate(
            (params, opt_state, key, *data), run.mesh
        )
    target = np.asarray(np.nan if run.target_loss is None else run.target_loss, run.loss_dtype)
    args = (params, opt_state, key, np.int32(start), np.int32(run.epochs), target, *data)
    fast, compile_time = _program(run, "flag", args)
    recorder = _Recorder(run, previous, compile_time)

    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=run.epochs, initial=start, unit="epoch", desc="fit", leave=False)
    try:
        outcome = _chunk_loop(run, fast, params, opt_state, key, start, target, data, recorder, bar)
    finally:
        if bar is not None:
            bar.close()
    result = FitResult(
        outcome.params, outcome.opt_state, recorder.history(outcome.stopped, outcome.message)
    )
    if (
        run.checkpoint is not None
        and outcome.stopped != "nonfinite"
        and outcome.saved_at != outcome.first
    ):
        _save(
            run, run.checkpoint, result.params, result.opt_state, key, result.history, outcome.first
        )
    if outcome.bad_at is not None and run.policy == "raise":
        epoch, step, _ = outcome.bad_at
        batch = batch_of_step(run.x, run.y, key, epoch, step, run.n, run.batch_size, run.shuffle)
        raise nonfinite_error(
            result, outcome.bad_at, run.loss_fn, run.optimizer, batch, run.epochs, run.steps
        )
    if outcome.stopped == "nonfinite":
        warnings.warn(outcome.message, RuntimeWarning, stacklevel=3)
    return result


def fit(
    loss_fn: LossFn,
    params: Any,
    optimizer: Any,
    x: Any,
    y: Any,
    *,
    batch_size: int | None = None,
    epochs: int = 1,
    key: jax.Array | None = None,
    shuffle: bool = True,
    eval_data: tuple[Any, Any] | None = None,
    target_loss: float | None = None,
    progress: bool | None = None,
    accuracy_fn: Callable | None = None,
    epochs_per_chunk: int | None = None,
    mesh: Mesh | None = None,
    devices: Any = None,
    on_nonfinite: str = "stop",
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: str | os.PathLike | None = None,
) -> FitResult:
    """Trains ``params`` on ``(x, y)`` with ``optimizer``, whole epochs compiled.

    Full-batch gradient descent (``batch_size=None``, one update per epoch), SGD
    (``batch_size=1``) or minibatch SGD; each epoch visits every example exactly once in the
    order ``permutation(fold_in(key, epoch), n)``, the last batch smaller when ``batch_size``
    does not divide ``n`` (module docstring). Chunks of ``epochs_per_chunk`` epochs run inside
    one jitted ``lax.scan`` (compiled once per call and cached like ``jax.jit``; parameters and
    optimizer state donated; ``x``/``y`` stay on the device); progress is reported between
    chunks. Training stops after ``epochs`` epochs, at the first epoch whose ``epoch_loss`` is
    ``<= target_loss``, or (``on_nonfinite="stop"``, the default) at the first update whose loss
    or new parameters are not finite: then a ``RuntimeWarning`` names the epoch and step, and
    the result holds the parameters and state before that update (the last finite ones). The
    caller's ``params`` are copied first and never modified or donated.

    NaN/inf policy (``on_nonfinite``), decided per update from its loss and new parameters:

        "stop"   stop there, warn, return the last finite params and state (History.stopped
                 is "nonfinite")
        "skip"   drop that update (params and optimizer state unchanged, so the optimizer's
                 count advances only on applied updates, as with jaxnn.optim.skip_nonfinite),
                 go on with the next batch; History.skipped counts the dropped updates
        "raise"  stop as "stop" does, then raise :class:`NonfiniteError` (a
                 ``FloatingPointError``) naming the epoch, the step and the first non-finite
                 leaf (gradient, update or new parameter, by tree path) of that step

    Checkpoints and exact resume: with ``checkpoint=PATH`` the run saves (with
    :mod:`jaxnn.checkpoint`, atomically) its params, optimizer state, key, :class:`History` and
    epoch after every ``checkpoint_every`` epochs (compiled chunks end on those epochs) and when
    it returns (all epochs done or ``target_loss`` reached; a run stopped by a non-finite update
    keeps its last checkpoint, which sits on an epoch boundary). The path is checked before
    anything is trained (:func:`jaxnn.checkpoint.check_writable`: not a link, FIFO or device, a
    writable directory); a save that fails later (a full disk) warns with the path and training
    goes on, so the result is never lost. ``resume=PATH`` continues the
    saved run: ``epochs`` is the run's *total*, so a ``2N``-epoch run resumed from epoch ``N``
    trains ``N`` more, and the result is bit-identical to training ``2N`` epochs in one call.
    The resumed call must have the same data shapes and dtypes, ``batch_size``, ``shuffle``,
    ``eval_data``/``accuracy_fn`` presence and the same ``key`` (or ``key=None``: the saved key
    is used); ``params`` and ``optimizer`` only serve as templates (the saved tree must have
    their structure, shapes and dtypes). Anything else is a clear ``ValueError``.

    Args:
        loss_fn: ``loss_fn(params, x_batch, y_batch) -> scalar``, a mean over the batch.
        params: the initial parameters, a pytree of floating arrays.
        optimizer: a jaxnn optimizer (``jaxnn.optim.adam(1e-3)``) or an optax transform.
        x: inputs ``(n, ...)``, finite.
        y: targets ``(n, ...)``.
        batch_size: ``None`` (default) for full batch, else ``1 <= batch_size <= n``.
        epochs: number of epochs of the whole run (default 1, >= 1; resumed epochs count).
        key: a JAX PRNG key for the minibatch order; required when ``batch_size`` is set and
            ``shuffle`` is True (unless resuming: the saved key is used).
        shuffle: a new random order each epoch (default True); False keeps ``0 .. n-1``.
        eval_data: ``(x_eval, y_eval)`` evaluated after every epoch with ``loss_fn`` (one batch).
        target_loss: stop at the first epoch with ``epoch_loss <= target_loss`` (default None).
        progress: a tqdm bar over epochs; ``None`` (default) shows it only when stderr is a
            terminal.
        accuracy_fn: ``accuracy_fn(params, x_eval, y_eval) -> scalar`` recorded as
            ``History.eval_accuracy`` (needs ``eval_data``), e.g.
            ``lambda p, x, y: jaxnn.losses.accuracy(model(p, x), y)``.
        epochs_per_chunk: epochs per call of the compiled program (at most 65,536 updates'
            worth). Default (None): one epoch first, then as many as take about 0.25 s. It is a
            runtime argument, so it never causes a recompile; results do not depend on it.
        mesh: a ``jax.sharding.Mesh`` for data parallelism (see below), or ``None`` (default):
            one device. The batch is split along its only axis, or along the axis named
            ``"data"`` of a larger mesh (replicated along the others).
        devices: shorthand for ``mesh=jaxnn.parallel.data_mesh(devices)``: a device count, a
            list of devices, or ``None`` (default). Pass ``mesh`` or ``devices``, not both.

        on_nonfinite: ``"stop"`` (default), ``"skip"`` or ``"raise"``, see above.
        checkpoint: a file path to save the run to (default None: no checkpoints).
        checkpoint_every: save every this many epochs (``>= 1``; needs ``checkpoint``). Default
            None: save only when the run returns.
        resume: a checkpoint written by ``fit(checkpoint=...)`` to continue from (it may be the
            same path as ``checkpoint``).

    Data parallelism (``mesh`` or ``devices``): the same program, partitioned by XLA (GSPMD).
    Parameters, optimizer state, ``x``, ``y`` and ``eval_data`` are replicated on every device
    of the mesh; each gathered batch is constrained to ``NamedSharding(mesh, P("data"))``, so
    every device runs the step on ``batch_size / devices`` examples and XLA inserts the
    all-reduce of the gradients (the loss is a mean over the batch). Keeping the dataset
    replicated makes each step's gather local (no communication but the gradient reduction) at
    the price of one full copy of ``x`` and ``y`` per device; for data that does not fit that
    way, shard the data yourself and write the loop with :func:`make_epoch`. The rule for batch
    sizes: ``batch_size`` (``n`` for full batch) must be a multiple of the device count (a
    ``ValueError`` otherwise); the smaller last batch of an epoch is split the same way when its
    size ``n % batch_size`` is a multiple of the device count and otherwise runs replicated
    (each device computes that one step on the whole small batch: the same result, no
    communication). The result equals single-device ``fit`` up to float rounding, not bit for
    bit: the all-reduce adds the devices' partial gradients in another order than one device's
    sum (tests/test_parallel.py: within rtol 1e-5 in float32). The returned params and state
    are replicated on the mesh.

    Returns:
        ``FitResult(params, opt_state, history)`` with a :class:`History` (of the whole run
        when resumed).

    Raises:
        ValueError, TypeError: for bad arguments (checked before anything is compiled), a
            ``resume`` checkpoint of another run configuration, or a damaged checkpoint
            (:class:`jaxnn.checkpoint.CheckpointError`).
        NonfiniteError: with ``on_nonfinite="raise"``, at the first non-finite update.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxnn import data, optim
        >>> x, y = data.regression(jax.random.key(0), 64, features=3, noise=0.0)
        >>> loss_fn = lambda w, xb, yb: jnp.mean((xb @ w - yb) ** 2)
        >>> r = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, batch_size=16, epochs=20,
        ...         key=jax.random.key(1), progress=False)
        >>> r.history.steps, len(r.history.epoch_loss), bool(r.history.epoch_loss[-1] < 1e-4)
        (80, 20, True)

        Stopping after 10 epochs and resuming gives exactly the same parameters:

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "run.safetensors")
        >>> kw = dict(batch_size=16, key=jax.random.key(1), progress=False)
        >>> half = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, epochs=10, checkpoint=path,
        ...            **kw)
        >>> r2 = fit(loss_fn, jnp.zeros(3), optim.sgd(0.1), x, y, epochs=20, resume=path, **kw)
        >>> r2.history.epochs, bool((r2.params == r.params).all())
        (20, True)
    """
    (epochs, shuffle, progress, target_loss, epochs_per_chunk, checkpoint, resume,
     checkpoint_every) = _check_options(
        epochs, shuffle, progress, accuracy_fn, eval_data, target_loss, epochs_per_chunk,
        on_nonfinite, checkpoint, checkpoint_every, resume,
    )  # fmt: skip
    check_callable("loss_fn", loss_fn, "loss_fn(params, x_batch, y_batch) -> scalar loss")
    check_optimizer(optimizer)
    if not jax.tree.leaves(params):
        raise TypeError(f"`params` must contain at least one array, got {params!r}.")
    check_float_params(params)
    mesh = _check_mesh(mesh, devices)
    x, y = as_data("x", x), as_data("y", y)
    check_pair("x", x, "y", y)
    n = x.shape[0]
    batch_size = _check_batch_size(batch_size, n)
    if batch_size is not None and shuffle and key is None and resume is None:
        raise ValueError(
            "`key` is needed to shuffle minibatches: pass key=jax.random.key(0) (any seed), "
            "or shuffle=False for the fixed order 0 .. n-1."
        )
    if key is not None:
        check_key(key)
    has_eval = eval_data is not None
    xe, ye = _check_eval_data(eval_data, x, y)
    if mesh is not None:
        batch_placement(mesh, n, batch_size)
    batch = n if batch_size is None else batch_size
    loss_dtype = _check_functions(loss_fn, accuracy_fn, params, x, y, xe, ye, has_eval, batch)
    run = _Run(
        loss_fn, accuracy_fn, optimizer, x, y, xe, ye, has_eval, n, batch_size, shuffle, epochs,
        target_loss, epochs_per_chunk, mesh, on_nonfinite, checkpoint, checkpoint_every, resume,
        loss_dtype,
    )  # fmt: skip
    return _fit(run, params, key, progress)


def __getattr__(name: str) -> Any:
    # train.sweep and train.SweepResult live in jaxnn.sweep (which builds on the same core);
    # imported on first use so that importing train does not import sweep.
    if name in ("sweep", "SweepResult"):
        from jaxnn import sweep as _sweep_module

        return getattr(_sweep_module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
