"""The README's commands run: its set-up commands are the ones CI runs, its Python snippets run,
and every line of its command-line block runs (on the game its snippets write)."""
import json
import re
import shlex
from pathlib import Path

from spbe.cli import main

ROOT = Path(__file__).resolve().parent.parent


def section(title):
    text = (ROOT / "README.md").read_text()
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_commands():
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section("Set-up"), flags=re.S)]


def test_ci_runs_the_readme_commands_verbatim():
    commands = readme_commands()
    assert len(commands) == 2
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    for cmd in commands:
        assert cmd in ci_lines


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 210


def test_quick_start_and_command_line_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                      # the snippets and commands write files
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", section("Quick start"), flags=re.S):
        exec(compile(block, "README.md", "exec"), namespace)
    res = namespace["res"]
    assert res.success and all(s.residual <= 1e-9 for s in res)
    assert namespace["eq"].converged and namespace["fin"].converged
    assert Path("my_game.json").exists()

    lines = re.findall(r"```bash\n(.*?)```", section("Command line"), flags=re.S)
    assert len(lines) == 1
    commands = [line.split("#", 1)[0].strip() for line in lines[0].strip().splitlines()]
    assert len(commands) >= 5 and all(c.startswith("spbe ") for c in commands)
    for command in commands:
        status = main(shlex.split(command)[1:])
        assert status == 0, (command, capsys.readouterr())
    summary = json.loads(Path("results/summary.json").read_text())
    assert summary["grid"] == 5 and "epsilon_per_round" in json.dumps(summary)
