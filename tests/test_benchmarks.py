"""The benchmark scripts: recorded results exist, the READMEs match them, each script runs.

Default tests only read JSON and render text (no JAX work). The slow test runs every benchmark
script in ``--quick`` mode into ``tmp_path`` (minutes: ``pytest -m slow tests/test_benchmarks.py``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.xdist_group("benchmarks")


def test_every_listed_script_that_exists_has_recorded_results():
    names = run.available()
    expected = {"optimizer_step", "train_throughput", "gd_vs_sgd", "xor", "scaling", "sweep"}
    assert expected <= set(names)
    for name in names:
        path = run.RESULTS / f"{name}.json"
        assert path.exists(), f"no recorded results for {name}: run benchmarks/run.py --only {name}"
        payload = json.loads(path.read_text(encoding="utf-8"))
        assert payload["benchmark"] == name
        assert {"date", "jax", "device", "backend"} <= set(payload["machine"])
        assert payload["results"], name


def test_benchmarks_readme_matches_the_results_files():
    results = run.load_results()
    expected = run.render_bench_readme(results)
    assert run.BENCH_README.read_text(encoding="utf-8") == expected, (
        "benchmarks/README.md is stale: python benchmarks/run.py --readme-only"
    )
    # every recorded benchmark has its section, dated
    for name, d in results.items():
        assert f"`{name}.py`" in expected
        assert d["machine"]["date"] in expected


def test_docs_benchmarks_page_matches_the_results_files():
    results = run.load_results()
    page = run.render_docs_page(results)
    assert run.DOCS_PAGE.read_text(encoding="utf-8") == page, (
        "docs/guides/benchmarks.md is stale: python benchmarks/run.py --readme-only"
    )
    # the same tables as benchmarks/README.md, with the plots linked from docs/guides/
    assert "\n".join(run.render_sections(results, "results")) in run.render_bench_readme(results)
    for name in results:
        if (run.RESULTS / f"{name}.png").exists():
            assert f"](../../benchmarks/results/{name}.png)" in page
            assert (
                (run.DOCS_PAGE.parent / f"../../benchmarks/results/{name}.png").resolve().exists()
            )


def test_top_readme_block_matches_the_results_files():
    text = run.TOP_README.read_text(encoding="utf-8")
    block = run.render_top_block(run.load_results())
    assert block in text, (
        "README.md benchmarks block is stale: python benchmarks/run.py --readme-only"
    )
    assert run.replace_block(text, block) == text
    # the block sits inside the Benchmarks section (before the next section's heading)
    section = text.index("## Benchmarks")
    assert section < text.index(run.START) < text.index(run.END) < text.index("\n## ", section + 1)


def test_recorded_tables_show_the_recorded_numbers():
    # an independent look at two numbers: the README shows what the JSON says, rounded
    results = run.load_results()
    readme = run.BENCH_README.read_text(encoding="utf-8")
    opt = results["optimizer_step"]["results"][0]
    assert f"{opt['jaxnn_over_optax_time']:.2f}×" in readme
    tt = results["train_throughput"]["results"][0]
    assert f"{tt['steps_per_second']['fit']['median']:,.0f}" in readme


def test_replace_block_needs_the_markers():
    with pytest.raises(ValueError, match="benchmarks:start"):
        run.replace_block("no markers here", "x")
    text = f"a\n{run.START}\nold\n{run.END}\nb"
    assert run.replace_block(text, "NEW") == "a\nNEW\nb"


# These scripts run --quick in their own module's slow test, which also checks their numbers.
OWN_TEST = {
    "gd_vs_sgd": "test_gd_vs_sgd.py",
    "scaling": "test_parallel.py",
    "sweep": "test_sweep_experiments.py",
}


def test_scripts_with_their_own_quick_run_are_run_there():
    for name, test_file in OWN_TEST.items():
        text = (ROOT / "tests" / test_file).read_text(encoding="utf-8")
        assert f"{name}.py" in text and '"--quick"' in text, (name, test_file)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in run.available() if n not in OWN_TEST])
def test_script_runs_in_quick_mode(name, tmp_path):
    env = dict(os.environ)
    env["XLA_FLAGS"] = env.get("XLA_FLAGS", "")
    code = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / f"{name}.py"),
            "--quick",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert code.returncode == 0, code.stdout[-2000:] + code.stderr[-4000:]
    payload = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    assert payload["benchmark"] == name
    assert payload["config"].get("quick", True) is True
    assert payload["results"]
