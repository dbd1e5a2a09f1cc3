"""The README's set-up commands are the ones CI runs, and its quick start runs."""
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", setup, flags=re.S)]


def test_ci_runs_the_readme_commands_verbatim():
    commands = readme_commands()
    assert len(commands) == 2
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    for cmd in commands:
        assert cmd in ci_lines


def test_quick_start_snippets_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                      # the snippets save files
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", quick, flags=re.S):
        exec(compile(block, "README.md", "exec"), namespace)
    res = namespace["res"]
    assert res.success and all(s.residual <= 1e-9 for s in res)
    assert namespace["eq"].converged and namespace["fin"].converged
