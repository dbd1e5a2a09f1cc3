"""The two execution backends of the SPBE kernels.

``"numba"`` (default)  the modules of this package, compiled on first use (``cache=True``;
                       the node loops of the stage solver and of the action values, and the
                       global lattice scan of one node, run in blocks on a thread pool, the
                       kernels releasing the GIL; no kernel is a numba parallel region).
``"numpy"``            the reference path: the *same source files*, executed by CPython and
                       NumPy with no compilation (``njit`` is the identity; ``prange``, should
                       a kernel use it, is ``range``). It is what ``spbe.solve(..., backend="numpy")`` runs.

Why the reference runs the same source rather than a second implementation: the solver's
answer depends on the order in which cases, starts and selections are tried, so two separately
written solvers would agree on equilibria only up to selection, which is too weak a test of the
compiled path. Running the identical algorithm uninterpreted tests what compilation can break
(integer widths, the threaded node loop, the cache, typing of corner cases) to 1e-10, and is the
baseline the benchmarks time against. The independently written reference of the stage solver,
:func:`spbe.stage_equilibria` with ``backend="numpy"``, stays the test of the algorithm itself.

One difference of semantics has to be bridged by hand: numba's integers are 64-bit and wrap on
overflow, CPython's are unbounded. The only kernel that relies on wrapping is the start-point
hash ``node_solver._hash_normal``; the interpreted copy gets :func:`_hash_normal_int64`, which
wraps explicitly and returns the same numbers. (``support_enumeration`` needs no such
bridge: its integers are action indices and counters bounded by C(m + n, m), far from 2^63.)
"""
from __future__ import annotations

import importlib
import math
import re
import sys
import types
from pathlib import Path

import numpy as np


__all__ = ["BACKENDS", "check_backend", "kernel_module", "run_blocks"]

BACKENDS = ("numba", "numpy")

#: kernel modules in dependency order (each may import the ones before it)
_MODULES = ("beliefs", "stage", "evaluation", "node_solver", "support_enumeration")
_INTERPRETED = "spbe._kernels._interpreted"
_NUMBA_IMPORT = re.compile(r"^from numba import (.+)$", re.MULTILINE)


def check_backend(backend: str, name: str = "backend") -> str:
    if backend not in BACKENDS:
        raise ValueError(f"{name}: must be one of {BACKENDS}, got {backend!r}")
    return backend


def kernel_module(name: str, backend: str = "numba") -> types.ModuleType:
    """The kernel module ``spbe._kernels.<name>`` for ``backend`` (imported on first use)."""
    check_backend(backend)
    if name not in _MODULES:
        raise ValueError(f"name: unknown kernel module {name!r}")
    if backend == "numba":
        return importlib.import_module(f"spbe._kernels.{name}")
    return _interpreted()[name]


def _njit(*args, **kwargs):
    """Stand-in for ``numba.njit``: returns the function unchanged (both decorator forms)."""
    if args and callable(args[0]) and len(args) == 1 and not kwargs:
        return args[0]
    return lambda fn: fn


def _int64(x: int) -> int:
    x &= 0xFFFFFFFFFFFFFFFF
    return x - (1 << 64) if x >= (1 << 63) else x


def _hash_normal_int64(a, b, c):
    """``node_solver._hash_normal`` with numba's wrapping 64-bit integer arithmetic."""
    a, b, c = int(a), int(b), int(c)
    h = _int64(_int64(a * 73856093) ^ _int64(b * 19349663) ^ _int64(c * 83492791) ^ 0x5bd1e995)
    h = _int64((h ^ (h >> 13)) * 1274126177)
    h = h ^ (h >> 16)
    u1 = ((h & 0xFFFFFF) + 0.5) / 16777216.0
    h2 = _int64(h * 2654435761 + 12345) & 0xFFFFFFFF
    u2 = ((h2 & 0xFFFFFF) + 0.5) / 16777216.0
    # math (the C library), not NumPy: compiled code calls the C library's log and cos, and
    # NumPy 2.4's own vectorised versions differ from them in the last bit for some arguments
    # (2 of 2,000 random triples), which made the two backends start from different points
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _interpreted() -> dict:
    """Execute the kernel sources uncompiled, once, as modules under ``spbe._kernels._interpreted``."""
    pkg = sys.modules.get(_INTERPRETED)
    if pkg is not None:
        return pkg.kernels
    pkg = types.ModuleType(_INTERPRETED)
    pkg.__path__ = []
    pkg.kernels = {}
    shim = types.ModuleType(_INTERPRETED + "._nojit")
    shim.njit = _njit
    shim.prange = range
    sys.modules[shim.__name__] = shim
    here = Path(__file__).parent
    try:
        sys.modules[_INTERPRETED] = pkg
        for name in _MODULES:
            path = here / f"{name}.py"
            source = _NUMBA_IMPORT.sub(rf"from {_INTERPRETED}._nojit import \1", path.read_text())
            mod = types.ModuleType(f"{_INTERPRETED}.{name}")
            mod.__file__ = str(path)
            mod.__package__ = _INTERPRETED
            sys.modules[mod.__name__] = mod
            exec(compile(source, str(path), "exec"), mod.__dict__)
            if name == "node_solver":
                mod._hash_normal = _hash_normal_int64
            pkg.kernels[name] = mod
    except BaseException:
        for name in [n for n in sys.modules if n.startswith(_INTERPRETED)]:
            del sys.modules[name]
        raise
    return pkg.kernels


_POOL = None


def run_blocks(block, n: int, backend: str) -> None:
    """``block(a, b)`` over blocks of ``range(n)`` on numba's thread count (the node loops of the
    stage solver and of the action values release the GIL); the blocks write disjoint rows, so
    the result does not depend on the schedule. Serial for the uncompiled backend or one thread."""
    global _POOL
    threads = 1
    if backend == "numba" and n > 1:
        import numba
        threads = min(numba.get_num_threads(), n)
    if threads <= 1:
        block(0, n)
        return
    from concurrent.futures import ThreadPoolExecutor
    if _POOL is None or _POOL._max_workers < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="spbe-nodes")
    # several blocks per thread: nodes differ in cost (a node leaving its case enumerates them)
    edges = np.linspace(0, n, min(n, 4 * threads) + 1).round().astype(int)
    futures = [_POOL.submit(block, a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    for f in futures:
        f.result()
