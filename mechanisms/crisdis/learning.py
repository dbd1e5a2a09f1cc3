"""Equilibrium learning for Crisdis traders: independent policy-gradient learners on the shared
repeated-play engine (seed 004, §4; :mod:`mechanisms.repeated_play`).

The paper trains a TD3-style actor-critic per trader (TensorFlow). We keep its ingredients that
matter for the equilibrium concept (stochastic Gaussian policies over the same normalised actions,
every trader maximising its own discounted return, all traders learning simultaneously from the
same simulated Crises) and replace the networks by the constant policies of :mod:`.policies` and
the critic by a batch baseline: REINFORCE [1] with reward-to-go, a per-Market batch-mean baseline,
advantages normalised per trader, and Adam steps on (m_t, log sd_t).

Why this learner: one batch of simulated Crises gives every trader its gradient, so an iteration
costs ``batch_size`` Crises whatever the number of traders (a best-response or fictitious-play
learner needs separate evaluations per trader and candidate, which the LP mechanisms make costly);
it needs numpy only. It has no convergence guarantee in general-sum games (neither has the paper's
TD3); exploitability is therefore measured, not assumed (:func:`.exploitability.exploitability`).

Each engine round is one iteration of a fixed-horizon run: a joint update
(``repeated_play(joint=True)``) simulates one batch from the old profile and moves every trader's
parameters along its own gradient; the Adam moments are the traders' private state.

References
----------
.. [1] R. J. Williams, "Simple statistical gradient-following algorithms for connectionist
   reinforcement learning", Machine Learning 8 (1992) 229-256.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import math

import numpy as np

from mechanisms.repeated_play import repeated_play

from .crisis import Crisis
from .exploitability import exploitability
from .metrics import price_of_anarchy
from .policies import _check_profile, initial_profile, policy_means, policy_stds, sample_actions
from .simulation import rollout
from .._arrays import check_integer, check_positive

__all__ = ["LearningResult", "learn_equilibrium", "Evaluation", "evaluate_profile"]


@dataclass(frozen=True, eq=False)
class LearningResult:
    """A training run.

    Attributes
    ----------
    profile : tuple                     final parameters (sellers, then buyers)
    means, stds : tuple of ndarray      final action means and sds
    iterations : int
    mean_returns : (iterations, N)      batch-mean return of every trader per iteration
    price_of_anarchy : (iterations,)    batch-mean PoA_T per iteration
    checkpoints : (n,) int              iterations at which exploitability was estimated (0 = start)
    nash_conv : (n,)                    the estimates
    reports : tuple                     the ExploitabilityReports
    play : RepeatedPlayResult           the engine's record (history of profiles, changes, the
                                        final Adam state)
    success, status, message            the engine's: a fixed-horizon run (status 7 after
                                        ``n_iterations``; 2 non-finite; 3 callback)
    method, parameters
    """
    profile: tuple = field(repr=False)
    means: tuple = field(repr=False)
    stds: tuple = field(repr=False)
    iterations: int = 0
    mean_returns: np.ndarray = field(default=None, repr=False)
    price_of_anarchy: np.ndarray = field(default=None, repr=False)
    checkpoints: np.ndarray = field(default=None, repr=False)
    nash_conv: np.ndarray = field(default=None, repr=False)
    reports: tuple = field(default=(), repr=False)
    play: object = field(default=None, repr=False)
    success: bool = False
    status: int = 1
    message: str = ""
    method: str = "policy_gradient"
    parameters: dict = field(default_factory=dict)


class _PolicyGradientStep:
    """The engine's joint update ``(profile, state) -> (profile, state)``: one batch, one REINFORCE
    gradient per trader and one Adam step each; ``state`` holds the round and the Adam moments."""

    def __init__(self, crisis, batch_size, learning_rate, min_std, max_std, rng):
        self.crisis = crisis
        self.batch_size = batch_size
        self.lr = learning_rate
        self.log_std_bounds = (math.log(min_std), math.log(max_std))   # as policies: C library
        self.rng = rng
        self.returns, self.poa = [], []

    def _gradients(self, profile):
        c = self.crisis
        xs, xb, samples = sample_actions(c, profile, self.batch_size, self.rng)
        ro = rollout(c, xs, xb, seed=int(self.rng.integers(2**62)))
        self.returns.append(ro.returns.mean(axis=0))
        self.poa.append(float(price_of_anarchy(ro.frustration)[:, -1].mean()))
        T, gamma = c.n_markets, c.discount
        # reward-to-go G[e, i, t] = Σ_{j >= i} γ^{j-i} r[e, j, t]
        togo = np.zeros_like(ro.rewards)
        acc = np.zeros(ro.rewards[:, 0].shape)
        for i in range(T - 1, -1, -1):
            acc = ro.rewards[:, i] + gamma * acc
            togo[:, i] = acc
        means, stds = policy_means(profile), policy_stds(profile)
        grads = []
        for t in range(c.n_traders):
            adv = togo[:, :, t] - togo[:, :, t].mean(axis=0, keepdims=True)
            adv = adv / (adv.std() + 1e-8)
            x = samples[t]
            z = (x - means[t]) / stds[t]
            zs, zz = z, z * z - 1
            if x.ndim == 4:                       # buyers: (E, T, k, d), sum the stages
                zs, zz = zs.sum(axis=2), zz.sum(axis=2)
            g_mean = np.einsum("ei,eid->d", adv, zs) / self.batch_size / stds[t] \
                * means[t] * (1 - means[t])
            g_log_std = np.einsum("ei,eid->d", adv, zz) / self.batch_size
            grads.append(np.concatenate([g_mean, g_log_std]))
        return grads

    def start_state(self, profile):
        return {"round": 0, "adam": tuple((np.zeros(th.size), np.zeros(th.size)) for th in profile)}

    def __call__(self, profile, state):
        rnd = state["round"] + 1
        grads = self._gradients(profile)
        new, adam = [], []
        for theta, g, (m, v) in zip(profile, grads, state["adam"]):
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            adam.append((m, v))
            step = self.lr * (m / (1 - 0.9 ** rnd)) / (np.sqrt(v / (1 - 0.999 ** rnd)) + 1e-8)
            theta = np.asarray(theta, dtype=np.float64) + step
            d = theta.size // 2
            theta[d:] = np.clip(theta[d:], *self.log_std_bounds)
            new.append(theta)
        return tuple(new), {"round": rnd, "adam": tuple(adam)}


def learn_equilibrium(crisis: Crisis, *, n_iterations: int = 200, batch_size: int = 32,
                      learning_rate: float = 0.05, start=None, init_std: float = 0.2,
                      min_std: float = 0.02, max_std: float = 0.5, exploitability_every: int = 0,
                      exploitability_options: dict | None = None, seed=0,
                      callback=None) -> LearningResult:
    """Train all traders of ``crisis`` simultaneously by policy gradient.

    Parameters
    ----------
    crisis : Crisis
    n_iterations : int            engine rounds (one batch and one step per round)
    batch_size : int              Crises simulated per iteration
    learning_rate : float         Adam step size on (m, log sd)
    start : profile, optional     default: every action mean 0.5, sd ``init_std``
    min_std, max_std : float      bounds on each action's sd
    exploitability_every : int    estimate NashConv at the start and every this many iterations
                                  (0: only at the start and the end)
    exploitability_options : dict passed to :func:`.exploitability.exploitability`
    seed : seeds the batches (and, unless given in the options, the estimates)
    callback : ``callback(state)`` with the engine's ``RoundState`` after every iteration; may
               raise StopIteration
    """
    if not isinstance(crisis, Crisis):
        raise TypeError(f"crisis: expected a Crisis; got {type(crisis).__name__}")
    for name, v, low in (("n_iterations", n_iterations, 1), ("batch_size", batch_size, 2),
                         ("exploitability_every", exploitability_every, 0)):
        check_integer(name, v, low)
    check_positive("learning_rate", learning_rate)
    if not (0 < min_std <= max_std):
        raise ValueError(f"min_std, max_std: expected 0 < min_std <= max_std; "
                         f"got {min_std}, {max_std}")
    profile = initial_profile(crisis, std=init_std) if start is None else tuple(
        np.asarray(th, dtype=np.float64) for th in start)
    _check_profile(crisis, profile)
    opts = {"seed": seed}
    opts.update(exploitability_options or {})
    reports, checkpoints = [exploitability(crisis, profile, **opts)], [0]

    def on_round(rs):
        if exploitability_every and rs.round % exploitability_every == 0 and rs.round < n_iterations:
            reports.append(exploitability(crisis, rs.profile, **opts))
            checkpoints.append(rs.round)
        if callback is not None:
            callback(rs)

    step = _PolicyGradientStep(crisis, batch_size, learning_rate, min_std, max_std,
                               np.random.default_rng(seed))
    play = repeated_play(step, profile, joint=True, state=step.start_state(profile),
                         max_rounds=n_iterations, callback=on_round, record_every=0)
    final = play.final
    if checkpoints[-1] != play.nit:
        reports.append(exploitability(crisis, final, **opts))
        checkpoints.append(play.nit)
    returns = np.array(step.returns)
    poa = np.array(step.poa)
    nash = np.array([r.nash_conv for r in reports])
    ck = np.array(checkpoints)
    for a in (returns, poa, nash, ck):
        a.setflags(write=False)
    params = {"n_iterations": int(n_iterations), "batch_size": int(batch_size),
              "learning_rate": float(learning_rate), "init_std": float(init_std),
              "min_std": float(min_std), "max_std": float(max_std),
              "exploitability_every": int(exploitability_every), "exploitability_options": opts,
              "seed": seed, "start": "given" if start is not None else "means 0.5"}
    return LearningResult(final, policy_means(final), policy_stds(final), play.nit, returns,
                          poa, ck, nash, tuple(reports), play, play.success, play.status,
                          play.message, parameters=params)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A profile played on fresh Crises.

    Attributes
    ----------
    price_of_anarchy : (T,)        mean PoA_τ, τ = 1..T
    price_of_anarchy_se : (T,)     its standard error over episodes
    frustration : (T, B)           mean frustration per Market and buyer
    buyer_frustration : (B,)       mean over Markets
    returns : (N,)                 mean discounted returns
    traded, offered : (T,)         mean Good traded / offered per Market
    mean_ask : (T,)                mean traded price per Market (nan-mean)
    n_episodes : int
    """
    price_of_anarchy: np.ndarray
    price_of_anarchy_se: np.ndarray
    frustration: np.ndarray
    buyer_frustration: np.ndarray
    returns: np.ndarray
    traded: np.ndarray
    offered: np.ndarray
    mean_ask: np.ndarray
    n_episodes: int


def evaluate_profile(crisis: Crisis, profile, *, n_episodes: int = 100, seed=0) -> Evaluation:
    """Play ``profile`` (stochastically, as trained) on ``n_episodes`` fresh Crises."""
    check_integer("n_episodes", n_episodes, 2)
    rng = np.random.default_rng(seed)
    xs, xb, _ = sample_actions(crisis, profile, n_episodes, rng)
    ro = rollout(crisis, xs, xb, seed=int(rng.integers(2**62)))
    poa = price_of_anarchy(ro.frustration)
    with np.errstate(all="ignore"):
        ask = np.nanmean(ro.mean_ask, axis=0) if np.any(np.isfinite(ro.mean_ask)) else \
            np.full(crisis.n_markets, np.nan)
    arrays = (poa.mean(axis=0), poa.std(axis=0, ddof=1) / np.sqrt(n_episodes),
              ro.frustration.mean(axis=0), ro.frustration.mean(axis=(0, 1)),
              ro.returns.mean(axis=0),
              ro.traded.mean(axis=0), ro.offered.mean(axis=0), ask)
    for a in arrays:
        a.setflags(write=False)
    return Evaluation(*arrays, int(n_episodes))
