"""SPBE solvers on belief grids: backward recursion (finite horizon), the infinite-horizon
joint fixed point, policy evaluation and verification. The entry point is :func:`solve`."""
from .solve import DEFAULT_OPTIONS, DEFAULT_SCHEDULE, solve
from .verification import verify

__all__ = ["DEFAULT_OPTIONS", "DEFAULT_SCHEDULE", "solve", "verify"]
