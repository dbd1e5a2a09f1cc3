"""The command line prints what the stage solver finds."""
import pytest

from spbe.cli import main


def test_examples_lists_catalog(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for name in ("public-goods", "markov-public-goods", "threshold-public-goods", "contribution-game"):
        assert name in out


def test_stage_prints_all_equilibria(capsys):
    assert main(["stage", "public-goods", "--belief", "0.1,0.15", "--belief", "0.5,0.5"]) == 0
    out = capsys.readouterr().out
    assert "pi1=[0.1, 0.9], pi2=[0.15, 0.85]: 3 equilibria" in out
    assert "P(a=1|L)=0.8889" in out              # the mixed solution 0.8 / (1 - 0.1)
    assert "pi1=[0.5, 0.5], pi2=[0.5, 0.5]: 1 equilibria" in out


def test_stage_rejects_unknown_game_and_bad_belief(capsys):
    assert main(["stage", "no-such-game"]) == 2
    capsys.readouterr()
    assert main(["stage", "public-goods", "--belief", "0.1"]) == 2
    assert "--belief '0.1': expected 2 comma-separated entries" in capsys.readouterr().err


def test_solve_writes_a_loadable_result_and_figures(tmp_path, capsys):
    import json

    import spbe
    assert main(["solve", "public-goods", "--delta", "0.5", "--grid", "6", "--out", str(tmp_path)]) == 0
    eq = spbe.load(tmp_path / "equilibrium.npz")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] and eq.converged
    assert summary["grid_epsilon"] == eq.grid_epsilon <= 1e-6
    assert summary["epsilon"] == eq.epsilon and summary["success"] == eq.success
    assert summary["gain_per_round"] == eq.verification["gain_per_round"]
    for name in ("strategy_agent1_L_action1.png", "strategy_agent1_H_action1.png", "value_agent1_L.png",
                 "convergence.png"):
        assert (tmp_path / name).stat().st_size > 1000
    printed = capsys.readouterr().out
    assert "converged: θ solves (6.17a)" in printed and "game-level epsilon per round" in printed


def test_solve_reports_progress_lines_when_not_a_terminal(tmp_path, capsys):
    # captured stdout is not a terminal: the plain line every --report-every sweeps
    assert main(["solve", "public-goods", "--delta", "0.5", "--grid", "4", "--report-every", "2",
                 "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("  sweep")]
    assert lines and "\r" not in out
    assert all("residual/round" in ln and "case changes" in ln for ln in lines)
    vi = [int(ln.split()[1]) for ln in lines if " value-iteration" in ln]
    assert vi and all(s % 2 == 0 for s in vi)                      # every 2nd sweep only
    assert any("policy-iteration" in ln for ln in lines)          # and every non-VI sweep
    import re
    assert all(re.search(r"residual/round \d\.\d\de[+-]\d\d", ln) for ln in lines)
    assert main(["solve", "public-goods", "--delta", "0.5", "--grid", "4", "--no-progress",
                 "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "sweep" not in out and "converged" in out


class _FakeTTY:
    """A text stream that says it is a terminal."""

    def __init__(self):
        import io
        self.buffer = io.StringIO()

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass

    def isatty(self):
        return True

    def getvalue(self):
        return self.buffer.getvalue()


def test_progress_bar_redraws_one_line_on_a_terminal():
    from spbe._progress import ProgressBar, format_elapsed
    stream = _FakeTTY()
    now = [0.0]
    bar = ProgressBar(stream, delta=0.9, schedule=(0.0, 0.5, 0.8, 0.9), max_iter=10, width=10,
                      min_interval=0.0, clock=lambda: now[0])
    assert bar.tty
    records = [dict(delta=0.0, sweep=1, residual=0.25, case_changes=12, flagged=0, phase="value-iteration"),
               dict(delta=0.0, sweep=2, residual=1.5e-9, case_changes=0, flagged=0, phase="value-iteration"),
               dict(delta=0.8, sweep=3, residual=3.2e-3, case_changes=4, flagged=1, phase="value-iteration"),
               dict(delta=0.9, sweep=8, residual=1.234e-4, case_changes=0, flagged=0,
                    phase="value-iteration+anderson")]
    for rec in records:
        now[0] += 1.0
        assert bar(rec) is None                                   # never stops the solve
    text = stream.getvalue()
    assert text.count("\r") == 4 and "\n" not in text             # one line, redrawn in place
    last = text.split("\r")[-1]
    assert "residual/round 1.23e-04" in last and "δ=0.9 (4/4)" in last and "sweep    8" in last
    assert "VI+Anderson" in last and "case changes 0" in last and "flagged" not in last
    # stage 4 of 4, 1 of 10 sweeps into it: (3 + 0.1) / 4 of the bar; 4 s elapsed
    assert bar.fraction() == pytest.approx(3.1 / 4) and last.startswith("[########--] 4 s δ=0.9")
    assert "flagged 1" in text.split("\r")[3]
    assert "δ=0 (1/4)" in text.split("\r")[1] and "residual/round 2.50e-01" in text
    # a shorter line is padded so that no characters of the longer one remain
    assert all(len(seg) >= len(prev) for prev, seg in zip(text.split("\r")[1:], text.split("\r")[2:]))
    now[0] += 1.0
    bar(dict(delta=0.9, sweep=9, residual=2e-10, case_changes=0, flagged=0, phase="policy-iteration"))
    bar.close()
    bar.close()                                                   # idempotent
    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    assert bar.fraction() == 1.0 and "policy-iter" in text.split("\r")[-1]
    assert format_elapsed(5.2) == "5 s" and format_elapsed(125) == "2:05" and format_elapsed(3723) == "1:02:03"


def test_progress_bar_throttles_and_draws_the_last_record_on_close():
    import io
    from spbe._progress import ProgressBar
    stream = io.StringIO()
    stream.isatty = lambda: True                                  # a fake terminal
    now = [0.0]
    with ProgressBar(stream, delta=0.5, max_iter=100, min_interval=10.0, clock=lambda: now[0]) as bar:
        for s in range(1, 6):
            now[0] += 1.0
            bar(dict(delta=0.5, sweep=s, residual=10.0 ** -s, case_changes=0, flagged=0,
                     phase="value-iteration"))
    text = stream.getvalue()
    assert text.count("\r") == 2                                  # the first record, then the last on close
    assert "residual/round 1.00e-05" in text.split("\r")[-1] and text.endswith("\n")


def test_progress_bar_as_a_solve_callback_and_for_a_finite_horizon():
    import io

    import spbe
    from spbe._progress import ProgressBar
    stream = io.StringIO()
    with ProgressBar(stream, horizon=3, every=1, tty=False) as bar:
        eq = spbe.solve(spbe.examples.public_goods(0.5), grid=3, horizon=3, callback=bar, verify=False)
    assert eq.iterations == 3
    assert stream.getvalue().splitlines() == [f"  period {t}: 0 flagged" for t in (3, 2, 1)]
    tty = _FakeTTY()
    with ProgressBar(tty, horizon=3, min_interval=0.0) as bar:
        spbe.solve(spbe.examples.public_goods(0.5), grid=3, horizon=3, callback=bar, verify=False)
    last = tty.getvalue().split("\r")[-1]
    assert last.startswith("[" + "#" * 20 + "]") and "period 1 (3/3 done)" in last and last.endswith("\n")
