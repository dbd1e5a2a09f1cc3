"""The documentation site builds with warnings as errors and every cross-reference resolved
(``sphinx -W -n``), a broken reference fails the build, and the product text carries no
project-management history (session, stop or issue numbers)."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

for _mod in ("sphinx", "numpydoc", "myst_parser"):
    pytest.importorskip(_mod)


def build(src: Path, out: Path):
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_docs_build_without_warnings(tmp_path):
    res = build(ROOT / "docs", tmp_path / "html")
    assert res.returncode == 0, res.stdout + res.stderr
    html = (tmp_path / "html" / "api.html").read_text()
    assert 'id="spbe.solve"' in html and 'id="spbe.Equilibrium"' in html      # the API reference
    for page in ("getting-started", "results", "algorithm", "performance", "reproductions", "changelog",
                 "design/rejected", "design/performance-history"):
        assert (tmp_path / "html" / f"{page}.html").exists(), page


def test_a_broken_reference_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("_build"))
    # the copy includes files by relative paths (../CHANGELOG.md, ../mechanisms/...): keep them reachable
    (tmp_path / "CHANGELOG.md").write_text((ROOT / "CHANGELOG.md").read_text())
    shutil.copytree(ROOT / "mechanisms", tmp_path / "mechanisms", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    with open(docs / "getting-started.md", "a") as fh:
        fh.write("\nSee {func}`spbe.no_such_function`.\n")
    res = build(docs, tmp_path / "html")
    assert res.returncode != 0
    assert "no_such_function" in res.stdout + res.stderr


HISTORY = re.compile(r"\b(stop|stops|issue|issues|session|sessions) #?[0-9]", re.IGNORECASE)


def product_files():
    for base in ("spbe", "mechanisms", "docs"):
        for path in sorted((ROOT / base).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".md", ".rst", ".txt", ".cfg", ".toml"} \
                    and "_build" not in path.parts:
                yield path
    yield ROOT / "README.md"
    yield ROOT / "CHANGELOG.md"


def test_no_project_history_in_the_product():
    hits = []
    for path in product_files():
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if HISTORY.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_history_pattern_would_catch_it():
    assert HISTORY.search("measured at stop 21") and HISTORY.search("see issue 4")
    assert not HISTORY.search("stops changing") and not HISTORY.search("an issue with 3 agents")
