"""Stochastic stationary policies of the Crisdis traders: independent Gaussians over the
normalised actions, clipped to [0, 1].

The paper's traders are neural Gaussian policies of their observations (mean = rescaled sigmoid,
sd = softplus; the sampled action is clipped to [0, 1]; seed §4.2). Ours keep that distribution
and the action units (:data:`~.simulation.SELLER_ACTIONS`, :data:`~.simulation.BUYER_ACTIONS`)
but drop the observation dependence: trader t draws, every Market (every buyers' stage for
buyers), x ~ N(sigmoid(m_t), diag(exp(ℓ_t))²) and plays clip(x, 0, 1). As the actions are
fractions of the trader's current Good or Rights and prices in units of P, a constant policy
still reacts to the state through these units. A trader's parameter vector is
θ_t = (m_t, ℓ_t) (2 d entries, d = 2 for sellers and 6 for buyers); a *profile* is the tuple of
all traders' θ, sellers first.
"""
from __future__ import annotations

import math

import numpy as np

from .._arrays import check_positive
from .crisis import Crisis
from .simulation import BUYER_ACTIONS, SELLER_ACTIONS

__all__ = ["initial_profile", "policy_means", "policy_stds", "sample_actions", "action_dims",
           "constant_actions"]


def action_dims(crisis: Crisis) -> tuple:
    """d of every trader (sellers first)."""
    return (len(SELLER_ACTIONS),) * crisis.n_sellers + (len(BUYER_ACTIONS),) * crisis.n_buyers


# exp and log of the (few) policy parameters through the C library, element by element: numpy's
# vectorised exp/log take other code paths on CPUs with AVX-512 and differ there in the last bit;
# the maximum-clearing LPs have many optimal allocations, the solver's choice among them follows
# such a bit, and training amplifies it (PoA moved by up to 0.02 between two machines). With the C
# library the learned profiles are the same on every machine.
def _elementwise(f, x):
    x = np.asarray(x, dtype=np.float64)
    return np.array([f(v) for v in x.ravel().tolist()]).reshape(x.shape)


def _exp(v):
    """math.exp, inf where it overflows (as numpy's exp)."""
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return _elementwise(math.log, p) - _elementwise(math.log1p, -p)


def initial_profile(crisis: Crisis, *, seller_mean=0.5, buyer_mean=0.5, std=0.2, seed=None,
                    jitter=0.0) -> tuple:
    """θ for every trader: action means ``seller_mean`` (scalar or one value per seller action)
    and ``buyer_mean`` (scalar or one per buyer action), sd ``std``; ``jitter`` > 0 perturbs the
    means' logits (seeded)."""
    check_positive("std", std)
    means = {}
    for name, value, d in (("seller_mean", seller_mean, len(SELLER_ACTIONS)),
                           ("buyer_mean", buyer_mean, len(BUYER_ACTIONS))):
        v = np.asarray(value, dtype=np.float64)
        if v.ndim == 0:
            v = np.full(d, float(v))
        if v.shape != (d,) or not np.all((v >= 0) & (v <= 1)):
            raise ValueError(f"{name}: expected a number or {d} numbers in [0, 1]; got {value!r}")
        means[d] = _logit(v)
    rng = np.random.default_rng(seed)
    out = []
    for d in action_dims(crisis):
        m = means[d] + jitter * rng.standard_normal(d)
        out.append(np.concatenate([m, np.full(d, math.log(std))]))
    return tuple(out)


def _split(theta):
    theta = np.asarray(theta, dtype=np.float64)
    d = theta.size // 2
    return theta[:d], theta[d:]


def policy_means(profile) -> tuple:
    """sigmoid(m_t) of every trader."""
    return tuple(1 / (1 + _elementwise(_exp, -_split(th)[0])) for th in profile)


def policy_stds(profile) -> tuple:
    return tuple(_elementwise(_exp, _split(th)[1]) for th in profile)


def _check_profile(crisis, profile):
    dims = action_dims(crisis)
    if len(profile) != len(dims):
        raise ValueError(f"profile: expected {len(dims)} parameter vectors (sellers, then "
                         f"buyers); got {len(profile)}")
    for t, (th, d) in enumerate(zip(profile, dims)):
        if np.size(th) != 2 * d or not np.all(np.isfinite(th)):
            raise ValueError(f"profile[{t}]: expected {2 * d} finite parameters; got {np.size(th)}")


def sample_actions(crisis: Crisis, profile, n_episodes: int, rng):
    """Draw every trader's actions for ``n_episodes`` Crises.

    Returns ``(seller_actions (E, T, S, 2), buyer_actions (E, T, k, B, 6), samples)`` where
    ``samples[t]`` holds trader t's unclipped draws, (E, T, d) for sellers and (E, T, k, d) for
    buyers (what the score function needs).
    """
    _check_profile(crisis, profile)
    S, B, T, k = crisis.n_sellers, crisis.n_buyers, crisis.n_markets, crisis.stages
    means, stds = policy_means(profile), policy_stds(profile)
    xs = np.empty((n_episodes, T, S, len(SELLER_ACTIONS)))
    xb = np.empty((n_episodes, T, k, B, len(BUYER_ACTIONS)))
    samples = []
    for t in range(S + B):
        shape = (n_episodes, T, means[t].size) if t < S else (n_episodes, T, k, means[t].size)
        x = means[t] + stds[t] * rng.standard_normal(shape)
        samples.append(x)
        if t < S:
            xs[:, :, t] = np.clip(x, 0, 1)
        else:
            xb[:, :, :, t - S] = np.clip(x, 0, 1)
    return xs, xb, samples


def constant_actions(crisis: Crisis, seller_actions, buyer_actions, trader: int, actions):
    """Copies of the action arrays in which ``trader`` plays ``actions`` (shape (C, d): one
    constant action per candidate) in every Market: the arrays are tiled C times along the
    episode axis, candidate-major."""
    S = crisis.n_sellers
    actions = np.clip(np.atleast_2d(np.asarray(actions, dtype=np.float64)), 0, 1)
    C, E = actions.shape[0], seller_actions.shape[0]
    xs = np.tile(seller_actions, (C, 1, 1, 1))
    xb = np.tile(buyer_actions, (C, 1, 1, 1, 1))
    per_episode = np.repeat(actions, E, axis=0)                      # (C E, d)
    if trader < S:
        xs[:, :, trader] = per_episode[:, None, :]
    else:
        xb[:, :, :, trader - S] = per_episode[:, None, None, :]
    return xs, xb
