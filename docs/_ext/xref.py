"""Sphinx glue for jaxnn's docs: API pages from one list, one home per object, plain-text formulas.

- ``builder-inited``: writes ``docs/api/<module>.md`` (one ``automodule`` each) and
  ``docs/api/index.md`` from :data:`_ext.api_modules.API_MODULES`; a page that is already up to
  date is left alone, so a build never dirties the checkout.
- One home per object: a name that a module re-exports (``jaxnn.Optimizer``, ``jaxnn.train.sweep``)
  is documented once, on the page of the most specific public module that exports it
  (``jaxnn.optim``, ``jaxnn.sweep``); the re-exporting page links to it. :func:`homes` is that
  map, and ``tests/test_docs.py`` uses it to check that every ``__all__`` name is in the index.
- ``missing-reference``: type hints name an object by its defining, private module
  (``jaxnn.optim.adaptive.AdamState``); such a name is linked to its home. Anything else that
  does not resolve stays missing, and nitpicky mode fails the build.
- ``autodoc-process-docstring`` (before napoleon): jaxnn's docstrings write formulas as plain
  text, one per line, in indented blocks; such a block outside a Google section becomes a
  literal block, so docutils keeps the layout instead of reading ``|x|`` as a substitution.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import types
import typing
from pathlib import Path
from typing import Any

from _ext.api_modules import API_MODULES, DEFERRED_HOMES

API_DIR = Path(__file__).resolve().parent.parent / "api"

INDEX_HEAD = """\
# API reference

Every public module of jaxnn, one page each, with every name of its `__all__`: signatures, the
docstrings' formulas and examples (they run as doctests in the test suite), and links between
them. A name that a module re-exports is documented once, on the page of the module it comes
from, and linked from the others.

"""


def page_text(module: str) -> str:
    """The Markdown source of the API page of ``module``."""
    return f"# `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n```\n"


def index_text(modules: tuple[str, ...] = API_MODULES) -> str:
    """The Markdown source of ``docs/api/index.md``."""
    entries = "\n".join(modules)
    return f"{INDEX_HEAD}```{{toctree}}\n:maxdepth: 1\n\n{entries}\n```\n"


def expected_pages(modules: tuple[str, ...] = API_MODULES) -> dict[str, str]:
    """File name -> text of every generated page."""
    pages = {f"{m}.md": page_text(m) for m in modules}
    pages["index.md"] = index_text(modules)
    return pages


def write_pages(app: Any = None) -> None:
    API_DIR.mkdir(exist_ok=True)
    for name, text in expected_pages().items():
        path = API_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# One home per object.


def _is_constant(obj: Any) -> bool:
    """A value or a type alias (``Schedule = Callable[[Array], Array]``), not a function, class
    or module: autodoc documents it as data, and it is matched by name as well as identity."""
    if typing.get_origin(obj) is not None:
        return True
    return not isinstance(obj, (type, types.FunctionType, types.ModuleType)) and not callable(obj)


@functools.cache
def homes(modules: tuple[str, ...] = API_MODULES) -> dict[tuple[str, str], str]:
    """(module, name) of every ``__all__`` entry -> the dotted name it is documented under.

    The home of an object is the most specific module of ``modules`` that exports it (by
    identity; constants by name and identity, since small ints are shared), a module of
    :data:`~_ext.api_modules.DEFERRED_HOMES` only when no other one does; a module object is
    at home on its own page when it has one.
    """
    exported = {m: list(getattr(importlib.import_module(m), "__all__", ())) for m in modules}
    by_specificity = sorted(modules, key=lambda m: (m in DEFERRED_HOMES, -m.count("."), m))
    out: dict[tuple[str, str], str] = {}
    for mod, names in exported.items():
        for name in names:
            obj = getattr(importlib.import_module(mod), name)
            home = f"{mod}.{name}"
            if isinstance(obj, types.ModuleType) and obj.__name__ in modules:
                home = obj.__name__
            else:
                for other in by_specificity:
                    other_mod = importlib.import_module(other)
                    hits = [
                        n
                        for n in exported[other]
                        if getattr(other_mod, n) is obj and (n == name or not _is_constant(obj))
                    ]
                    if hits:
                        home = f"{other}.{hits[0]}"
                        break
            out[(mod, name)] = home
    return out


@functools.cache
def _home_by_id() -> dict[int, str]:
    out: dict[int, str] = {}
    for (mod, name), home in homes().items():
        obj = getattr(importlib.import_module(mod), name)
        if not _is_constant(obj):
            out.setdefault(id(obj), home)
    return out


_CURRENT_MODULE: list[str] = [""]  # the module autodoc is documenting (set with its docstring)


def skip_member(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> Any:
    """Skips a NamedTuple field's generated property (the class's Attributes section documents
    it) and a re-exported name that is documented on another page."""
    doc = getattr(obj, "__doc__", None) or ""
    if what == "class" and doc.startswith("Alias for field number"):
        return True
    module = _CURRENT_MODULE[0]
    if what == "module" and (module, name) in homes():
        return homes()[(module, name)] != f"{module}.{name}"
    return None


def reexport_note(module: str) -> list[str]:
    """RST lines that link the submodules ``module`` exports and the names it re-exports from
    another page."""
    submodules, links = [], []
    for (mod, name), home in homes().items():
        if mod != module:
            continue
        if isinstance(getattr(importlib.import_module(mod), name), types.ModuleType):
            submodules.append(f":mod:`{name} <{home}>`")
        elif home != f"{mod}.{name}":
            links.append(f":obj:`{name} <{home}>`")
    out = []
    if submodules:
        out += ["", "**Submodules** exported here: " + ", ".join(submodules) + "."]
    if links:
        out += ["", "**Also exported here**, documented on their own pages: " + ", ".join(links)]
        out[-1] += "."
    return out


# ---------------------------------------------------------------------------------------------
# Docstrings.

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Returns?|Raises|Yields?|Examples?|Attributes|Notes?|"
    r"References|Warnings?|See Also|Todo|Methods|Keyword Args|Other Parameters):\s*$"
)
_LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s")


def literal_formula_blocks(lines: list[str]) -> list[str]:
    """Marks indented plain-text blocks outside Google sections as literal (text) blocks.

    Examples:
        >>> literal_formula_blocks(["Rule:", "", "    w = w - lr g", "Done."])
        ['Rule:', '', '.. code-block:: text', '', '    w = w - lr g', '', 'Done.']
    """
    out: list[str] = []
    in_section = in_literal = False
    last_top = ""
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if not line.strip():
            out.append(line)
            continue
        if indent == 0:
            if in_literal and out and out[-1].strip():
                out.append("")
            in_literal = False
            in_section = bool(_SECTION.match(line))
            last_top = line
            out.append(line)
            continue
        starts_block = (
            not in_section
            and not in_literal
            and last_top
            and not _LIST_ITEM.match(last_top)
            and not last_top.rstrip().endswith("::")
            and not last_top.startswith((".. ", ">>>", "..."))
        )
        if starts_block:
            j = len(out) - 1
            while j >= 0 and not out[j].strip():
                j -= 1
            del out[j + 1 :]
            out += ["", ".. code-block:: text", ""]
            in_literal = True
        out.append(line)
    return out


def process_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]):
    if what == "data" and "\n".join(lines).strip() == (inspect.getdoc(type(obj)) or "").strip():
        lines[:] = []  # a constant without a doc comment: not its type's docstring (dict's)
        return
    new = literal_formula_blocks(lines)
    if what == "module":
        _CURRENT_MODULE[0] = name
        new += reexport_note(name)
    lines[:] = new


# ---------------------------------------------------------------------------------------------
# References.


def undo_inline_type(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]):
    """Runs after napoleon: napoleon reads a constant's first line "words: more words" as
    "type: description"; jaxnn's types come from annotations, so a "type" with a space in it
    was the start of the sentence, and goes back there."""
    if what not in ("data", "attribute"):
        return
    for i, line in enumerate(lines):
        if line.startswith(":type: ") and " " in line[len(":type: ") :].strip():
            words = line[len(":type: ") :].strip()
            del lines[i]
            if i > 0 and not lines[i - 1].strip():
                del lines[i - 1]
            first = next((j for j, x in enumerate(lines) if x.strip()), None)
            if first is None:
                lines.append(words)
            else:
                lines[first] = f"{words}: {lines[first].lstrip()}"
            return


def _lookup(target: str) -> Any:
    """The object named by the dotted ``target``, or None."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def resolve_private_name(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    if not target.startswith("jaxnn.") and node.get("py:module"):
        target = f"{node['py:module']}.{target}"  # a short name in a docstring: its module's
    if not target.startswith("jaxnn."):
        return None
    domain = env.get_domain("py")
    candidates: list[str] = []
    if node.get("reftype") == "mod":  # a private submodule: its public package's page
        parts = target.split(".")
        candidates += [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
    else:
        obj = _lookup(target)
        if obj is not None and id(obj) in _home_by_id():
            candidates.append(_home_by_id()[id(obj)])
        owner, _, attr = target.rpartition(".")
        owner_obj = _lookup(owner) if owner else None
        if owner_obj is not None and id(owner_obj) in _home_by_id():
            candidates.append(_home_by_id()[id(owner_obj)] + "." + attr)
    for new in candidates:
        for reftype in (node.get("reftype"), "obj"):
            ref = domain.resolve_xref(
                env, node["refdoc"], app.builder, reftype, new, node, contnode
            )
            if ref is not None:
                return ref
    return None


def _constant_documenter() -> type:
    from sphinx.ext.autodoc import DataDocumenter, ModuleDocumenter

    class ConstantDocumenter(DataDocumenter):
        """autodoc's data documenter, also for a module constant without a doc comment (plain
        autodoc skips those even under ``undoc-members``; an ``__all__`` name must appear)."""

        @classmethod
        def can_document_member(cls, member: Any, membername: str, isattr: bool, parent: Any):
            return isinstance(parent, ModuleDocumenter) and _is_constant(member)

    return ConstantDocumenter


def setup(app: Any) -> dict[str, Any]:
    app.add_autodocumenter(_constant_documenter(), override=True)
    app.connect("builder-inited", write_pages)
    app.connect("missing-reference", resolve_private_name)
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    app.connect("autodoc-process-docstring", undo_inline_type, priority=600)
    app.connect("autodoc-skip-member", skip_member)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
