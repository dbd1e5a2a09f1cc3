"""Normal-normal Bayesian learning of the others' bid total (seed 001 §4.1, eqs. (7)-(9)).

Agent ``i`` models the others' bid total as ``S_{-i} ~ N(ϑ, σ^2)`` with known ``σ`` and unknown
mean ``ϑ``, with the conjugate prior ``ϑ ~ N(μ_0, τ_0^2)``. After observations ``x_1..x_m`` the
posterior is ``N(μ_m, τ_m^2)`` with

    1 / τ_m^2 = 1 / τ_0^2 + m / σ^2,      μ_m = τ_m^2 (μ_0 / τ_0^2 + m x̄ / σ^2),

and the recursive form adds one observation at a time (1/τ'^2 = 1/τ^2 + 1/σ^2,
μ' = τ'^2 (μ/τ^2 + x/σ^2)). The predictive law of the next total is ``N(μ_m, τ_m^2 + σ^2)``.
The observation at round ``t`` is the realised ``S_{-i}^{t-1} = S^{t-1} - s_i^{t-1}`` (the
auctioneer reports ``S``). The other agents learn too, so their bids are not i.i.d.: this is a
heuristic, not equilibrium-consistent belief updating (not a PBE).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .._arrays import check_number

__all__ = ["NormalBelief", "posterior", "update_belief", "predictive"]


@dataclass(frozen=True)
class NormalBelief:
    """``N(mean, sd^2)``; ``sd = 0`` is a point mass."""
    mean: float
    sd: float

    def __post_init__(self):
        object.__setattr__(self, "mean", check_number("NormalBelief: mean", self.mean))
        object.__setattr__(self, "sd", check_number("NormalBelief: sd", self.sd, nonnegative=True))

    @property
    def variance(self) -> float:
        return self.sd ** 2


def _learning(name, belief, noise_sd) -> float:
    """Check that ``belief`` can learn (a NormalBelief with sd > 0); returns the noise sd."""
    if not isinstance(belief, NormalBelief):
        raise TypeError(f"{name}: expected a NormalBelief; got {type(belief).__name__}")
    if belief.sd <= 0:
        raise ValueError(f"{name}: a point-mass {name} (sd = 0) does not learn")
    return check_number("noise_sd", noise_sd, positive=True)


def posterior(prior: NormalBelief, observations, noise_sd) -> NormalBelief:
    """The batch conjugate posterior of the mean after ``observations`` (module docstring)."""
    sigma = _learning("prior", prior, noise_sd)
    x = np.atleast_1d(np.asarray(observations, dtype=float))
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise ValueError("observations: expected a finite vector")
    m = x.size
    precision = 1.0 / prior.variance + m / sigma ** 2
    var = 1.0 / precision
    mean = var * (prior.mean / prior.variance + (x.sum() / sigma ** 2 if m else 0.0))
    return NormalBelief(mean, np.sqrt(var))


def update_belief(belief: NormalBelief, observation, noise_sd) -> NormalBelief:
    """One recursive conjugate step with a single observation."""
    sigma = _learning("belief", belief, noise_sd)
    x = check_number("observation", observation)
    mean, var = _update(belief.mean, belief.variance, x, sigma ** 2)
    return NormalBelief(mean, np.sqrt(var))


def predictive(belief: NormalBelief, noise_sd) -> NormalBelief:
    """The law of the next observation, ``N(μ, τ^2 + σ^2)``."""
    sigma = check_number("noise_sd", noise_sd, nonnegative=True)
    return NormalBelief(belief.mean, np.sqrt(belief.variance + sigma ** 2))


def _update(mean, var, x, noise_var):
    """(mean, variance) after one observation; plain floats (used by the learning loop)."""
    new_var = 1.0 / (1.0 / var + 1.0 / noise_var)
    return new_var * (mean / var + x / noise_var), new_var
