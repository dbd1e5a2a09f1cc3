import sys, time
sys.path.insert(0, __import__('os').path.dirname(__file__))
from homotopy import *
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

def perm_sign(p):
    p = np.asarray(p); seen = np.zeros(p.size, bool); s = 1
    for i in range(p.size):
        if not seen[i]:
            j = i; L = 0
            while not seen[j]:
                seen[j] = True; j = p[j]; L += 1
            if L % 2 == 0: s = -s
    return s

def det_sign(A):
    lu = splu(A.tocsc())
    d = lu.U.diagonal()
    return int(np.prod(np.sign(d))) * perm_sign(lu.perm_r) * perm_sign(lu.perm_c), lu

class Tracer:
    def __init__(self, S, tol=1e-9):
        self.S = S; self.tol = tol
        self.scale = 1.0 / np.sqrt(S.nw + S.nv)
    def aug(self, J, Jt, tau):
        s2 = self.scale**2
        return sp.bmat([[J, sp.csc_matrix(Jt[:, None])], [sp.csr_matrix(s2 * tau[:-1][None, :]), sp.csr_matrix([[tau[-1]]])]]).tocsc()
    def tangent(self, u, t, orient=None, prev=None):
        J, Jt = self.S.jacobian(u, t)
        v = splu(J).solve(-Jt)
        tau = np.concatenate([v, [1.0]]); tau /= np.sqrt(self.scale**2 * (v @ v) + 1.0)
        sgn, _ = det_sign(self.aug(J, Jt, tau))
        if orient is None:
            orient = sgn  # start: moving towards larger t
        elif sgn != orient:
            tau = -tau
        return tau, orient
    def correct(self, y0, tau, h, maxit=10):
        S = self.S; s2 = self.scale**2
        yp = y0 + h * tau; yc = yp.copy()
        for k in range(maxit):
            uc, tc = yc[:-1], yc[-1]
            R = S.residual(uc, tc)
            c = s2 * (tau[:-1] @ (uc - yp[:-1])) + tau[-1] * (tc - yp[-1])
            nr = max(np.abs(R).max(), abs(c))
            if nr < self.tol:
                return yc, True, k
            J, Jt = S.jacobian(uc, tc, R)
            dy = splu(self.aug(J, Jt, tau)).solve(-np.concatenate([R, [c]]))
            yc = yc + dy
            if not np.all(np.isfinite(yc)) or np.abs(dy[:-1]).max() > 20:
                return yc, False, k
        return yc, False, maxit
    def run(self, u, t, t_end, h=0.5, hmax=2.0, hmin=1e-7, max_steps=5000, verbose=True):
        tau, orient = self.tangent(u, t)
        y = np.concatenate([u, [t]]); steps = 0; t0 = time.time(); nrej = 0
        while y[-1] < t_end and steps < max_steps:
            steps += 1
            yn, ok, k = self.correct(y, tau, h)
            if not ok:
                # look ahead across a kink: the tangent of the piece at the predicted point
                tau2, _ = self.tangent((y + h*tau)[:-1], (y + h*tau)[-1], orient)
                yn, ok, k = self.correct(y, tau2, h)
            if ok:
                back = y.copy()
                y = yn
                tau, orient = self.tangent(y[:-1], y[-1], orient)
                if verbose and steps % 5 == 0 or verbose == 2:
                    print(f"step {steps} lam={np.exp(y[-1]):.4g} h={h:.2g} its={k} dt/ds={tau[-1]:+.2f} rej={nrej} time={time.time()-t0:.1f}", flush=True)
                if k <= 3: h = min(h * 1.5, hmax)
            else:
                nrej += 1
                h /= 2
                if h < hmin:
                    raise RuntimeError(f"step too small at lam={np.exp(y[-1])}")
        return y[:-1], y[-1]

if __name__ == "__main__":
    n = int(sys.argv[1]); delta = float(sys.argv[2]); lam_end = float(sys.argv[3])
    game = spbe.examples.public_goods(delta)
    grid = BeliefGrid((2, 2), (n, n))
    S = LogitSystem(game, grid, delta)
    u = np.zeros(S.nw + S.nv); t = np.log(0.05)
    u, ok, k, r = newton(S, u, t)
    T = Tracer(S)
    u, t = T.run(u, t, np.log(lam_end))
    R, logp, U = S.residual(u, t, parts=True)
    g = np.exp(logp); w, V = S.split(u)
    print("lam", np.exp(t), "regret", (U.max(-1) - (g*U).sum(-1)).max())
    print(f"(1-d)V L[{(1-delta)*V[:,0,1].min():.3f},{(1-delta)*V[:,0,1].max():.3f}] H[{(1-delta)*V[:,0,0].min():.3f},{(1-delta)*V[:,0,0].max():.3f}]")
    np.savez(f"h_{n}_{delta}.npz", u=u, t=t)
