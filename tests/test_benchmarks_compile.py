"""The benchmark scripts are not run by the tests (they time things; see benchmarks/), but they
must stay valid Python: a syntax error there would only show when a user runs them."""
import py_compile
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py"))


def test_there_are_benchmarks():
    assert {p.name for p in BENCHMARKS} >= {"bench_solve.py", "bench_stage.py"}


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_compiles(path, tmp_path):
    py_compile.compile(str(path), cfile=str(tmp_path / (path.stem + ".pyc")), doraise=True)
