"""The centralized problem (CP) and its KKT certificate.

``maximize sum_i v_i(x_i)`` subject to the network's linear constraints:

* unicast (1.2): ``alpha x <= c``, ``x >= 0``; multipliers ``lambda_l`` (1.3-1.5);
* multicast (CP) of ch. 2 with auxiliary ``m^l_k``: ``sum_k m^l_k <= c^l`` (C_2),
  ``alpha^l_{ki} x_{ki} <= m^l_k`` (C_3), ``x >= 0``; multipliers ``lambda_l``, ``mu^l_{ki}`` (2.3-2.6);
* general (ch. 3): ``rows x <= rhs`` (equality chains and inequalities), ``x >= 0`` (3.7-3.9).

All three are written as one problem over ``z = (x, aux)``: ``max f(z)`` s.t. ``G z <= h``, ``z >= 0``.
It is solved with SLSQP, polished by Newton's method on the KKT system of the identified active
set, and the multipliers are recovered by a linear program (they need not be unique: any feasible
choice is returned, the one of least total price), then refined by least squares on its support.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog, minimize

from .networks import LinearConstraints, MulticastNetwork, UnicastNetwork
from ..utilities import check_utilities

__all__ = ["CentralizedSolution", "solve_centralized", "kkt_residuals", "check_assumptions"]


@dataclass(frozen=True, eq=False)
class CentralizedSolution:
    """Optimum of (CP) with a KKT certificate.

    Attributes
    ----------
    x : ndarray (N,)
        The optimal allocation ``x*``.
    prices : ndarray (L,)
        ``lambda*`` per constraint (links / taxation rows; ch. 2: the C_2 multiplier per link).
    member_prices : ndarray (L, N) or None
        Ch. 2 only: ``mu^l_{ki}`` (0 off-link).
    aux : ndarray (L, N) or None
        Ch. 2 only: ``m^l_k`` repeated on each member ``ki`` of group ``k``.
    welfare : float
        ``sum_i v_i(x*_i)``.
    kkt_residual : float
        Max of the stationarity, primal, dual and complementary-slackness residuals.
    success, status, message, method, parameters
        As in scipy / the style guide.
    """
    x: np.ndarray
    prices: np.ndarray
    member_prices: np.ndarray | None
    aux: np.ndarray | None
    welfare: float
    kkt_residual: float
    residuals: dict
    success: bool
    status: int
    message: str
    method: str
    parameters: dict = field(default_factory=dict)
    network: object = field(default=None, repr=False)


def _gradient(utilities, x):
    return np.array([u.derivative(xi) for u, xi in zip(utilities, x)], dtype=float)


def _hessian_diag(utilities, x):
    return np.array([u.second_derivative(xi) for u, xi in zip(utilities, x)], dtype=float)


def _build(network):
    """``(G, h, n_x, aux_layout)`` of the common form ``G z <= h``, ``z >= 0``."""
    if isinstance(network, UnicastNetwork):
        return network.coefficients.copy(), network.capacities.copy(), network.n_agents, None
    if isinstance(network, LinearConstraints):
        return network.rows.copy(), network.rhs.copy(), network.n_agents, None
    if isinstance(network, MulticastNetwork):
        A, c = network.coefficients, network.capacities
        L, N = A.shape
        aux = np.argwhere(network.groups_on_link)              # (l, k) of every m^l_k, row-major
        aux_index = {(int(l), int(k)): N + j for j, (l, k) in enumerate(aux)}
        members = np.argwhere(A > 0)                           # (l, i) of every agent on a link
        G = np.zeros((L + len(members), N + len(aux)))
        G[aux[:, 0], N + np.arange(len(aux))] = 1.0            # C_2: sum_k m^l_k <= c^l
        rows = L + np.arange(len(members))                     # C_3: alpha^l_ki x_ki <= m^l_k
        G[rows, members[:, 1]] = A[members[:, 0], members[:, 1]]
        G[rows, [aux_index[(int(l), int(network.groups[i]))] for l, i in members]] = -1.0
        return G, np.concatenate([c, np.zeros(len(members))]), N, aux_index
    raise TypeError(f"network: expected UnicastNetwork, MulticastNetwork or LinearConstraints; "
                    f"got {type(network).__name__}")


def _duals_lp(grad_z, G_all, slack_all, tol):
    """Multipliers ``nu >= 0`` on the active rows of ``G_all`` with ``G_all^T nu = grad_z``."""
    active = slack_all <= tol
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return np.zeros(G_all.shape[0]), float(np.max(np.abs(grad_z), initial=0.0))
    Ga = G_all[idx]
    res = linprog(np.ones(idx.size), A_eq=Ga.T, b_eq=grad_z, bounds=[(0, None)] * idx.size,
                  method="highs")
    nu = np.zeros(G_all.shape[0])
    if res.status == 0:
        nu[idx] = res.x
    else:  # least-squares fallback (reported through the residual)
        sol, *_ = np.linalg.lstsq(Ga.T, grad_z, rcond=None)
        nu[idx] = np.maximum(sol, 0)
    # refine on the support by least squares
    support = idx[nu[idx] > 1e-12]
    if support.size:
        sol, *_ = np.linalg.lstsq(G_all[support].T, grad_z, rcond=None)
        if np.all(sol >= 0):
            cand = np.zeros_like(nu)
            cand[support] = sol
            if np.max(np.abs(G_all.T @ cand - grad_z)) <= np.max(np.abs(G_all.T @ nu - grad_z)):
                nu = cand
    return nu, float(np.max(np.abs(G_all.T @ nu - grad_z)))


def _polish(utilities, n_x, G_all, h_all, z, nu, tol, max_iter=30):
    """Newton on the KKT system of the active set (least-squares steps: duals may be non-unique)."""
    slack = h_all - G_all @ z
    act = np.flatnonzero(slack <= tol)
    lam = nu[act].copy()
    Ga, ha = G_all[act], h_all[act]
    nz = z.size
    for _ in range(max_iter):
        grad = np.zeros(nz)
        grad[:n_x] = _gradient(utilities, z[:n_x])
        F = np.concatenate([grad - Ga.T @ lam, Ga @ z - ha])
        if np.max(np.abs(F), initial=0.0) < 1e-15:
            break
        H = np.zeros((nz, nz))
        H[np.arange(n_x), np.arange(n_x)] = _hessian_diag(utilities, z[:n_x])
        J = np.block([[H, -Ga.T], [Ga, np.zeros((act.size, act.size))]])
        step, *_ = np.linalg.lstsq(J, -F, rcond=None)
        z = z + step[:nz]
        lam = lam + step[nz:]
    return z


def solve_centralized(network, utilities, *, tol=1e-7, x0=None) -> CentralizedSolution:
    """Solve the centralized problem of the network's chapter and certify it by KKT.

    Parameters
    ----------
    network : UnicastNetwork | MulticastNetwork | LinearConstraints
    utilities : sequence of Utility, length N
    tol : float
        Slack below which a constraint is treated as active when the multipliers are recovered.
    x0 : array_like, optional
        Starting allocation for SLSQP (default: a small feasible point).

    Returns
    -------
    CentralizedSolution
        ``success`` is True when the KKT residual is below ``1e-8``.

    Notes
    -----
    Ch. 1 (1.3)-(1.5), ch. 2 (2.3)-(2.6), ch. 3 (3.7)-(3.9). The valuations are strictly concave
    (A1) so ``x*`` is unique; the multipliers may not be (e.g. the ch. 2 M1 family, the ch. 3
    equality chains).
    """
    utilities = check_utilities(utilities, network.n_agents)
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be > 0; got {tol!r}")
    G, h, n_x, aux_index = _build(network)
    nz = G.shape[1]
    G_all = np.vstack([G, -np.eye(nz)])
    h_all = np.concatenate([h, np.zeros(nz)])

    def f(z):
        return -sum(float(u.value(xi)) for u, xi in zip(utilities, z[:n_x]))

    def grad_f(z):
        g = np.zeros(nz)
        g[:n_x] = -_gradient(utilities, z[:n_x])
        return g

    z0 = np.zeros(nz)
    if x0 is not None:
        z0[:n_x] = np.asarray(x0, dtype=float)
    cons = [{"type": "ineq", "fun": lambda z: h - G @ z, "jac": lambda z: -G}]
    res = minimize(f, z0, jac=grad_f, bounds=[(0, None)] * nz, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-15, "maxiter": 1000})
    z = np.maximum(res.x, 0.0)
    scale = 1.0 + np.abs(h_all)
    grad = -grad_f(z)
    nu, _ = _duals_lp(grad, G_all, (h_all - G_all @ z) / scale, tol)
    z_pol = _polish(utilities, n_x, G_all, h_all, z, nu, tol * scale.max())
    if np.all(np.isfinite(z_pol)) and np.all(G_all @ z_pol <= h_all + 1e-12 * scale):
        nu_pol, stat_pol = _duals_lp(-grad_f(z_pol), G_all, (h_all - G_all @ z_pol) / scale, tol)
        _, stat_old = _duals_lp(grad, G_all, (h_all - G_all @ z) / scale, tol)
        if stat_pol <= stat_old:
            z, nu = z_pol, nu_pol
    grad = -grad_f(z)
    x = z[:n_x].copy()
    nrows = G.shape[0]
    lam_rows = nu[:nrows]
    residuals = {
        "stationarity": float(np.max(np.abs(G_all.T @ nu - grad))),
        "primal": float(max(0.0, np.max(G_all @ z - h_all))),
        "dual": float(max(0.0, -np.min(nu))),
        "complementary_slackness": float(np.max(np.abs(nu * (h_all - G_all @ z)))),
    }
    member_prices = aux = None
    if aux_index is None:
        prices = lam_rows.copy()
    else:
        L, N = network.coefficients.shape
        prices = lam_rows[:L].copy()
        member_prices = np.zeros((L, N))
        aux = np.zeros((L, N))
        on = np.argwhere(network.coefficients > 0)           # the C_3 rows, in _build's order
        member_prices[on[:, 0], on[:, 1]] = lam_rows[L:]
        aux[on[:, 0], on[:, 1]] = z[[aux_index[(int(l), int(network.groups[i]))] for l, i in on]]
        member_prices.setflags(write=False)
        aux.setflags(write=False)
    kkt = max(residuals.values())
    success = bool(kkt < 1e-8)
    message = ("optimum certified by KKT (residual %.2e)" % kkt if success else
               "KKT residual %.2e above 1e-8 (SLSQP: %s)" % (kkt, res.message))
    x.setflags(write=False)
    prices.setflags(write=False)
    return CentralizedSolution(
        x=x, prices=prices, member_prices=member_prices, aux=aux,
        welfare=float(-f(z)), kkt_residual=float(kkt), residuals=residuals, success=success,
        status=0 if success else 1, message=message,
        method="slsqp+active-set-newton+lp-duals",
        parameters={"tol": tol, "slsqp_nit": int(res.nit), "slsqp_success": bool(res.success)},
        network=network)


def kkt_residuals(network, utilities, x, prices, member_prices=None) -> dict:
    """KKT residuals of ``(x, prices)`` for the network's centralized problem.

    Returns a dict with ``stationarity``, ``primal``, ``dual``, ``complementary_slackness`` and
    ``max``. Ch. 1 (1.3-1.5): stationarity is ``v_i'(x_i) - sum_l alpha^l_i lambda_l`` (= 0 if
    ``x_i > 0``, <= 0 if ``x_i = 0``). Ch. 2 (2.3-2.6): also ``lambda_l = sum_{i in G^l_k} mu^l_{ki}``
    and complementary slackness of C_3 with ``m^l_k = max_i alpha x``. Ch. 3 (3.9): equality.
    """
    utilities = check_utilities(utilities, network.n_agents)
    x = np.asarray(x, dtype=float)
    lam = np.asarray(prices, dtype=float)
    grad = _gradient(utilities, x)
    A, c = network.coefficients, network.capacities
    out = {}
    if isinstance(network, MulticastNetwork):
        if member_prices is None:
            raise ValueError("member_prices: required for a MulticastNetwork")
        mu = np.asarray(member_prices, dtype=float)
        member = network.membership
        m = np.zeros_like(A)
        loads = network.max_form_loads(x)
        ax = A * x[None, :]
        for k in range(network.n_groups):
            cols = network.groups == k
            mk = np.max(np.where(member[:, cols], ax[:, cols], 0.0), axis=1)
            m[:, cols] = mk[:, None]
        net = (A * mu).sum(axis=0)
        stat = grad - net
        split = 0.0
        for l in range(A.shape[0]):
            for k in range(network.n_groups):
                if network.groups_on_link[l, k]:
                    split = max(split, abs(lam[l] - mu[l, (network.groups == k) & member[l]].sum()))
        out["stationarity"] = float(max(np.max(np.where(x > 1e-12, np.abs(stat), np.maximum(stat, 0))), split))
        out["primal"] = float(max(0.0, np.max(loads - c), -np.min(x)))
        out["dual"] = float(max(0.0, -np.min(lam), -np.min(np.where(member, mu, 0))))
        out["complementary_slackness"] = float(max(np.max(np.abs(lam * (c - loads))),
                                                   np.max(np.abs(np.where(member, mu * (m - ax), 0)))))
    else:
        stat = grad - A.T @ lam
        if isinstance(network, LinearConstraints):
            out["stationarity"] = float(np.max(np.abs(stat)))
        else:
            out["stationarity"] = float(np.max(np.where(x > 1e-12, np.abs(stat), np.maximum(stat, 0))))
        out["primal"] = float(max(0.0, np.max(A @ x - c), -np.min(x)))
        out["dual"] = float(max(0.0, -np.min(lam)))
        out["complementary_slackness"] = float(np.max(np.abs(lam * (c - A @ x))))
    out["max"] = max(out.values())
    return out


def check_assumptions(network, x_star, tol=1e-9) -> dict:
    """Check the solution-dependent assumptions: ch. 1 (A4) ``|S^l(x*)| >= 2``, ch. 2 (A4) two
    active groups per link, ch. 3 (A2) ``x* > d``. Returns ``{"ok": bool, "violations": [...]}``."""
    x = np.asarray(x_star, dtype=float)
    violations = []
    if isinstance(network, LinearConstraints):
        bad = np.flatnonzero(x <= network.lower_demands)
        violations += [f"(A2) x*[{i}] = {x[i]:.3g} <= d[{i}] = {network.lower_demands[i]:.3g}" for i in bad]
    elif isinstance(network, MulticastNetwork):
        for l in range(network.n_links):
            active = {int(network.groups[i]) for i in np.flatnonzero(network.membership[l] & (x > tol))}
            if len(active) < 2:
                violations.append(f"(A4) link {l} has {len(active)} active group(s) at x*")
    else:
        for l in range(network.n_links):
            n = int(np.sum(network.membership[l] & (x > tol)))
            if n < 2:
                violations.append(f"(A4) link {l} has {n} active agent(s) at x*")
    return {"ok": not violations, "violations": violations}
