"""The documentation: the guides' Python snippets run, the API pages follow the module list, every
public module is in it, and (slow, needs the ``docs`` extra) the built index has every ``__all__``
name and a broken cross-reference fails the build.

The build itself runs in CI (``.ci/run``): ``python -m sphinx -W -n --keep-going -b html docs
docs/_build/html`` then ``python docs/check_index.py docs/_build/html``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDES = sorted((DOCS / "guides").glob("*.md"))
sys.path.insert(0, str(DOCS))

from _ext.api_modules import API_MODULES  # noqa: E402
from _ext.xref import expected_pages, literal_formula_blocks  # noqa: E402
from check_index import missing_names  # noqa: E402

# Guides whose snippets take more than a second or two on a 2-core CPU (XLA compiles of fit,
# sweep and scan programs, 2-6 s each); the default run keeps the cheap ones.
SLOW_GUIDES = {
    "getting_started", "backprop", "activations", "gd_vs_sgd", "optimizers", "training", "sweeps",
    "study",
}  # fmt: skip
# Public modules that are not in the API reference, with the reason.
NOT_IN_REFERENCE = {
    "jaxnn.cli": "the command line: `jaxnn --help` and the getting-started guide",
    "jaxnn.study.cli": "the `jaxnn study` command: `jaxnn study --help` and the study guide",
}

SNIPPET = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def snippets(path: Path) -> list[str]:
    return SNIPPET.findall(path.read_text(encoding="utf-8"))


def test_every_guide_has_a_snippet_and_a_figure_that_exists():
    names = {p.stem for p in GUIDES}
    assert names == {
        "getting_started", "backprop", "activations", "gd_vs_sgd", "optimizers", "semantics",
        "training", "engine", "sweeps", "study", "validation", "benchmarks",
    }  # fmt: skip
    for path in GUIDES:
        text = path.read_text(encoding="utf-8")
        figures = re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", text)
        assert figures, f"{path.name} has no figure"
        for fig in figures:
            assert (path.parent / fig).resolve().read_bytes()[:4] == b"\x89PNG", (path.name, fig)
        if path.stem != "benchmarks":  # the generated page shows tables, not code
            assert snippets(path), f"{path.name} has no ```python snippet"
        assert "the seed" not in text.lower(), f"{path.name}: name the book"


@pytest.mark.parametrize(
    "guide",
    [
        pytest.param(p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_GUIDES else [])
        for p in GUIDES
        if snippets(p)
    ],
)
def test_guide_snippets_run(guide, tmp_path, monkeypatch):
    # The blocks of one guide run in order in one namespace, as a reader pastes them.
    monkeypatch.chdir(tmp_path)  # snippets write figures and checkpoints
    namespace: dict = {"__name__": f"docs_guide_{guide}"}
    t0 = time.perf_counter()
    for i, code in enumerate(snippets(DOCS / "guides" / f"{guide}.md")):
        with warnings.catch_warnings():
            # the repository's pytest config turns warnings into errors; a snippet's own warnings
            # (a RuntimeWarning it demonstrates) are the guide's business
            warnings.simplefilter("default")
            exec(compile(code, f"docs/guides/{guide}.md[python block {i}]", "exec"), namespace)
    if guide not in SLOW_GUIDES:
        assert time.perf_counter() - t0 < 30, f"{guide}'s snippets are slow: add it to SLOW_GUIDES"


def test_api_pages_are_the_ones_the_module_list_writes():
    pages = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md")}
    assert pages == expected_pages(), "docs/api is stale: build the docs once and commit docs/api"


def _public_modules() -> set[str]:
    import jaxnn

    found = {"jaxnn"}
    for info in pkgutil.walk_packages(jaxnn.__path__, "jaxnn."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if hasattr(importlib.import_module(info.name), "__all__"):
            found.add(info.name)
    return found


def test_every_public_module_is_in_the_api_reference():
    # A module outside the list is fine when a listed module re-exports all of its names
    # (jaxnn.optim.adaptive's optimizers are documented as jaxnn.optim.adam, ...).
    from _ext.xref import homes

    documented = {id(getattr(importlib.import_module(m), n)) for m, n in homes()}
    missing = []
    for name in sorted(_public_modules() - set(API_MODULES) - set(NOT_IN_REFERENCE)):
        module = importlib.import_module(name)
        if any(id(getattr(module, n)) not in documented for n in module.__all__):
            missing.append(name)
    assert not missing, f"add {missing} to API_MODULES in docs/_ext/api_modules.py"
    assert set(API_MODULES) <= _public_modules()


def test_the_index_check_finds_a_missing_name():
    # the check of the built index, on a hand-made index: complete, then without one name
    from _ext.xref import homes

    complete = set(API_MODULES) | set(homes().values())
    assert missing_names(complete) == []
    assert missing_names(complete - {"jaxnn.train.fit"}) == ["jaxnn.train.fit"]
    # a re-exported name is checked at its home: jaxnn.init_mlp is documented as jaxnn.nn.init_mlp
    assert "jaxnn.init_mlp (jaxnn.nn.init_mlp)" in missing_names(complete - {"jaxnn.nn.init_mlp"})


def test_formula_blocks_become_literal_blocks():
    lines = ["Summary.", "", "    mse(p, t) = mean((p - t)^2)", "    |z| large", "", "More."]
    assert literal_formula_blocks(lines) == [
        "Summary.", "", ".. code-block:: text", "", "    mse(p, t) = mean((p - t)^2)", "    |z| large",
        "", "More.",
    ]  # fmt: skip
    # Google sections, lists and existing literal blocks are left alone
    for kept in (
        ["Args:", "    x: the input", "        more on x"],
        ["- an item", "  its second line"],
        ["Example::", "", "    code"],
    ):
        assert literal_formula_blocks(kept) == kept


def _sphinx_build(src: Path, out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html"]
    return subprocess.run(
        [*cmd, str(src), str(out)], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.mark.slow
def test_docs_build_clean_and_index_every_public_name(tmp_path):
    pytest.importorskip("sphinx")
    from check_index import indexed_names

    out = tmp_path / "html"
    proc = _sphinx_build(DOCS, out)
    assert proc.returncode == 0, proc.stderr
    assert missing_names(indexed_names(out)) == []


@pytest.mark.slow
def test_a_broken_cross_reference_fails_the_build(tmp_path):
    pytest.importorskip("sphinx")
    src = tmp_path / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build"))
    guide = src / "guides" / "training.md"
    guide.write_text(guide.read_text() + "\nSee {func}`jaxnn.train.fitt`.\n", encoding="utf-8")
    proc = _sphinx_build(src, tmp_path / "html")
    assert proc.returncode != 0
    assert "py:func reference target not found: jaxnn.train.fitt" in proc.stderr
