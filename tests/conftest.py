import numpy as np
import pytest

import spbe


def random_game(rng, n_types, n_actions, delta=0.0, markov=False, scale=1.0):
    """A random game with rewards uniform in [0, scale) and (optionally) random action-dependent kernels."""
    N = len(n_types)
    R = rng.uniform(0, scale, (N,) + tuple(n_types) + tuple(n_actions))
    kernels = None
    if markov:
        kernels = []
        for m in n_types:
            Q = rng.uniform(0.05, 1, (m,) + tuple(n_actions) + (m,))
            kernels.append(Q / Q.sum(axis=-1, keepdims=True))
    return spbe.DynamicGame(R, types=list(n_types), actions=list(n_actions), delta=delta,
                            kernels=kernels)


def random_belief(rng, n_types):
    return [rng.dirichlet(np.ones(m)) for m in n_types]


def random_strategy(rng, n_types, n_actions):
    return [rng.dirichlet(np.ones(k), size=m) for m, k in zip(n_types, n_actions)]


@pytest.fixture
def spy_kernel(monkeypatch):
    """``spy_kernel(name, summary)``: wrap the function ``name`` of the interpreted node-solver
    kernels (``kernel_module("node_solver", "numpy")``) so that each call appends
    ``summary(*args)`` to a list; returns (kernels, list). Undone after the test."""
    from spbe._kernels.backends import kernel_module
    kernels = kernel_module("node_solver", "numpy")

    def spy(name, summary):
        calls = []
        original = getattr(kernels, name)

        def wrapper(*args):
            calls.append(summary(*args))
            return original(*args)

        monkeypatch.setattr(kernels, name, wrapper)
        return kernels, calls

    return spy


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (reproductions of many minutes) run only with SPBE_SLOW=1: CI's
    20-minute budget on 2 cores does not fit them (README, "Tests")."""
    import os
    if os.environ.get("SPBE_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow reproduction: set SPBE_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
