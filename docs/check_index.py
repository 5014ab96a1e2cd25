"""Checks a built API reference against the code: every name of every documented module's
``__all__`` is in the Sphinx index (``objects.inv``) under the name it is documented with.

Run after the docs build (``.ci/run`` does):

    python docs/check_index.py docs/_build/html

Exit status 1, with the missing names, when a public name is not in the reference.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS))

from _ext.api_modules import API_MODULES  # noqa: E402
from _ext.xref import homes  # noqa: E402


def missing_names(indexed: Iterable[str], modules: tuple[str, ...] = API_MODULES) -> list[str]:
    """``module.name`` of every ``__all__`` entry whose documented name is not in ``indexed``
    (a re-exported name counts when its home, the module it is documented in, has it), and
    every module of ``modules`` that has no entry of its own."""
    indexed = set(indexed)
    out = [m for m in modules if m not in indexed]
    for (module, name), home in homes(modules).items():
        if home not in indexed:
            out.append(f"{module}.{name}" + ("" if home == f"{module}.{name}" else f" ({home})"))
    return out


def indexed_names(html_dir: Path) -> set[str]:
    """Every Python-domain name in ``html_dir/objects.inv``."""
    from sphinx.util.inventory import InventoryFile

    with open(html_dir / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    return {
        name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    html_dir = Path(args[0] if args else DOCS / "_build" / "html")
    missing = missing_names(indexed_names(html_dir))
    if missing:
        print(f"{len(missing)} public names are not in the API reference ({html_dir}):")
        print("\n".join(f"  {m}" for m in missing))
        return 1
    print(f"every __all__ name of {len(API_MODULES)} modules is in {html_dir}/objects.inv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
