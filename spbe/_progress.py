"""A text progress bar for :func:`spbe.solve` (no dependencies beyond the standard library).

:class:`ProgressBar` is a callback: ``spbe.solve`` calls it with the record of every sweep (the
dicts that end up in ``Equilibrium.history``). On a terminal it keeps one line up to date,
redrawn with a carriage return::

    [###########---------] 12 s δ=0.8 (3/4) sweep   41 VI+Anderson residual/round 3.12e-07 case changes 0

(elapsed time, the δ stage, the sweep, the phase — VI: damped value iteration, VI+Anderson:
accelerated, policy-iter: the policy-iteration polish — the Bellman residual per round, the
nodes that changed case, and the nodes without an exact stage solution when there are any).

The bar runs over the stages of the δ schedule (δ-continuation) and, within a stage, over
``max_iter`` sweeps; it is full for the policy-iteration polish at the end. A finite horizon
shows the periods of the backward recursion instead. When the stream is not a terminal (a log
file, a pipe, a notebook's captured output) it writes one plain line every ``every`` sweeps and
for every sweep that is not plain value iteration, so that logs stay readable.

Use it as a context manager (or call :meth:`ProgressBar.close`) so that the line is ended::

    from spbe._progress import ProgressBar
    with ProgressBar(delta=0.95, max_iter=500) as bar:
        eq = spbe.solve(game, grid=21, callback=bar)

The callback never stops the solve (it returns None).
"""
from __future__ import annotations

import shutil
import sys
import time
from typing import Optional, Sequence

__all__ = ["ProgressBar", "compile_notice", "format_elapsed"]

DEFAULT_SCHEDULE = (0.0, 0.5, 0.8, 0.9)     # spbe.solvers.solve.DEFAULT_SCHEDULE (not imported: no numba here)


#: short phase names on the terminal line
_PHASES = {"value-iteration": "VI", "value-iteration+anderson": "VI+Anderson",
           "policy-iteration": "policy-iter", "best-iterate": "best-iterate"}


def format_elapsed(seconds: float) -> str:
    """``"12 s"``, ``"3:05"`` (minutes), ``"1:02:03"`` (hours)."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    m, s = divmod(int(round(seconds)), 60)
    if m < 60:
        return f"{m}:{s:02d}"
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


class ProgressBar:
    """Progress of a solve: a callable for ``spbe.solve(..., callback=ProgressBar(...))``.

    Parameters
    ----------
    stream : text stream, optional
        Where to write (default ``sys.stdout`` at construction).
    delta : float, optional
        The δ being solved for; with ``schedule`` it fixes the stages the bar runs over
        (``[d for d in schedule if d < delta] + [delta]``, as ``spbe.solve`` does). Without it
        the stages are counted as they come.
    schedule : sequence of float or None
        The δ schedule of the solve (its ``options["schedule"]``; default the default schedule).
    max_iter : int
        ``max_iter`` of the solve: the sweeps a stage may take.
    horizon : int, optional
        Finite horizon T: the bar runs over the T periods of the backward recursion.
    every : int
        Not a terminal: write a line every ``every`` sweeps (and at every sweep that is not
        plain value iteration, and every period of a backward recursion).
    width : int
        Characters of the bar itself.
    tty : bool, optional
        Force the terminal (True) or the line-per-N-sweeps (False) output; default
        ``stream.isatty()``.
    min_interval : float
        On a terminal, redraw at most this often (seconds); the last record is drawn on close.
    """

    def __init__(self, stream=None, *, delta: Optional[float] = None,
                 schedule: Optional[Sequence[float]] = DEFAULT_SCHEDULE, max_iter: int = 500,
                 horizon: Optional[int] = None, every: int = 10, width: int = 20,
                 tty: Optional[bool] = None, min_interval: float = 0.1, clock=time.perf_counter):
        self.stream = sys.stdout if stream is None else stream
        if tty is None:
            try:
                tty = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                tty = False
        self.tty = tty
        self.stages = (None if delta is None else
                       [float(d) for d in (schedule or ()) if d < delta] + [float(delta)])
        self.max_iter = max(1, int(max_iter))
        self.horizon = horizon
        self.every = max(1, int(every))
        self.width = max(1, int(width))
        self.min_interval = float(min_interval)
        self._clock = clock
        self._t0 = clock()
        self._last = None            # last record seen
        self._drawn = None           # record last drawn (terminal)
        self._last_draw = -float("inf")
        self._line_len = 0
        self._seen_deltas: list = []
        self._stage_start = None     # sweep number before the current stage's first sweep
        self._periods = 0
        self.closed = False

    # ------------------------------------------------------------------ callback
    def __call__(self, record: dict) -> None:
        if self.closed:
            return None
        record = dict(record)
        record.setdefault("_elapsed", self._clock() - self._t0)
        self._track(record)
        self._last = record
        if self.tty:
            now = self._clock()
            new_stage = self._drawn is None or (record.get("delta"), record.get("phase")) != (
                self._drawn.get("delta"), self._drawn.get("phase"))
            if new_stage or now - self._last_draw >= self.min_interval:
                self._draw(record)
                self._last_draw = now
        else:
            line = self._log_line(record)
            if line is not None:
                self.stream.write(line + "\n")
                self.stream.flush()
        return None

    def _track(self, h: dict) -> None:
        if h.get("phase") == "backward-recursion":
            self._periods += 1
            h["_done"] = self._periods
            return
        d = h.get("delta")
        if d is not None and (not self._seen_deltas or self._seen_deltas[-1] != d):
            self._seen_deltas.append(d)
            self._stage_start = h.get("sweep", 1) - 1
        h["_in_stage"] = h.get("sweep", 1) - (self._stage_start or 0)

    # ------------------------------------------------------------------ formatting
    def _log_line(self, h: dict) -> Optional[str]:
        """The non-terminal output: the line ``spbe solve`` has always written (or None)."""
        if h.get("phase") == "backward-recursion":
            return f"  period {h['period']}: {h['flagged']} flagged"
        phase = h.get("phase", "")
        if h.get("sweep", 0) % self.every == 0 or not phase.startswith("value-iteration"):
            return (f"  sweep {h['sweep']:4d}  δ={h['delta']:<5g} {phase:17s} residual/round "
                    f"{h['residual']:.2e}  case changes {h.get('case_changes')}  flagged {h.get('flagged')}  "
                    f"[{h['_elapsed']:.0f} s]")
        return None

    def fraction(self, h: Optional[dict] = None) -> float:
        """How far the solve is, in [0, 1], judged from record ``h`` (default the last one)."""
        h = self._last if h is None else h
        if h is None:
            return 0.0
        if h.get("phase") == "backward-recursion":
            T = self.horizon or h.get("_done", 1)
            return min(1.0, h.get("_done", 1) / T)
        if not str(h.get("phase", "")).startswith("value-iteration"):
            return 1.0                                   # policy-iteration polish, best iterate
        index, n = self._stage(h)
        within = min(1.0, h.get("_in_stage", 1) / self.max_iter)
        return min(1.0, (index + within) / n) if n else within

    def _stage(self, h: dict) -> tuple[int, Optional[int]]:
        d = h.get("delta")
        if self.stages is not None:
            for k, s in enumerate(self.stages):
                if abs(s - d) <= 1e-12:
                    return k, len(self.stages)
        k = self._seen_deltas.index(d) if d in self._seen_deltas else 0
        return k, None

    def _bar(self, frac: float) -> str:
        full = int(round(frac * self.width))
        return "[" + "#" * full + "-" * (self.width - full) + "]"

    def render(self, h: Optional[dict] = None) -> str:
        """The terminal line for record ``h`` (default the last one), without ``\\r``."""
        h = self._last if h is None else h
        if h is None:
            return self._bar(0.0) + " starting"
        elapsed = format_elapsed(h.get("_elapsed", self._clock() - self._t0))
        bar = self._bar(self.fraction(h))
        if h.get("phase") == "backward-recursion":
            T = f"/{self.horizon}" if self.horizon else ""
            return (f"{bar} {elapsed} period {h['period']} ({h.get('_done', 1)}{T} done) flagged "
                    f"{h.get('flagged')} stage residual {h.get('stage_residual', float('nan')):.1e}")
        index, n = self._stage(h)
        stage = f"({index + 1}/{n})" if n else f"(stage {index + 1})"
        changes = h.get("case_changes")
        phase = _PHASES.get(h.get("phase", ""), h.get("phase", ""))
        flagged = f" flagged {h['flagged']}" if h.get("flagged") else ""
        return (f"{bar} {elapsed} δ={h.get('delta', float('nan')):g} {stage} sweep {h.get('sweep', 0):4d} "
                f"{phase} residual/round {h.get('residual', float('nan')):.2e} "
                f"case changes {'-' if changes is None else changes}{flagged}")

    def _draw(self, h: dict) -> None:
        line = self.render(h)
        columns = shutil.get_terminal_size(fallback=(120, 24)).columns
        if len(line) > columns - 1 > 20:                # never wrap: \r only returns within a line
            line = line[:columns - 2] + "…"
        pad = max(0, self._line_len - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._line_len = len(line)
        self._drawn = h

    # ------------------------------------------------------------------ end
    def close(self) -> None:
        """End the line (terminal): draw the last record if it was not drawn, then a newline."""
        if self.closed:
            return
        self.closed = True
        if self.tty and self._last is not None:
            if self._drawn is not self._last:
                self._draw(self._last)
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class compile_notice:
    """Context manager that says when numba compiles: the first run after an install compiles
    the kernels (a minute or more) before anything else is printed, and a command that sits
    silent that long looks hung. On the first compilation it writes one line, then a line every
    ``every`` seconds while compiling goes on, and on exit the total time spent compiling (only
    if something was compiled: with the on-disk cache, later runs print nothing)."""

    def __init__(self, stream=None, every: float = 20.0):
        self.stream = stream if stream is not None else sys.stdout
        self.every = every
        self.total = 0.0
        self._depth = 0
        self._start = None
        self._first = None
        self._listener = None
        self._stop = None

    def _write(self, text):
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):          # a closed stream must not break the solve
            pass

    def _heartbeat(self):
        while not self._stop.wait(self.every):
            if self._depth > 0 and self._first is not None:
                self._write(f"  ... still compiling ({self.total + time.perf_counter() - self._start:.0f} s)")

    def __enter__(self):
        try:
            from numba.core import event
        except ImportError:                    # pragma: no cover - numba is a dependency
            return self
        import threading

        notice = self

        class _Listener(event.Listener):
            def on_start(self, ev):
                if notice._depth == 0:
                    notice._start = time.perf_counter()
                    if notice._first is None:
                        notice._first = notice._start
                        notice._write("compiling the numba kernels (first run only; they are cached on disk "
                                      "for later runs) ...")
                notice._depth += 1

            def on_end(self, ev):
                notice._depth -= 1
                if notice._depth == 0 and notice._start is not None:
                    notice.total += time.perf_counter() - notice._start

        self._event = event
        self._listener = _Listener()
        event.register("numba:compile", self._listener)
        self._stop = threading.Event()
        threading.Thread(target=self._heartbeat, daemon=True).start()
        return self

    def __exit__(self, *exc):
        if self._listener is not None:
            self._event.unregister("numba:compile", self._listener)
            self._stop.set()
            if self._first is not None:
                self._write(f"compiled the numba kernels in {self.total:.0f} s")
        return False
