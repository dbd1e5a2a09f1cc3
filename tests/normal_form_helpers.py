"""Helpers shared by the normal-form tests (``test_normal_form_oracle``, ``test_support_enumeration``):
a bimatrix game as a one-type, δ = 0 ``DynamicGame``, and equality of equilibrium sets."""
import numpy as np

import spbe


def normal_form(A, B, **kw):
    R = np.stack([A, B])[:, None, None, :, :]            # (agent, x1, x2, a1, a2), one type each
    return spbe.DynamicGame(R, types=[1, 1], actions=list(A.shape), delta=0.0, **kw)


def same_sets(x, y, atol=1e-8):
    """Two lists of profiles (x, y) hold the same equilibria (same count, each matched)."""
    if len(x) != len(y):
        return False
    return all(any(np.allclose(p, q, atol=atol) and np.allclose(r, s, atol=atol) for q, s in y)
               for p, r in x)
