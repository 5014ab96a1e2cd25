"""The public modules of jaxnn that the API reference documents, in reading order.

Adding a module to the reference is one line here: ``docs/api/<module>.md`` is written from
this list when the docs are built (see :mod:`_ext.xref`), the API index lists it, and
``tests/test_docs.py`` checks that every name of its ``__all__`` is in the built index.
"""

API_MODULES: tuple[str, ...] = (
    "jaxnn",
    "jaxnn.activations",
    "jaxnn.nn",
    "jaxnn.losses",
    "jaxnn.backprop",
    "jaxnn.diagnostics",
    "jaxnn.optim",
    "jaxnn.optim.base",
    "jaxnn.optim.schedules",
    "jaxnn.optim.keras",
    "jaxnn.data",
    "jaxnn.train",
    "jaxnn.sweep",
    "jaxnn.engine",
    "jaxnn.engine.step",
    "jaxnn.engine.epoch",
    "jaxnn.engine.chunk",
    "jaxnn.engine.cache",
    "jaxnn.engine.checks",
    "jaxnn.engine.placement",
    "jaxnn.engine.records",
    "jaxnn.engine.nonfinite",
    "jaxnn.engine.resume",
    "jaxnn.permutation",
    "jaxnn.study",
    "jaxnn.study.problems",
    "jaxnn.study.space",
    "jaxnn.study.runner",
    "jaxnn.study.protocol",
    "jaxnn.study.stats",
    "jaxnn.study.result",
    "jaxnn.study.figures",
    "jaxnn.checkpoint",
    "jaxnn.parallel",
    "jaxnn.validate",
    "jaxnn.surfaces",
    "jaxnn.experiments",
    "jaxnn.experiments.xor",
    "jaxnn.experiments.optimizers",
    "jaxnn.experiments.paths",
    "jaxnn.experiments.sweeps",
    "jaxnn.plot",
    "jaxnn.report",
    "jaxnn.tour",
)

DEFERRED_HOMES: tuple[str, ...] = ("jaxnn.optim.base",)
"""Modules that document only the names no other listed module exports: ``jaxnn.optim.base``
defines ``Optimizer`` and ``apply_updates``, documented on the ``jaxnn.optim`` page, and the
helpers for writing an optimizer (``tree_zeros_like``, ``scale_by_learning_rate``...)."""
