"""The gradient system F(W) = g(W) + Λ ∘ W, evaluated numerically and vectorized over points.

With A = X Xᵀ and B = Y Xᵀ, the data part of the gradient for layer i is (thesis (3.1))

    g_i(W) = U_iᵀ (W A − B) V_iᵀ,   W = W_{H+1}⋯W_1,  U_i = W_{H+1}⋯W_{i+1},  V_i = W_{i-1}⋯W_1.

Every function takes points of shape (P, N) and parameters that are either shared or given per
point (leading axis P). This numpy form serves classification (the Jacobian is the Hessian of the
loss), endpoint conditioning and tests; path tracking uses the compiled :mod:`linnet_cli.homotopy.evaluator`,
which is tested against it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance
from .network import Network


@dataclass(frozen=True)
class Parameters:
    """Parameters of the gradient system: A = X Xᵀ (.., d_x, d_x), B = Y Xᵀ (.., d_y, d_x), Λ (.., N)."""

    A: np.ndarray
    B: np.ndarray
    lam: np.ndarray

    @classmethod
    def from_data(cls, X: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> Parameters:
        """From data X (.., d_x, m), Y (.., d_y, m) and flat Λ (.., N); real or complex."""
        Xt = np.swapaxes(X, -1, -2)
        return cls(X @ Xt, Y @ Xt, lam)

    @classmethod
    def from_instance(cls, instance: Instance) -> Parameters:
        return cls.from_data(instance.X, instance.Y, instance.lambda_flat)

    def with_lambda(self, lam: np.ndarray) -> Parameters:
        return Parameters(self.A, self.B, lam)


def _T(a: np.ndarray) -> np.ndarray:
    """Transpose of the last two axes."""
    return np.swapaxes(a, -1, -2)


def _outer_acbe(P: np.ndarray, Q: np.ndarray, swap: bool = False) -> np.ndarray:
    """out[..., a, b, c, e] = P[..., a, c] · Q[..., b, e], or P[..., a, e] · Q[..., c, b] with ``swap``."""
    if swap:
        return P[..., :, None, None, :] * _T(Q)[..., None, :, :, None]
    return P[..., :, None, :, None] * Q[..., None, :, None, :]


def _chain(mats: list[np.ndarray], lo: int, hi: int, eye_dim: int, lead: tuple[int, ...]) -> np.ndarray:
    """Product W_hi ⋯ W_lo (0-based, inclusive); identity of size eye_dim when hi < lo."""
    if hi < lo:
        return np.broadcast_to(np.eye(eye_dim, dtype=mats[0].dtype), lead + (eye_dim, eye_dim))
    out = mats[lo]
    for k in range(lo + 1, hi + 1):
        out = mats[k] @ out
    return out


class GradientSystem:
    """Numeric evaluator of F(W) = g(W) + Λ ∘ W and of its Jacobian (the Hessian of the loss)."""

    def __init__(self, network: Network) -> None:
        self.network = network

    def _products(self, w: np.ndarray, A: np.ndarray, B: np.ndarray):
        net = self.network
        Ws = net.unflatten(w)
        lead = w.shape[:-1]
        L = net.n_layers
        V = [_chain(Ws, 0, i - 1, net.dx, lead) for i in range(L)]            # V_i = W_{i-1}..W_1
        U = [_chain(Ws, i + 1, L - 1, net.dy, lead) for i in range(L)]        # U_i = W_L..W_{i+1}
        W = Ws[-1] @ V[-1]
        E = W @ A - B
        return Ws, V, U, E

    def data_part(self, w: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """g(W), shape (P, N): the gradient of ½‖W X − Y‖² (linear in A and B)."""
        Ws, V, U, E = self._products(w, A, B)
        blocks = [np.swapaxes(U[i], -1, -2) @ E @ np.swapaxes(V[i], -1, -2) for i in range(len(Ws))]
        return self.network.flatten(blocks)

    def evaluate(self, w: np.ndarray, p: Parameters) -> np.ndarray:
        """F(W) = g(W) + Λ ∘ W, shape (P, N)."""
        return self.data_part(w, p.A, p.B) + p.lam * w

    def evaluate_and_jacobian(self, w: np.ndarray, p: Parameters) -> tuple[np.ndarray, np.ndarray]:
        """F (P, N) and its Jacobian ∂F/∂W (P, N, N), which is the (complex symmetric) Hessian of the loss.

        Block (i, j) maps dW_j to dF_i; entry [a, b, c, e] = ∂(F_i)_ab / ∂(W_j)_ce is a sum of
        outer products, formed by broadcasting (much faster than einsum for these small blocks).
        """
        net = self.network
        Ws, V, U, E = self._products(w, p.A, p.B)
        L = net.n_layers
        lead = w.shape[:-1]
        Ut = [_T(u) for u in U]
        Vt = [_T(v) for v in V]
        F = net.flatten([Ut[i] @ E @ Vt[i] for i in range(L)]) + p.lam * w
        N = net.N
        J = np.empty(lead + (N, N), dtype=np.result_type(w, p.A, p.B, p.lam))
        o = net.offsets
        VA = [V[j] @ p.A for j in range(L)]
        for i in range(L):
            ni, ni1 = net.shapes[i]
            for j in range(i, L):
                nj, nj1 = net.shapes[j]
                # through E: U_iᵀ U_j dW_j V_j A V_iᵀ  ->  [a,b,c,e] = (U_iᵀU_j)[a,c] (V_j A V_iᵀ)[e,b]
                blk = _outer_acbe(Ut[i] @ U[j], _T(VA[j] @ Vt[i]))
                if j > i:   # U_i = U_j W_j M with M = W_{j-1}..W_{i+1}: [a,b,c,e] = M[e,a] (U_jᵀ E V_iᵀ)[c,b]
                    M = _chain(Ws, i + 1, j - 1, ni, lead)
                    blk = blk + _outer_acbe(_T(M), Ut[j] @ E @ Vt[i], swap=True)
                blk = blk.reshape(lead + (ni * ni1, nj * nj1))
                J[..., o[i]:o[i + 1], o[j]:o[j + 1]] = blk
                if j > i:   # the Hessian is symmetric
                    J[..., o[j]:o[j + 1], o[i]:o[i + 1]] = _T(blk)
        idx = np.arange(N)
        J[..., idx, idx] += p.lam
        return F, J

    def jacobian(self, w: np.ndarray, p: Parameters) -> np.ndarray:
        """∂F/∂W, shape (P, N, N)."""
        return self.evaluate_and_jacobian(w, p)[1]

    def loss(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """L(W) = ½‖W X − Y‖² + ½ Σ Λ w², shape (P,) (no conjugation: the polynomial, also for complex W)."""
        net = self.network
        Ws = net.unflatten(w)
        W = _chain(Ws, 0, net.n_layers - 1, net.dx, w.shape[:-1])
        R = W @ X - Y
        return 0.5 * np.sum(R * R, axis=(-2, -1)) + 0.5 * np.sum(lam * w * w, axis=-1)

