"""The neuron sign symmetry: negating row i of W_l and column i of W_{l+1} maps critical points to
critical points for the same Λ. Orbits have 2^(hidden neurons) points on the torus; trackers follow
one canonical point per orbit and expand orbits at the end.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from .network import Network


@lru_cache(maxsize=128)
def sign_vectors(network: Network) -> np.ndarray:
    """All (2^k, N) coordinate sign patterns of the group, k = number of hidden neurons; identity first."""
    hidden = network.hidden
    k = sum(hidden)
    out = np.empty((2 ** k, network.N))
    for g, bits in enumerate(itertools.product((1.0, -1.0), repeat=k)):
        s, pos = [np.ones(network.dx)], 0
        for n in hidden:
            s.append(np.array(bits[pos:pos + n]))
            pos += n
        s.append(np.ones(network.dy))
        out[g] = network.flatten([np.outer(s[l + 1], s[l]) for l in range(network.n_layers)])
    return out


#: A neuron's lead entry whose real part is at most this fraction of its size counts as purely imaginary
#: (then the sign of its imaginary part decides). Real instances have critical points whose neuron weights
#: are purely imaginary; the sign of their real parts (1e-32 against 1e-38 for two copies of one point)
#: is rounding noise, and two copies of one orbit got different representatives.
IMAGINARY_TOL = 1e-9


def canonical(network: Network, w: np.ndarray, keep_first: bool = False) -> np.ndarray:
    """The orbit representative whose first entry of every hidden neuron's input row lies in the
    half-plane Re > 0 (or Re ≈ 0, Im > 0; see IMAGINARY_TOL). Points (P, N) on the torus. With ``keep_first`` the first
    neuron of the first hidden layer keeps its sign: representatives of the subgroup of sign flips of
    the other neurons (the trace test's slice involves that neuron's weights)."""
    mats = [m.copy() for m in network.unflatten(np.array(w, dtype=complex))]
    for l in range(network.H):
        lead = mats[l][..., :, 0]
        imaginary = np.abs(lead.real) <= IMAGINARY_TOL * np.abs(lead)
        flip = np.where(imaginary, lead.imag < 0, lead.real < 0)
        if keep_first and l == 0:
            flip[..., 0] = False
        s = np.where(flip, -1.0, 1.0)
        mats[l] *= s[..., :, None]
        mats[l + 1] *= s[..., None, :]
    return network.flatten(mats)


def expand_orbits(network: Network, reps: np.ndarray) -> np.ndarray:
    """All points of the orbits of ``reps`` (P, N) → (P · 2^k, N), orbit by orbit."""
    signs = sign_vectors(network)
    return (reps[:, None, :] * signs[None, :, :]).reshape(-1, network.N)
