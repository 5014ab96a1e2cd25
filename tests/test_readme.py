"""README.md's commands are the ones CI runs, and its Python examples run."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_install_and_test_commands():
    test_line = next(b for b in _blocks("bash") if "pytest" in b).strip().splitlines()[0]
    parts = [p.strip() for p in test_line.split("&&")]
    install = next(p for p in parts if p.startswith("pip install"))
    test = next(p for p in parts if "pytest" in p)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install in ci, f"README's install command {install!r} is not what .ci/run runs"
    assert test in ci, f"README's test command {test!r} is not what .ci/run runs"


def test_readme_quickstart_is_examples_quickstart_and_runs():
    code = next(b for b in _blocks("python") if "value_and_grad" in b)
    script = ROOT / "examples" / "quickstart.py"
    assert code in script.read_text(encoding="utf-8"), "README quickstart != examples/quickstart.py"
    scope = runpy.run_path(str(script), run_name="__main__")
    assert float(scope["loss"]) < 0.05 and scope["steps"] == 300


def test_quickstart_honours_quick_and_labels_its_output():
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first.startswith("loss after 100 Adam steps: ")
    assert second == "P(y=1) for inputs 00 01 10 11: [0. 1. 1. 0.], targets [0. 1. 1. 0.]"


def test_readme_has_exactly_two_setup_commands_the_main_job_and_the_tests():
    clone, main_job, tests = (b.strip() for b in _blocks("bash"))  # exactly three shell blocks
    assert clone.startswith("git clone ")
    # Each command in its own fresh virtual environment.
    assert main_job == (
        'python3 -m venv .venv-tour && . .venv-tour/bin/activate && pip install ".[data]" '
        "&& jaxnn tour"
    )
    assert tests == (
        "python3 -m venv .venv-test && . .venv-test/bin/activate && "
        'pip install -e ".[dev]" && python -m pytest'
    )
    assert README.index(main_job) < README.index(tests)
    # What the main job needs exists: the `tour` command, the console script, the `data` extra.
    from jaxnn import cli

    assert "tour" in [c.name for c in cli.COMMANDS]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'jaxnn = "jaxnn.cli:main"' in pyproject and "\ndata = [" in pyproject


def test_readme_pictures_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", README)
    assert pictures
    for picture in pictures:
        assert (ROOT / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture


def test_readme_lists_every_subcommand_and_example():
    from jaxnn import cli

    for cmd in cli.COMMANDS:
        assert f"| `jaxnn {cmd.name}" in README, cmd.name
    for example in (ROOT / "examples").glob("*.py"):
        assert f"`examples/{example.name}`" in README, example.name


def test_readme_names_the_book_and_says_how_to_install():
    assert "*모두의 딥러닝* (Deep Learning for Everyone, 2nd ed., Gilbut)" in README
    private = re.search(r"seed's|the seed\b|what the seed|seed ch\.|seed fig", README, re.I)
    assert private is None, f"README says {private.group(0)!r}: name the book instead"
    assert "`pip install jaxnn` from a package index installs\nan unrelated project" in README
    assert "`pip install scikit-learn`" in README and "jaxnn[data]" not in README
    assert "about 4 minutes on a 2-core CPU" in README  # the test suite's expected duration


def test_license_is_the_apache_license_pyproject_declares():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 10_000
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
