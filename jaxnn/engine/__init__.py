"""The training core under :func:`jaxnn.train.fit`, :func:`jaxnn.train.sweep` and the study.

One small stack, each module one concept, nothing importing upward:

    step        one update (make_step), the epoch key, the update count, finiteness
    epoch       one epoch: exact fast shuffle, batches gathered once, the finiteness flag or
                the per-step guard (make_epoch, EpochStats)
    chunk       a chunk of epochs in one compiled while loop, with its stop rules and buffers
    cache       compiled programs keyed by value (fingerprint): equal optimizers share one
    checks      checks of data and user functions (cached by fingerprint and shapes)
    placement   data parallelism over a mesh (where each batch lives)
    records     History, FitResult, NonfiniteError
    nonfinite   diagnosing a non-finite update
    resume      fit's checkpoints and exact resume

The drivers (``train.fit``, ``sweep.sweep``) sit on top and only compose these.
"""

from jaxnn.engine.cache import cache_clear, cache_info, fingerprint
from jaxnn.engine.epoch import EpochStats, make_epoch
from jaxnn.engine.records import FitResult, History, NonfiniteError
from jaxnn.engine.step import epoch_key, make_step, steps_per_epoch

__all__ = [
    "EpochStats",
    "FitResult",
    "History",
    "NonfiniteError",
    "cache_clear",
    "cache_info",
    "epoch_key",
    "fingerprint",
    "make_epoch",
    "make_step",
    "steps_per_epoch",
]
