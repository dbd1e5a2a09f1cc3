import time, sys, numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu
import spbe
from spbe.beliefs.grid import BeliefGrid
from spbe.beliefs.continuation import ContinuationValue
from spbe.stage.node_solver import kernel_context as _kc
import os
CUBIC = os.environ.get("CUBIC") == "1"
def kernel_context(game, V, delta):
    ctx = _kc(game, V, delta)
    if CUBIC:
        ctx = ctx[:11] + (-ctx[11],) + ctx[12:]
    return ctx
from logit_kernels import logit_action_values_nodes, value_jacobian_entries

class LogitSystem:
    def __init__(self, game, grid, delta):
        self.game, self.grid, self.delta = game, grid, delta
        self.beliefs = grid.nodes()
        arr = game.padded_arrays()
        self.B = grid.n_nodes
        self.N = game.n_agents; self.Mx = arr["kernels"].shape[1]; self.Kx = max(game.n_actions)
        B, N, Mx, Kx = self.B, self.N, self.Mx, self.Kx
        self.nw = B*N*Mx*Kx; self.nv = B*N*Mx
        vw = np.zeros((N, Mx, Kx), bool); vv = np.zeros((N, Mx), bool)
        for i in range(N):
            vw[i, :game.n_types[i], :game.n_actions[i]] = True; vv[i, :game.n_types[i]] = True
        self.valid_w = np.broadcast_to(vw, (B, N, Mx, Kx)).ravel()
        self.valid_v = np.broadcast_to(vv, (B, N, Mx)).ravel()
        self.ctx0 = kernel_context(game, ContinuationValue.zeros(grid), delta)

    def split(self, u):
        return u[:self.nw].reshape(self.B, self.N, self.Mx, self.Kx), u[self.nw:].reshape(self.B, self.N, self.Mx)

    def evalU(self, w, V, lam):
        ctx = kernel_context(self.game, ContinuationValue(self.grid, V), self.delta)
        z = np.ascontiguousarray(lam * w)
        logp = np.empty_like(z); U = np.empty_like(z)
        logit_action_values_nodes(ctx, self.beliefs, z, logp, U)
        return logp, U

    def residual(self, u, t, parts=False):
        lam = np.exp(t)
        w, V = self.split(u)
        logp, U = self.evalU(w, V, lam)
        g = np.exp(logp)
        Rw = np.where(self.valid_w, (w - U).ravel(), w.ravel())
        RV = np.where(self.valid_v, (V - (g * U).sum(-1)).ravel(), V.ravel())
        R = np.concatenate([Rw, RV])
        return (R, logp, U) if parts else R

    def jacobian(self, u, t, R0=None):
        B, N, Mx, Kx = self.B, self.N, self.Mx, self.Kx
        lam = np.exp(t)
        if R0 is None:
            R0 = self.residual(u, t)
        w, V = self.split(u)
        # w-block by coloured finite differences: node b's residuals depend on w_b only
        rows, cols, vals = [], [], []
        h = 1e-7
        base_idx = np.arange(B) * (N*Mx*Kx)
        vbase = self.nw + np.arange(B) * (N*Mx)
        for c in range(N*Mx*Kx):
            if not self.valid_w[c]:
                continue
            up = u.copy(); step = h * max(1.0, 1.0/lam) 
            up[base_idx + c] += step
            d = (self.residual(up, t) - R0) / step
            # rows of node b: w rows base_idx..+NMxKx, V rows vbase..
            for r in range(N*Mx*Kx):
                rows.append(base_idx + r); cols.append(base_idx + c); vals.append(d[base_idx + r])
            for r in range(N*Mx):
                rows.append(vbase + r); cols.append(base_idx + c); vals.append(d[vbase + r])
        # V block: linear
        ctx = self.ctx0
        z = np.ascontiguousarray(lam * w)
        cap = B * self.game.n_action_profiles * N * Mx * Mx * 4**N
        r_ = np.empty(cap, np.int64); c_ = np.empty(cap, np.int64); v_ = np.empty(cap)
        n = value_jacobian_entries(ctx, self.beliefs, z, r_, c_, v_)
        DU = sp.coo_matrix((v_[:n], (r_[:n], c_[:n])), shape=(self.nw, self.nv)).tocsr()
        logp, _ = self.evalU(w, V, lam)
        g = np.exp(logp).ravel()
        # Γ: (nv x nw) with γ weights
        Gam = sp.csr_matrix((g, (np.repeat(np.arange(self.nv), Kx), np.arange(self.nw))), shape=(self.nv, self.nw))
        mw = sp.diags(self.valid_w.astype(float)); mv = sp.diags(self.valid_v.astype(float))
        Jwv = -(mw @ DU)
        Jvv = sp.identity(self.nv) - mv @ (Gam @ DU)
        Jw = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(self.nw + self.nv, self.nw))
        Jw = Jw.tocsr()
        # invalid w columns: identity
        inv = np.flatnonzero(~self.valid_w)
        if inv.size:
            Jw = Jw + sp.coo_matrix((np.ones(inv.size), (inv, inv)), shape=Jw.shape)
        Jv = sp.vstack([Jwv, Jvv])
        J = sp.hstack([Jw, Jv]).tocsc()
        ht = 1e-6
        Jt = (self.residual(u, t + ht) - R0) / ht
        return J, Jt

def newton(sysm, u, t, tol=1e-10, maxit=30, verbose=False):
    R = sysm.residual(u, t)
    for k in range(maxit):
        nr = np.abs(R).max()
        if nr < tol:
            return u, True, k, nr
        J, _ = sysm.jacobian(u, t, R)
        du = splu(J).solve(-R)
        a = 1.0
        while a > 1e-4:
            un = u + a*du; Rn = sysm.residual(un, t)
            if np.abs(Rn).max() < (1 - 1e-4*a) * nr:
                break
            a /= 2
        u, R = un, Rn
        if verbose: print("  newton", k, nr, a)
    return u, np.abs(R).max() < tol, maxit, np.abs(R).max()

def arclength(sysm, u, t, t_end, h=0.5, tol=1e-10, verbose=True, hmax=4.0):
    scale = 1.0/np.sqrt(u.size)
    def tangent(u, t, prev=None):
        J, Jt = sysm.jacobian(u, t)
        v = splu(J).solve(-Jt)
        tau = np.concatenate([v, [1.0]]); nrm = np.sqrt(scale**2 * (v @ v) + 1.0)
        tau /= nrm
        if prev is not None and (scale**2 * (tau[:-1] @ prev[:-1]) + tau[-1]*prev[-1]) < 0:
            tau = -tau
        return tau
    tau = tangent(u, t)
    steps = 0; t0 = time.time()
    while t < t_end:
        steps += 1
        y = np.concatenate([u, [t]])
        yp = y + h * tau
        yc = yp.copy(); ok = False
        for k in range(12):
            uc, tc = yc[:-1], yc[-1]
            R = sysm.residual(uc, tc)
            c = scale**2 * (tau[:-1] @ (uc - yp[:-1])) + tau[-1]*(tc - yp[-1])
            nr = max(np.abs(R).max(), abs(c))
            if nr < tol:
                ok = True; break
            J, Jt = sysm.jacobian(uc, tc, R)
            A = sp.bmat([[J, sp.csc_matrix(Jt[:, None])], [sp.csr_matrix(scale**2 * tau[:-1][None, :]), sp.csr_matrix([[tau[-1]]])]]).tocsc()
            dy = splu(A).solve(-np.concatenate([R, [c]]))
            yc = yc + dy
            if not np.all(np.isfinite(yc)) or np.abs(dy[:-1]).max() > 50:
                break
        if ok:
            u, t = yc[:-1], yc[-1]
            tau = tangent(u, t, tau)
            if verbose:
                w, V = sysm.split(u)
                print(f"step {steps} t={t:.3f} lam={np.exp(t):.3g} h={h:.3g} its={k} dt/ds={tau[-1]:+.2f} time={time.time()-t0:.1f}", flush=True)
            if k <= 3: h = min(h*1.6, hmax)
        else:
            h /= 2
            if verbose: print(f"  reject, h={h:.3g}")
            if h < 1e-6:
                raise RuntimeError("step too small")
    return u, t

if __name__ == "__main__":
    n = int(sys.argv[1]); delta = float(sys.argv[2]); lam_end = float(sys.argv[3])
    game = spbe.examples.public_goods(delta)
    grid = BeliefGrid((2, 2), (n, n))
    S = LogitSystem(game, grid, delta)
    u = np.zeros(S.nw + S.nv)
    t = np.log(0.05)
    u, ok, k, r = newton(S, u, t, verbose=True)
    print("start", ok, k, r)
    u, t = arclength(S, u, t, np.log(lam_end))
    R, logp, U = S.residual(u, t, parts=True)
    g = np.exp(logp)
    w, V = S.split(u)
    print("regret", (U.max(-1) - (g*U).sum(-1)).max())
    print(f"(1-d)V L[{(1-delta)*V[:,0,1].min():.3f},{(1-delta)*V[:,0,1].max():.3f}] H[{(1-delta)*V[:,0,0].min():.3f},{(1-delta)*V[:,0,0].max():.3f}]")
    np.savez(f"h_{n}_{delta}.npz", u=u, t=t)
