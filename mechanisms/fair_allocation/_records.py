"""Shared helpers: read-only arrays in frozen result records, prior handling, input checks, and
the finite Bayesian game of reports on which every interim expectation of ch. 5 is taken."""
from __future__ import annotations

import numpy as np

import spbe

from .._arrays import read_only


def frozen(a):
    """A read-only float copy of ``a`` (None passes through)."""
    return None if a is None else read_only(a, float)


def check_binary(problem, what: str):
    if any(n != 2 for n in problem.n_types):
        raise ValueError(f"problem: {what} needs binary type sets (θ^H, θ^L) for every agent; "
                         f"got n_types={problem.n_types}")


def joint_prior(problem, priors) -> np.ndarray:
    """The joint prior p ∈ Δ(Θ) as an array of shape (L_1, ..., L_N).

    ``priors`` is either one marginal per agent (independent types, the case of spbe's
    per-agent beliefs) or the joint array itself (common prior, possibly correlated).
    It must have full support (§4 assumes it).
    """
    shape = problem.n_types
    if isinstance(priors, np.ndarray) and priors.shape == shape and priors.ndim == len(shape):
        p = np.asarray(priors, dtype=float)
    else:
        try:
            marginals = [np.asarray(q, dtype=float) for q in priors]
        except TypeError as exc:
            raise TypeError("priors: give one probability vector per agent or the joint array") from exc
        if len(marginals) != len(shape):
            raise ValueError(f"priors: expected {len(shape)} marginals or an array of shape {shape}")
        p = np.ones(())
        for i, (q, n) in enumerate(zip(marginals, shape)):
            if q.shape != (n,):
                raise ValueError(f"priors[{i}]: expected shape ({n},), got {q.shape}")
            if not np.all(np.isfinite(q)) or np.any(q < 0) or abs(q.sum() - 1) > 1e-9:
                raise ValueError(f"priors[{i}]: must be a probability vector, got {q}")
            p = np.multiply.outer(p, q)
    if not np.all(np.isfinite(p)) or abs(p.sum() - 1) > 1e-9:
        raise ValueError("priors: the joint prior must be finite and sum to 1")
    if np.any(p <= 0):
        raise ValueError("priors: must have full support (every profile positive), as §4 assumes")
    return p


def conditional(p: np.ndarray, agent: int) -> np.ndarray:
    """p(θ_{-i} | θ_i) laid out like p (same shape; sums to 1 over all axes but ``agent``)."""
    axes = tuple(k for k in range(p.ndim) if k != agent)
    return p / p.sum(axis=axes, keepdims=True)


def independent_priors(problem, priors) -> tuple:
    """The per-agent marginals of an independent prior (spbe's belief: one vector per agent).

    ``priors`` as for :func:`joint_prior`; a joint array must be the product of its marginals
    (spbe's finite Bayesian games have independent types)."""
    p = joint_prior(problem, priors)
    marginals = tuple(p.sum(axis=tuple(k for k in range(p.ndim) if k != i)) for i in range(p.ndim))
    product = np.ones(())
    for q in marginals:
        product = np.multiply.outer(product, q)
    if not np.allclose(product, p, rtol=0.0, atol=1e-12):
        raise ValueError("priors: correlated types are not supported (the induced finite Bayesian "
                         "game is solved by spbe, whose types are independent across agents)")
    return marginals


def report_rewards(problem, x, taxes=None) -> np.ndarray:
    """``R[i, θ, φ] = v(x̂_i(φ); θ_i) - t_i(φ)`` in spbe's reward layout ``(N,) + Θ + Θ`` (true
    types θ, reports φ) for the allocation table ``x`` (and taxes, of the same layout as ``x``)."""
    n, shape = problem.n_agents, problem.n_types
    R = np.empty((n,) + shape + shape)
    for i, ts in enumerate(problem.type_sets):
        for th, theta in enumerate(ts):
            u = problem.valuation.value(x[..., i], theta)
            idx = [slice(None)] * n
            idx[i] = th
            R[(i,) + tuple(idx)] = u if taxes is None else u - taxes[..., i]   # broadcast over θ_{-i}
    return R


def report_game(problem, rewards, name: str = "direct fair mechanism") -> "spbe.DynamicGame":
    """The finite Bayesian game whose types and actions (reports) are the type indices, as a
    one-shot spbe game (δ = 0)."""
    names = [tuple(f"{t:g}" for t in ts) for ts in problem.type_sets]
    return spbe.DynamicGame(rewards, types=names, actions=names, delta=0.0, name=name)


def interim_utilities(problem, priors, rewards, sigma=None) -> tuple:
    """``U^i(θ_i, φ_i) = E[R^i(θ, (φ_i, σ_{-i}(θ_{-i}))) | θ_i]`` for every agent, a tuple of
    ``(L_i, L_i)`` arrays: spbe's stage kernel (:func:`spbe.action_values`) on the game of
    ``rewards`` (:func:`report_rewards` layout, or a :class:`spbe.DynamicGame` of it) against the
    others' pure report strategies ``σ`` (per agent, a report index per type; default truth)."""
    game = rewards if isinstance(rewards, spbe.DynamicGame) else report_game(problem, rewards)
    sigma = [range(L) for L in problem.n_types] if sigma is None else sigma
    return spbe.action_values(game, independent_priors(problem, priors),
                              [np.eye(L)[list(s)] for L, s in zip(problem.n_types, sigma)])


def truth_advantage(U) -> dict:
    """``{(i, θ_i, φ_i): U^i(θ_i, θ_i) - U^i(θ_i, φ_i)}`` over every agent and misreport ``φ_i ≠ θ_i``
    of :func:`interim_utilities`' output, in that order."""
    return {(i, th, ph): float(Ui[th, th] - Ui[th, ph])
            for i, Ui in enumerate(U) for th in range(len(Ui)) for ph in range(len(Ui)) if ph != th}
