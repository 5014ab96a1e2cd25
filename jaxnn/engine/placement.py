"""Data parallelism for the training core: where each batch and each output lives on a mesh.

``fit(mesh=...)`` replicates parameters, optimizer state and data on every device of a
``jax.sharding.Mesh`` and constrains each gathered batch to ``NamedSharding(mesh, P("data"))``:
XLA (GSPMD) splits the step over the devices and inserts the gradient all-reduce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jax import lax
from jax.sharding import Mesh

from jaxnn import parallel

__all__ = ["batch_placement", "data_axis", "replicated_outputs", "unplaced"]


def unplaced(tree: Any) -> Any:
    """The identity: a batch left where XLA puts it (no mesh)."""
    return tree


def data_axis(mesh: Any) -> str:
    """The mesh axis that splits the batch: the mesh's only axis, or the one named "data"."""
    if not isinstance(mesh, Mesh):
        raise TypeError(
            "`mesh` must be a jax.sharding.Mesh such as jaxnn.parallel.data_mesh(), or None, "
            f"got {type(mesh).__name__}."
        )
    if len(mesh.axis_names) == 1:
        return mesh.axis_names[0]
    if parallel.DATA_AXIS in mesh.axis_names:
        return parallel.DATA_AXIS
    raise ValueError(
        f"`mesh` has axes {mesh.axis_names} and none is named {parallel.DATA_AXIS!r}: fit splits "
        f"the batch along the mesh's only axis or along the axis named {parallel.DATA_AXIS!r}. "
        "Rename the batch axis, or pass a 1-D mesh (jaxnn.parallel.data_mesh)."
    )


def batch_placement(mesh: Mesh, n: int, batch_size: int | None) -> tuple[Callable, Callable]:
    """Checks the batch rule on ``mesh`` and returns ``(place_full, place_rest)``.

    Each constrains a ``(x_batch, y_batch)`` pair: split along the data axis, except a smaller
    last batch whose size does not divide by the device count, which stays replicated.
    """
    axis = data_axis(mesh)
    devices = mesh.shape[axis]
    if batch_size is None:
        if n % devices:
            raise ValueError(
                f"full-batch training (`batch_size`=None) splits all n={n} examples over "
                f"{devices} devices, but {n} is not a multiple of {devices}: each device must get "
                f"the same number of examples. Pass a `batch_size` that is a multiple of "
                f"{devices}, or use {n - n % devices} examples."
            )
    else:
        parallel.check_batch_divisible(batch_size, mesh, axis)
    split = parallel.batch_sharding(mesh, axis)
    rest = 0 if batch_size is None else n % batch_size
    last = split if rest % devices == 0 else parallel.replicated_sharding(mesh)
    return (
        lambda batch: lax.with_sharding_constraint(batch, split),
        lambda batch: lax.with_sharding_constraint(batch, last),
    )


def replicated_outputs(chunk_fn: Callable, mesh: Mesh) -> Callable:
    """``chunk_fn`` with its returned params and optimizer state pinned replicated on ``mesh``.

    The next call of the compiled chunk takes them as they come (the same sharding in and out).
    """
    whole = parallel.replicated_sharding(mesh)

    def run(params, opt_state, *args):
        params, opt_state, out = chunk_fn(params, opt_state, *args)
        return (
            lax.with_sharding_constraint(params, whole),
            lax.with_sharding_constraint(opt_state, whole),
            out,
        )

    return run
