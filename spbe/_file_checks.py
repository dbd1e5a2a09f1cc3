"""Files the package reads back are checked, not trusted.

``spbe.load`` (saved equilibria), resuming from a checkpoint and the coarse levels of a grid
continuation read ``.npz`` archives of plain arrays and a JSON header (never pickle). Here every
such file is read completely (a truncated or corrupted archive gives one error naming the file,
not a zlib, zip or EOF error from inside numpy), the header's known fields are checked for type
and range (unknown extra fields are kept), and the arrays for dtype, shape and values: finite
values, strategies that are probability distributions. A checkpoint records a fingerprint of the
game's arrays and the solver's settings, and resuming refuses a checkpoint that differs, naming
what differs.
"""
from __future__ import annotations

import hashlib
import json
import math
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ._limits import check_memory
from ._validation import GameValidationError, is_integer, is_number, short_repr

__all__ = ["FileCheckError", "read_npz", "read_equilibrium", "game_fingerprint", "describe_mismatch",
           "check_checkpoint", "checked_equilibrium", "safe_file_name"]

#: Strategies read back must be distributions within this tolerance.
STRATEGY_ATOL = 1e-6


class FileCheckError(GameValidationError):
    """A file that is not what it should be; the message names the file and what is wrong."""


# ---------------------------------------------------------------------- reading
def read_npz(path, what: str = "file") -> dict:
    """Every array of an ``.npz`` archive, read eagerly (no pickle); corrupt or truncated
    archives raise :class:`FileCheckError` naming the file."""
    path = Path(path)
    name = short_repr(str(path), 120)
    if path.is_dir():
        raise FileCheckError(f"{what}: {name} is a directory, not a file")
    if not path.exists():
        raise FileNotFoundError(f"{what}: no such file {name}")
    try:
        with zipfile.ZipFile(path) as zf:
            # the declared sizes before anything is decompressed (a tiny file can claim terabytes)
            check_memory(sum(info.file_size for info in zf.infolist()), f"{what}: {name}")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, GameValidationError):
            raise
        raise FileCheckError(f"{what}: {name} is not a readable .npz archive "
                             f"({type(exc).__name__}: {short_repr(str(exc), 100)})") from None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, MemoryError) as exc:
        reason = ("it holds Python objects, which are never unpickled"
                  if isinstance(exc, ValueError) and "pickle" in str(exc) else
                  f"{type(exc).__name__}: {short_repr(str(exc), 100)}")
        raise FileCheckError(f"{what}: {name} is truncated or corrupted ({reason})") from None
    odd = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
    if odd or not arrays:
        raise FileCheckError(f"{what}: {name} is not an archive of arrays"
                             + (f" (member {short_repr(odd[0], 40)})" if odd else " (it is empty)"))
    return arrays


def read_header(arrays: dict, what: str) -> dict:
    if "header" not in arrays:
        raise FileCheckError(f"{what}: the archive has no header")
    raw = arrays["header"]
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise FileCheckError(f"{what}: the header is not a JSON text")
    try:
        header = json.loads(str(raw))
    except (ValueError, RecursionError) as exc:
        raise FileCheckError(f"{what}: the header is not valid JSON ({short_repr(str(exc), 100)})") from None
    if not isinstance(header, dict):
        raise FileCheckError(f"{what}: the header is not a JSON object")
    return header


# ---------------------------------------------------------------------- field checks
def _fail(what, field, message):
    raise FileCheckError(f"{what}: header field {field!r} {message}")


def _want(header, field, what, kind, *, optional=False, minimum=None, maximum=None, max_open=False):
    if field not in header:
        if optional:
            return None
        _fail(what, field, "is missing")
    v = header[field]
    if v is None and optional:
        return None
    ok = {"int": is_integer, "number": is_number, "bool": lambda x: isinstance(x, bool),
          "str": lambda x: isinstance(x, str), "dict": lambda x: isinstance(x, dict),
          "list": lambda x: isinstance(x, list)}[kind](v)
    if not ok:
        _fail(what, field, f"must be {'an' if kind == 'int' else 'a'} {kind}, got {short_repr(v)}")
    if kind in ("int", "number") and not (isinstance(v, float) and math.isnan(v)):
        if minimum is not None and v < minimum or maximum is not None and (v > maximum or max_open and v == maximum):
            _fail(what, field, f"is out of range: {short_repr(v)}")
    return v


def _names_list(header, field, what, n=None):
    v = _want(header, field, what, "list")
    if n is not None and len(v) != n:
        _fail(what, field, f"must have {n} entries, got {len(v)}")
    return v


# settings read back by the equilibrium (off-grid solves, verification): type and range
_SETTINGS = dict(delta=("number", 0, 1, True), eta=("number", 0, 1, True), stage_tol=("number", 0, None, False),
                 n_starts=("int", 0, None, False), max_unknowns=("int", 0, None, False),
                 scan_threshold=("number", 0, None, False), accept_dist=("number", 0, None, False),
                 symmetry=("bool", None, None, False), backend=("str", None, None, False))


def check_equilibrium_header(header: dict, what: str) -> None:
    from .equilibrium import FORMAT_VERSION
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        _fail(what, "format_version", f"is {short_repr(version)}; this version reads {FORMAT_VERSION}")
    types = _names_list(header, "types", what)
    n = len(types)
    if n < 1:
        _fail(what, "types", "must list at least one agent")
    _names_list(header, "actions", what, n)
    _names_list(header, "agent_names", what, n)
    _want(header, "name", what, "str")
    _want(header, "delta", what, "number", minimum=0, maximum=1, max_open=True)
    horizon = _want(header, "horizon", what, "int", optional=True, minimum=1)
    res = _names_list(header, "grid_resolution", what, n)
    if not all(is_integer(r) and r >= 1 for r in res):
        _fail(what, "grid_resolution", f"must be positive integers, got {short_repr(res)}")
    _want(header, "converged", what, "bool")
    _want(header, "stopped", what, "bool", optional=True)
    _want(header, "iterations", what, "int", minimum=0)
    for field in ("residual", "stage_residual"):
        _want(header, field, what, "number")
    _want(header, "epsilon", what, "number", optional=True)
    _want(header, "elapsed", what, "number", optional=True)
    _want(header, "verification", what, "dict")
    _want(header, "message", what, "str")
    _want(header, "history", what, "list")
    labels = _want(header, "case_labels", what, "list")
    if not all(isinstance(x, str) for x in labels):
        _fail(what, "case_labels", "must be strings")
    settings = _want(header, "settings", what, "dict")
    if "delta" not in settings:
        _fail(what, "settings", "has no delta")
    for key, (kind, lo, hi, hi_open) in _SETTINGS.items():
        if key in settings and not (settings[key] is None and key == "max_unknowns"):
            _want(settings, key, f"{what}: settings", kind, minimum=lo, maximum=hi, max_open=hi_open)
    if settings.get("backend", "numba") not in ("numba", "numpy"):
        _fail(what, "settings", f"has an unknown backend {short_repr(settings.get('backend'))}")
    if settings.get("horizon") != horizon:
        _fail(what, "horizon", f"is {short_repr(horizon)} but the solve's settings say "
                               f"{short_repr(settings.get('horizon'))}")


def _array(arrays, key, what, kind, shape=None):
    if key not in arrays:
        raise FileCheckError(f"{what}: the array {key!r} is missing")
    a = arrays[key]
    if a.dtype.kind not in kind:
        raise FileCheckError(f"{what}: the array {key!r} has dtype {a.dtype}, expected "
                             + {"f": "floats", "iu": "integers", "b": "booleans", "fiu": "numbers"}[kind])
    if shape is not None and a.shape != tuple(shape):
        raise FileCheckError(f"{what}: the array {key!r} has shape {a.shape}, expected {tuple(shape)}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise FileCheckError(f"{what}: the array {key!r} contains NaN or infinity")
    return a


def check_strategies(s: np.ndarray, n_types, n_actions, what: str, key: str) -> None:
    """(..., N, Mx, Kx): non-negative, each real type's row a distribution, padding zero."""
    if np.any(s < 0):
        idx = tuple(int(i) for i in np.argwhere(s < 0)[0])
        raise FileCheckError(f"{what}: the array {key!r} has a negative probability at {idx}")
    for i, (m, k) in enumerate(zip(n_types, n_actions)):
        block = s[..., i, :m, :k]
        sums = block.sum(axis=-1)
        bad = np.abs(sums - 1) > STRATEGY_ATOL
        if np.any(bad):
            idx = tuple(int(j) for j in np.argwhere(bad)[0])
            raise FileCheckError(f"{what}: the array {key!r}: agent {i + 1}'s prescription at "
                                 f"{idx} sums to {float(sums[idx]):.6g}, not 1")
        if np.any(s[..., i, m:, :]) or np.any(s[..., i, :, k:]):
            raise FileCheckError(f"{what}: the array {key!r}: agent {i + 1} has non-zero padding")


def read_equilibrium(path) -> tuple[dict, dict]:
    """The arrays and the header of a saved equilibrium, checked: one :class:`FileCheckError`
    (a ``ValueError``) naming the file and the field if anything is wrong."""
    from ._limits import grid_node_count
    what = short_repr(str(path), 120)
    arrays = read_npz(path, "path")
    header = read_header(arrays, what)
    check_equilibrium_header(header, what)
    n = len(header["types"])
    M = tuple(len(t) for t in header["types"])
    K = tuple(len(a) for a in header["actions"])
    mx, kx = max(M), max(K)
    T = header["horizon"] or 1
    B = grid_node_count(M, header["grid_resolution"])
    _array(arrays, "rewards", what, "f", (n,) + M + K)
    for i in range(n):
        _array(arrays, f"kernel_{i}", what, "f", (M[i],) + K + (M[i],))
        _array(arrays, f"prior_{i}", what, "f", (M[i],))
    s = _array(arrays, "strategy_nodes", what, "f", (T, B, n, mx, kx))
    check_strategies(s, M, K, what, "strategy_nodes")
    _array(arrays, "values", what, "f", (T + 1 if header["horizon"] else 1, B, n, mx))
    case = _array(arrays, "case", what, "iu", (T, B))
    n_labels = len(header["case_labels"])
    if case.size and (case.min() < -1 or (n_labels and case.max() >= n_labels)):
        raise FileCheckError(f"{what}: the array 'case' has entries outside -1..{n_labels - 1}")
    _array(arrays, "flagged", what, "b", (T, B))
    return arrays, header


@contextmanager
def checked_equilibrium(path):
    """``with checked_equilibrium(path) as data:`` the arrays of a saved equilibrium (the header
    still as its JSON text under ``"header"``), after :func:`read_equilibrium` checked them."""
    arrays, _ = read_equilibrium(path)
    yield arrays


# ---------------------------------------------------------------------- fingerprints
def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, dtype=float))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:20]


def game_fingerprint(game) -> dict:
    """A hash of each of the game's arrays (rewards, kernels, prior) and of its types and
    actions: a checkpoint records it, and resuming compares it."""
    return dict(rewards=_digest(game.rewards), kernels=_digest(*game.kernels),
                prior=_digest(*game.prior),
                types=hashlib.sha256(json.dumps(game.types).encode()).hexdigest()[:20],
                actions=hashlib.sha256(json.dumps(game.actions).encode()).hexdigest()[:20])


def describe_mismatch(saved: dict, current: dict, source: str):
    """None if the recorded ``saved`` meta data equal ``current``; otherwise a message naming what
    differs (the game's arrays by name, or a setting with both values)."""
    if not isinstance(saved, dict):
        return f"{source} records no solve settings"
    for key, value in current.items():
        if key == "fingerprint":
            theirs = saved.get("fingerprint")
            if not isinstance(theirs, dict):
                return f"{source} records no fingerprint of its game; it cannot be checked against this one"
            differs = [part for part in value if theirs.get(part) != value[part]]
            if differs:
                return (f"{source} was written for another game: its {', '.join(differs)} "
                        f"{'differ' if len(differs) > 1 else 'differs'} from this game's")
        elif key == "settings":
            theirs = saved.get("settings")
            if not isinstance(theirs, dict):
                return f"{source} records no solver settings"
            for option, v in value.items():
                if _norm(theirs.get(option, "<missing>")) != _norm(v):
                    return (f"{source} was written with {option}={short_repr(theirs.get(option, '<missing>'))}, "
                            f"this solve has {option}={short_repr(v)}")
        elif _norm(saved.get(key)) != _norm(value):
            return (f"{source} was written with {key}={short_repr(saved.get(key))}, this solve has "
                    f"{key}={short_repr(value)}")
    return None


def _norm(v):
    """JSON round trip (tuples become lists, numpy scalars numbers)."""
    try:
        return json.loads(json.dumps(v, default=float))
    except (TypeError, ValueError):
        return repr(v)


def check_checkpoint(state: dict, n_nodes: int, game, n_cases: int, what: str) -> None:
    """Shapes, dtypes and values of a checkpoint's arrays for this game and grid."""
    N, mx, kx = game.n_agents, max(game.n_types), max(game.n_actions)
    B = n_nodes
    _array(state, "V", what, "f", (B, N, mx))
    for key in ("theta", "res_strategy", "res_played"):
        check_strategies(_array(state, key, what, "f", (B, N, mx, kx)), game.n_types, game.n_actions,
                         what, key)
    for key in ("cases", "res_case"):
        c = _array(state, key, what, "iu", (B,))
        if c.size and (c.min() < -1 or c.max() >= n_cases):
            raise FileCheckError(f"{what}: the array {key!r} has entries outside -1..{n_cases - 1}")
    _array(state, "res_status", what, "iu", (B,))
    _array(state, "res_residual", what, "f", (B,))
    _array(state, "res_n_found", what, "iu", (B,))
    if "since_full" in state:
        _array(state, "since_full", what, "iu", (B,))
    h = state["header"]
    for field, kind in (("stage", "int"), ("iteration", "int"), ("unchanged", "int"),
                        ("vi_converged", "bool"), ("history", "list"), ("anderson_len", "int")):
        _want(h, field, what, kind, minimum=0 if kind == "int" else None)
    _want(h, "anderson_best", what, "number", optional=True)
    if h["anderson_len"]:
        for key in ("anderson_x", "anderson_f"):
            a = _array(state, key, what, "f")
            if a.ndim < 1 or a.shape[0] != h["anderson_len"]:
                raise FileCheckError(f"{what}: the array {key!r} does not hold {h['anderson_len']} iterates")


def safe_file_name(text: str, limit: int = 60) -> str:
    """``text`` as a piece of a file name: letters, digits, ``-``, ``_``, ``.`` and ``+`` kept,
    every other character replaced by ``_`` (a type named ``a/b`` becomes ``a_b``)."""
    out = "".join(c if (c.isascii() and (c.isalnum() or c in "-_.+")) else "_" for c in str(text))
    out = out.strip(".") or "_"
    return out[:limit]
