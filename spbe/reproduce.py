"""Registry of named reproductions: ``spbe reproduce NAME --out DIR``.

Every table or figure of the source documents that the package reproduces is a
:class:`Reproduction`: a name (``ch6-public-goods``, ``ch5-table2``, ...), the source it
reproduces, and a function ``run(out_dir, quick)`` that computes the key numbers, writes the
figures into ``out_dir`` and returns the numbers as a JSON-serialisable dict. :func:`run`
writes that dict to ``out_dir/NAME.json``.

Reproductions of ``spbe`` itself are listed in :data:`spbe.reproduce.BUILTIN`. Other packages (``mechanisms``)
add theirs through the ``spbe.reproductions`` entry-point group, so that ``spbe`` never
imports them::

    # setup.cfg of the providing package
    [options.entry_points]
    spbe.reproductions =
        ch5-table2 = mechanisms.fair_allocation.reproductions:TABLE2

The entry point names a :class:`Reproduction` object (not a module), and its name must equal
the entry-point name. Nothing is imported until a reproduction is listed or run.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable

ENTRY_POINT_GROUP = "spbe.reproductions"


@dataclass(frozen=True)
class Reproduction:
    """A named reproduction of a table or figure of the sources.

    Attributes
    ----------
    name : str
        The name used on the command line, e.g. ``"ch6-public-goods"``.
    description : str
        One line: what is reproduced.
    source : str
        Where in the sources (document, chapter, figure or table numbers).
    run : callable
        ``run(out_dir: pathlib.Path, quick: bool) -> dict``. Writes its figures into
        ``out_dir`` and returns the key numbers (JSON-serialisable: floats, ints, strings,
        lists and dicts of these; NaN and infinities are written as ``null``). ``quick=True``
        asks for a cheaper run (coarser grids, fewer seeds) for tests; the returned dict must
        then say so under the key ``"quick"``.
    slow : bool
        True if the full run takes more than about a minute on a 2-core machine.
    """
    name: str
    description: str
    source: str
    run: Callable = field(repr=False)
    slow: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or any(c.isspace() for c in self.name):
            raise ValueError(f"name: expected a non-empty string without spaces, got {self.name!r}")
        if not callable(self.run):
            raise TypeError(f"run: expected a callable run(out_dir, quick) -> dict, got {self.run!r}")


#: name -> "module:attribute" of spbe's own reproductions (imported only when used)
BUILTIN: dict[str, str] = {
    "ch6-public-goods": "spbe.reproductions.ch6_public_goods:REPRODUCTION",
    "ch6-refinement": "spbe.reproductions.ch6_refinement:REPRODUCTION",
}


def _load(target: str) -> Reproduction:
    module, _, attribute = target.partition(":")
    obj = getattr(import_module(module), attribute)
    if not isinstance(obj, Reproduction):
        raise TypeError(f"{target} is not a spbe.reproduce.Reproduction (got {type(obj).__name__})")
    return obj


def _targets() -> dict[str, str]:
    targets = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in targets and targets[ep.name] != ep.value:
            raise RuntimeError(f"reproduction {ep.name!r} is registered twice: "
                               f"{targets[ep.name]} and {ep.value}")
        targets[ep.name] = ep.value
    return targets


def names() -> list[str]:
    """The names of all registered reproductions (nothing is imported)."""
    return sorted(_targets())


def get(name: str) -> Reproduction:
    """The reproduction called ``name`` (imports its module)."""
    targets = _targets()
    if name not in targets:
        raise KeyError(f"name: no reproduction called {name!r}; registered: {', '.join(sorted(targets))}")
    rep = _load(targets[name])
    if rep.name != name:
        raise RuntimeError(f"entry point {name!r} points to a reproduction named {rep.name!r}")
    return rep


def available() -> dict[str, Reproduction]:
    """Every registered reproduction, by name (imports their modules)."""
    return {name: get(name) for name in names()}


def pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend, for a reproduction's figures."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, out_dir, name: str, *, dpi: int = 110, tight: bool = True, **options) -> Path:
    """Write ``fig`` to ``out_dir / name`` (after ``tight_layout`` unless ``tight`` is false;
    ``options`` go to ``savefig``), close it and return the path."""
    if tight:
        fig.tight_layout()
    path = Path(out_dir) / name
    fig.savefig(path, dpi=dpi, **options)
    pyplot().close(fig)
    return path


def _json_ready(obj):
    """Numbers as JSON can hold them: numpy scalars and arrays to Python, NaN/inf to None."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if np is not None and isinstance(obj, np.ndarray):
        return _json_ready(obj.tolist())
    if np is not None and isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def run(name: str, out_dir, quick: bool = False) -> dict:
    """Run reproduction ``name``; write ``out_dir/NAME.json`` and its figures; return the numbers.

    The JSON file also records ``name``, ``source``, ``quick`` and the wall time in seconds.
    """
    rep = get(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    numbers = rep.run(out, quick)
    if not isinstance(numbers, dict):
        raise TypeError(f"reproduction {name!r} returned {type(numbers).__name__}, expected a dict")
    record = {"name": name, "source": rep.source, "quick": bool(quick)}
    record.update(numbers)
    record["elapsed_s"] = time.perf_counter() - t0
    record = _json_ready(record)
    (out / f"{name}.json").write_text(json.dumps(record, indent=2, sort_keys=False, allow_nan=False))
    return record
