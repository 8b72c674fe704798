"""Exact mixed volume of lattice polytopes (the BKK bound) by enumerating fine mixed cells.

The mixed volume MV(A_1, ..., A_N) of N supports in Z^N is the sum of |det| of the mixed cells of
the fine mixed subdivision induced by a generic lifting (Huber–Sturmfels). In tropical terms: give
each point c of A_j a random integer weight w(c) and let L_c(alpha) = <c, alpha> + w(c); the
tropical hypersurface T_j is the set of alpha where min_{c in A_j} L_c is attained at least twice.
For a generic lifting the mixed cells are exactly the points of T_1 ∩ ... ∩ T_N, each lying in
the relative interior of one edge {a_j, b_j} of every T_j, with volume |det(a_j - b_j)_j|.

Those points are found by a tropical regeneration, the idea behind Jensen's tropical homotopy
continuation (gfan's ``_mixedvolume``) and MixedSubdivisions.jl, here run as a traversal of
tropical curves:

* D_1, ..., D_N are copies of the standard simplex {0, e_1, ..., e_N}, lifted so that the system
  (D_1, ..., D_N) has the single, known mixed cell {0, e_j}_j.
* Stage k knows the mixed cells S_k of (A_1, ..., A_k, D_{k+1}, ..., D_N). Dropping the (k+1)-th
  system leaves N - 1 supports whose tropical intersection C is a tropical curve: a graph whose
  edges are segments (or rays) on which one pair per support ties for the minimum. S_k = C ∩ T(D_{k+1})
  and S_{k+1} = C ∩ T(A_{k+1}).
* Every connected component of the balanced curve C has an unbounded ray, so it meets the generic
  tropical hyperplane T(D_{k+1}): walking the edges of C from the points S_k (a breadth-first
  search with a hash set of visited edges) visits all of C. On each edge, a ratio test gives the
  two endpoints (the point of some support that joins the tie there) and the lower envelope of
  A_{k+1} along the segment gives the points of S_{k+1}. At an endpoint where c joins the pair
  {a, b}, the curve continues along the pairs {a, c} and {b, c}.
* After stage N the cells S_N are the mixed cells of (A_1, ..., A_N); their volumes are summed
  exactly (determinant modulo a prime, matched with the floating-point value; exact Python integers
  when the entries are too large for that).

No LP is needed. Floating point only orders events along a line; every decision is checked to have
a margin (``TOL``, in lifting units, about 1e5 times the round-off) and a near-tie anywhere — two
points joining at once, a cell on a vertex of the curve, a tie constant along an edge — means the
lifting may not be generic: the computation restarts with a new random lifting.

The kernel is compiled with numba when it is installed (imported only when a mixed volume is first
computed; the compiled code is cached on disk); without numba it runs as plain Python, correct but
only practical for small systems.
"""
from __future__ import annotations

import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = ["mixed_volume", "bkk_bounds", "NonGenericLiftingError"]

#: Lifting values are random integers below LIFT_RANGE: exact in float64, and spread enough that
#: an exact tie (a non-generic lifting) is rare.
LIFT_RANGE = 2 ** 31
#: Decision margin in lifting units (about 0.2): far above the round-off of the computations at
#: this scale (about 1e-6) and far below typical gaps between lifted values (1e5 and more).
TOL = 1e-10 * LIFT_RANGE
#: Below this, a slope along an edge (a dot product with the unit-max direction vector, made of
#: small integers) counts as zero: the point stays parallel to the tie along that edge.
EPS_SLOPE = 1e-9
#: Smallest pivot accepted when solving for an edge's line (entries are small integers).
EPS_PIVOT = 1e-9
#: Prime for the exact determinants (products of two residues fit in int64).
DET_PRIME = 2147483647
#: Above this Hadamard bound, floating-point determinants are not trusted to round to the exact
#: value, and final cells are handed to exact Python integer arithmetic instead.
DET_FLOAT_LIMIT = 2.0 ** 50
#: How many random liftings to try before giving up.
MAX_LIFTINGS = 8
#: Queue length from which edges are walked in parallel batches (below it, one by one).
PARALLEL_MIN = 1024
#: Largest batch of edges walked in parallel before their neighbours are queued.
MAX_BATCH = 1 << 16

# kernel status codes
_OK = 0
_NONGENERIC = 1  # a near-tie: the lifting may not be generic
_INVALID = 2     # an inconsistency that round-off alone cannot explain


class NonGenericLiftingError(RuntimeError):
    """No generic lifting was found after several random tries (should not happen in practice)."""


# --------------------------------------------------------------------------------------------
# Kernels (numba-compiled on first use when numba is available, plain Python otherwise).
# --------------------------------------------------------------------------------------------

_HASH_MASK = (1 << 62) - 1


def _insert(E, EH, tbl, ne, key, h, N):
    """Add the edge ``key`` (hash ``h``) to the edge list E unless present; grows E and the table.

    The open-addressing table holds edge indices; EH holds each edge's hash, compared before keys.
    Returns (E, EH, tbl, ne, added).
    """
    if 2 * (ne + 1) > tbl.shape[0] or ne >= E.shape[0]:
        cap = 2 * E.shape[0]
        E2 = np.empty((cap, N), dtype=np.int64)
        EH2 = np.empty(cap, dtype=np.int64)
        for i in range(ne):
            for j in range(N):
                E2[i, j] = E[i, j]
            EH2[i] = EH[i]
        E = E2
        EH = EH2
        tbl = np.empty(2 * cap, dtype=np.int64)
        for i in range(2 * cap):
            tbl[i] = -1
        mask = tbl.shape[0] - 1
        for i in range(ne):
            p = EH[i] & mask
            while tbl[p] != -1:
                p = (p + 1) & mask
            tbl[p] = i
    mask = tbl.shape[0] - 1
    p = h & mask
    while tbl[p] != -1:
        i = tbl[p]
        if EH[i] == h:
            same = True
            for j in range(N):
                if E[i, j] != key[j]:
                    same = False
                    break
            if same:
                return E, EH, tbl, ne, False
        p = (p + 1) & mask
    for j in range(N):
        E[ne, j] = key[j]
    EH[ne] = h
    tbl[p] = ne
    return E, EH, tbl, ne + 1, True


def _line(P, W, pa, pb, k, N, A, pivcol, v, a0):
    """The line of alpha where the pairs (pa[j], pb[j]), j != k, tie: alpha = a0 + s v.

    Row echelon form by Gaussian elimination with partial pivoting, one column left free; v is
    scaled to max-norm one. Returns |product of the pivots| times the scale (|det| of the system
    completed by a row w is that times |w . v|), or 0.0 if the pairs' directions are dependent.
    """
    i = 0
    for j in range(N):
        if j == k:
            continue
        a = pa[j]
        b = pb[j]
        for q in range(N):
            A[i, q] = P[a, q] - P[b, q]
        A[i, N] = W[b] - W[a]
        i += 1
    fc = -1
    pivprod = 1.0
    i = 0
    for col in range(N):
        if i == N - 1:
            if fc < 0:
                fc = col
            break
        br = i
        best = abs(A[i, col])
        for r in range(i + 1, N - 1):
            x = abs(A[r, col])
            if x > best:
                best = x
                br = r
        if best < EPS_PIVOT:
            if fc >= 0:
                return 0.0
            fc = col
            continue
        if br != i:
            for q in range(N + 1):
                t = A[i, q]
                A[i, q] = A[br, q]
                A[br, q] = t
        piv = A[i, col]
        pivprod *= piv
        for r in range(i + 1, N - 1):
            f = A[r, col] / piv
            if f != 0.0:
                for q in range(col + 1, N + 1):
                    A[r, q] -= f * A[i, q]
                if fc >= 0:
                    A[r, fc] -= f * A[i, fc]
                A[r, col] = 0.0
        pivcol[i] = col
        i += 1
    v[fc] = 1.0
    a0[fc] = 0.0
    for i in range(N - 2, -1, -1):
        pc = pivcol[i]
        sv = -A[i, fc]
        sa = A[i, N]
        for i2 in range(i + 1, N - 1):
            q = pivcol[i2]
            sv -= A[i, q] * v[q]
            sa -= A[i, q] * a0[q]
        v[pc] = sv / A[i, pc]
        a0[pc] = sa / A[i, pc]
    scale = 0.0
    for q in range(N):
        if abs(v[q]) > scale:
            scale = abs(v[q])
    for q in range(N):
        v[q] /= scale
    return abs(pivprod) * scale


def _det_mod(P, pa, pb, N, Mi):
    """det of the integer matrix with rows P[pa[j]] - P[pb[j]], modulo DET_PRIME."""
    pr = DET_PRIME
    for j in range(N):
        for q in range(N):
            Mi[j, q] = (int(P[pa[j], q]) - int(P[pb[j], q])) % pr
    det = 1
    for j in range(N):
        p = -1
        for i in range(j, N):
            if Mi[i, j] != 0:
                p = i
                break
        if p < 0:
            return 0
        if p != j:
            for q in range(N):
                t = Mi[j, q]
                Mi[j, q] = Mi[p, q]
                Mi[p, q] = t
            det = (pr - det) % pr
        det = (det * Mi[j, j]) % pr
        inv = 1  # Mi[j, j] ** (pr - 2) mod pr (Fermat)
        base = Mi[j, j]
        e = pr - 2
        while e > 0:
            if e & 1:
                inv = (inv * base) % pr
            base = (base * base) % pr
            e >>= 1
        for i in range(j + 1, N):
            if Mi[i, j] != 0:
                f = (Mi[i, j] * inv) % pr
                for q in range(j, N):
                    Mi[i, q] = (Mi[i, q] - f * Mi[j, q]) % pr
    return det


def _eval_edge(P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, erow, final, exact_det,
               pa, pb, A, pivcol, v, a0, dv, da, cu, cs, cpos, cpt, Mi, blk, tp):
    """Walk one edge of the curve (the pairs coded in ``erow``, position k left out).

    Writes blk = (j, c) of the point c of the support at position j that joins the tie at the
    lower end of the segment, then the same for the upper end (-1 for an unbounded end), and for
    each cell of the target support found on the edge a row tp[i] = (cur, nxt, keep): its pair,
    and whether the caller must keep the cell (always, except final cells whose volume is done).
    Returns (status, number of cells, volume of the final cells done here).
    """
    MT = P.shape[0]
    N = P.shape[1]
    for j in range(N):
        if j != k:
            code = erow[j]
            pa[j] = code // MT
            pb[j] = code % MT
    detscale = _line(P, W, pa, pb, k, N, A, pivcol, v, a0)
    if detscale == 0.0:
        return _INVALID, 0, 0
    # lifted values along the line: L_c(a0 + s v) = dv[c] s + da[c]
    for j in range(N):
        g = pos_group[j]
        for c in range(goff[g], goff[g + 1]):
            x = 0.0
            y = W[c]
            for t in range(sp_ptr[c], sp_ptr[c + 1]):
                q = sp_idx[t]
                x += sp_val[t] * v[q]
                y += sp_val[t] * a0[q]
            dv[c] = x
            da[c] = y
    # ratio test: the segment [lo, hi] where every pair stays the minimum of its support
    lo = -np.inf
    hi = np.inf
    ilo = -1
    ihi = -1
    m = 0
    for j in range(N):
        if j == k:
            continue
        g = pos_group[j]
        a = pa[j]
        b = pb[j]
        for c in range(goff[g], goff[g + 1]):
            if c == a or c == b:
                continue
            u = dv[c] - dv[a]
            s0 = da[c] - da[a]
            cu[m] = u
            cs[m] = s0
            cpos[m] = j
            cpt[m] = c
            if u > EPS_SLOPE:
                r = -s0 / u
                if r > lo:
                    lo = r
                    ilo = m
            elif u < -EPS_SLOPE:
                r = -s0 / u
                if r < hi:
                    hi = r
                    ihi = m
            elif s0 <= TOL:
                return (_NONGENERIC if s0 > -TOL else _INVALID), 0, 0
            m += 1
    if not lo < hi:
        return _INVALID, 0, 0
    # margins at the endpoints: exactly one point joins the tie there
    for i in range(m):
        if i != ilo and ilo >= 0 and cs[i] + cu[i] * lo <= TOL:
            return _NONGENERIC, 0, 0
        if i != ihi and ihi >= 0 and cs[i] + cu[i] * hi <= TOL:
            return _NONGENERIC, 0, 0
    blk[0] = -1
    blk[1] = -1
    blk[2] = -1
    blk[3] = -1
    if ilo >= 0:
        blk[0] = cpos[ilo]
        blk[1] = cpt[ilo]
    if ihi >= 0:
        blk[2] = cpos[ihi]
        blk[3] = cpt[ihi]
    # lower envelope of the target support along the segment
    tg0 = goff[pos_group[k]]
    tg1 = goff[pos_group[k] + 1]
    cur = -1
    if ilo >= 0:
        best = np.inf
        for c in range(tg0, tg1):
            val = dv[c] * lo + da[c]
            if val < best:
                best = val
                cur = c
        for c in range(tg0, tg1):
            if c != cur and dv[c] * lo + da[c] <= best + TOL:
                return _NONGENERIC, 0, 0
        scur = lo
    else:
        for c in range(tg0, tg1):
            if cur < 0 or dv[c] > dv[cur] + EPS_SLOPE or (
                    dv[c] >= dv[cur] - EPS_SLOPE and da[c] < da[cur]):
                cur = c
        for c in range(tg0, tg1):
            if c != cur and dv[c] >= dv[cur] - EPS_SLOPE and da[c] <= da[cur] + TOL:
                return _NONGENERIC, 0, 0
        scur = -np.inf
    ncell = 0
    volume = 0
    while True:
        best = np.inf
        nxt = -1
        for c in range(tg0, tg1):
            if dv[c] < dv[cur] - EPS_SLOPE:
                r = (da[c] - da[cur]) / (dv[cur] - dv[c])
                if r < best:
                    best = r
                    nxt = c
        if nxt < 0 or best >= hi:
            break
        if best <= scur:
            return _NONGENERIC, 0, 0
        # margins at the new cell: no third target point, no vertex of the curve
        val = dv[cur] * best + da[cur]
        for c in range(tg0, tg1):
            if c != cur and c != nxt and dv[c] * best + da[c] <= val + TOL:
                return _NONGENERIC, 0, 0
        for i in range(m):
            if cs[i] + cu[i] * best <= TOL:
                return _NONGENERIC, 0, 0
        keep = 1
        if final and exact_det:
            pa[k] = cur
            pb[k] = nxt
            detf = detscale * abs(dv[cur] - dv[nxt])
            dr = np.floor(detf + 0.5)
            if dr < 2.0 ** 62:
                dm = _det_mod(P, pa, pb, N, Mi)
                di = int(dr)
                if di % DET_PRIME == dm or (-di) % DET_PRIME == dm:
                    volume += di
                    keep = 0
        tp[ncell, 0] = cur if cur < nxt else nxt
        tp[ncell, 1] = nxt if cur < nxt else cur
        tp[ncell, 2] = keep
        ncell += 1
        cur = nxt
        scur = best
    return _OK, ncell, volume


def _keep_cells(cells, nc, erow, tp, ncell, k, MT):
    """Append the kept cells found on an edge (its pairs plus the target pair at position k)."""
    N = erow.shape[0]
    for i in range(ncell):
        if tp[i, 2] == 0:
            continue
        if nc >= cells.shape[0]:
            c2 = np.empty((2 * cells.shape[0], N, 2), dtype=np.int64)
            for i2 in range(nc):
                for j in range(N):
                    c2[i2, j, 0] = cells[i2, j, 0]
                    c2[i2, j, 1] = cells[i2, j, 1]
            cells = c2
        for j in range(N):
            if j == k:
                cells[nc, j, 0] = tp[i, 0]
                cells[nc, j, 1] = tp[i, 1]
            else:
                cells[nc, j, 0] = erow[j] // MT
                cells[nc, j, 1] = erow[j] % MT
        nc += 1
    return cells, nc


def _neighbours(E, EH, tbl, ne, e, blk, key, MT, mult):
    """Queue the edges leaving the ends of edge e: where c joins the pair {a, b}, the curve goes on
    along {a, c} and {b, c}."""
    N = E.shape[1]
    for side in range(2):
        j = blk[2 * side]
        if j < 0:
            continue
        c = blk[2 * side + 1]
        for q in range(N):
            key[q] = E[e, q]
        code = key[j]
        hbase = (EH[e] - ((code + 1) * mult[j] & _HASH_MASK)) & _HASH_MASK
        for t in range(2):
            o = code // MT if t == 0 else code % MT
            key[j] = (o * MT + c) if o < c else (c * MT + o)
            h = (hbase + ((key[j] + 1) * mult[j] & _HASH_MASK)) & _HASH_MASK
            E, EH, tbl, ne, added = _insert(E, EH, tbl, ne, key, h, N)
    return E, EH, tbl, ne


def _init_edges(starts, k, MT, mult):
    """Hash set of edges holding the start cells' pairs off position k."""
    ns = starts.shape[0]
    N = starts.shape[1]
    cap = 1024
    while cap < 4 * ns:
        cap *= 2
    E = np.empty((cap, N), dtype=np.int64)
    EH = np.empty(cap, dtype=np.int64)
    tbl = np.empty(2 * cap, dtype=np.int64)
    for i in range(2 * cap):
        tbl[i] = -1
    ne = np.int64(0)
    key = np.empty(N, dtype=np.int64)
    for i in range(ns):
        h = np.int64(0)
        for j in range(N):
            if j == k:
                key[j] = -1
            else:
                a = starts[i, j, 0]
                b = starts[i, j, 1]
                key[j] = (a * MT + b) if a < b else (b * MT + a)
            h = (h + (key[j] + 1) * mult[j]) & _HASH_MASK
        E, EH, tbl, ne, added = _insert(E, EH, tbl, ne, key, h, N)
    return E, EH, tbl, ne


def _scratch(goff, MT, N):
    """Work arrays of :func:`_eval_edge` for N supports with MT points in all (groups at ``goff``),
    allocated once per walk or batch."""
    tmax = np.int64(1)
    for g in range(goff.shape[0] - 1):
        if goff[g + 1] - goff[g] > tmax:
            tmax = goff[g + 1] - goff[g]
    return (np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int64), np.zeros((N, N + 1)),
            np.zeros(N, dtype=np.int64), np.zeros(N), np.zeros(N), np.zeros(MT), np.zeros(MT),
            np.zeros(MT), np.zeros(MT), np.zeros(MT, dtype=np.int64), np.zeros(MT, dtype=np.int64),
            np.zeros((N, N), dtype=np.int64), np.zeros(4, dtype=np.int64), np.zeros((tmax, 3), dtype=np.int64))


def _walk(P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, final, exact_det, mult,
          E, EH, tbl, ne, qi, stop_queue, stats):
    """Walk queued edges one by one from ``qi``, queueing their neighbours, until the queue is
    empty or holds ``stop_queue`` edges. Returns (status, E, EH, tbl, ne, qi, cells, ncells, volume).
    """
    MT = P.shape[0]
    N = P.shape[1]
    pa, pb, A, pivcol, v, a0, dv, da, cu, cs, cpos, cpt, Mi, blk, tp = _scratch(goff, MT, N)
    key = np.empty(N, dtype=np.int64)
    cells = np.empty((64, N, 2), dtype=np.int64)
    nc = np.int64(0)
    volume = np.int64(0)
    while qi < ne and ne - qi < stop_queue:
        status, ncell, vol = _eval_edge(P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, E[qi],
                                        final, exact_det, pa, pb, A, pivcol, v, a0, dv, da, cu,
                                        cs, cpos, cpt, Mi, blk, tp)
        stats[0] += 1
        if status != _OK:
            return status, E, EH, tbl, ne, qi, cells, nc, volume
        stats[1] += ncell
        volume += vol
        cells, nc = _keep_cells(cells, nc, E[qi], tp, ncell, k, MT)
        E, EH, tbl, ne = _neighbours(E, EH, tbl, ne, qi, blk, key, MT, mult)
        qi += 1
    return _OK, E, EH, tbl, ne, qi, cells, nc, volume


def _eval_batch(P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, final, exact_det, E, lo, hi,
                blks, stats):
    """Walk the edges lo..hi-1 (independently; neighbours are queued later by :func:`_merge`).

    Writes each edge's ends into blks[e - lo]. Returns (status, cells, ncells, volume).
    """
    MT = P.shape[0]
    N = P.shape[1]
    pa, pb, A, pivcol, v, a0, dv, da, cu, cs, cpos, cpt, Mi, blk, tp = _scratch(goff, MT, N)
    cells = np.empty((64, N, 2), dtype=np.int64)
    nc = np.int64(0)
    volume = np.int64(0)
    for e in range(lo, hi):
        status, ncell, vol = _eval_edge(P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, E[e],
                                        final, exact_det, pa, pb, A, pivcol, v, a0, dv, da, cu,
                                        cs, cpos, cpt, Mi, blk, tp)
        stats[0] += 1
        if status != _OK:
            return status, cells, nc, volume
        stats[1] += ncell
        volume += vol
        cells, nc = _keep_cells(cells, nc, E[e], tp, ncell, k, MT)
        for q in range(4):
            blks[e - lo, q] = blk[q]
    return _OK, cells, nc, volume


def _merge(E, EH, tbl, ne, lo, hi, blks, MT, mult):
    """Queue the neighbours of the edges lo..hi-1 walked by :func:`_eval_batch`."""
    key = np.empty(E.shape[1], dtype=np.int64)
    for e in range(lo, hi):
        E, EH, tbl, ne = _neighbours(E, EH, tbl, ne, e, blks[e - lo], key, MT, mult)
    return E, EH, tbl, ne


_KERNEL_NAMES = ("_insert", "_line", "_det_mod", "_eval_edge",
                 "_keep_cells", "_neighbours", "_init_edges", "_scratch", "_walk", "_eval_batch", "_merge")
_kernel_lock = threading.Lock()
_kernel_state: dict[str, SimpleNamespace] = {}


def _kernels() -> SimpleNamespace:
    """The kernels, compiled with numba on first use (cached on disk), else plain Python."""
    with _kernel_lock:
        if "k" not in _kernel_state:
            g = globals()
            try:
                import numba
            except ImportError:  # pragma: no cover - exercised only without numba
                warnings.warn("numba is not installed: mixed volumes run in plain Python (slow)",
                              RuntimeWarning, stacklevel=4)
            else:
                for name in _KERNEL_NAMES:  # callees first, so callers see compiled callees
                    try:
                        g[name] = numba.njit(cache=True, nogil=True)(g[name])
                    except RuntimeError:  # no writable cache location: compile in memory only
                        g[name] = numba.njit(cache=False, nogil=True)(g[name])
            _kernel_state["k"] = SimpleNamespace(init=g["_init_edges"], walk=g["_walk"],
                                                 batch=g["_eval_batch"], merge=g["_merge"])
        return _kernel_state["k"]


# --------------------------------------------------------------------------------------------
# Python side: validation, lifting, stages, exact fallbacks.
# --------------------------------------------------------------------------------------------

def prepare_supports(supports: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate the supports and drop repeated points."""
    n = len(supports)
    out = []
    for k, s in enumerate(supports):
        a = np.asarray(s)
        if a.ndim != 2 or a.shape[1] != n:
            raise ValueError(f"support {k} must be a (T, {n}) array of exponent vectors, got shape {a.shape}")
        if a.shape[0] == 0:
            raise ValueError(f"support {k} is empty")
        if not np.issubdtype(a.dtype, np.integer):
            ai = np.rint(a).astype(np.int64)
            if not np.array_equal(ai, a):
                raise ValueError(f"support {k} has non-integer exponents")
            a = ai
        out.append(np.unique(a.astype(np.int64), axis=0))
    return out


def _hadamard_bound(sups: list[np.ndarray]) -> float:
    """Bound on |det| of a matrix whose row j is a difference of two points of support j."""
    bound = 1.0
    for s in sups:
        span = (s.max(axis=0) - s.min(axis=0)).astype(float)
        bound *= float(np.sqrt(np.sum(span ** 2)))
    return bound


def _int_det(rows: list[list[int]]) -> int:
    """Exact determinant of a square integer matrix (fraction-free Bareiss elimination)."""
    m = [list(r) for r in rows]
    n = len(m)
    sign, prev = 1, 1
    for j in range(n - 1):
        p = next((i for i in range(j, n) if m[i][j] != 0), None)
        if p is None:
            return 0
        if p != j:
            m[j], m[p] = m[p], m[j]
            sign = -sign
        for i in range(j + 1, n):
            for q in range(j + 1, n):
                m[i][q] = (m[i][q] * m[j][j] - m[i][j] * m[j][q]) // prev
        prev = m[j][j]
    return sign * m[n - 1][n - 1]


def _liftings(sups: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights: the N supports with random weights, then N simplex copies whose weights
    make {0, e_j} (copy j) the one mixed cell of the simplex system."""
    N = len(sups)
    simplex = np.vstack([np.zeros((1, N), dtype=np.int64), np.eye(N, dtype=np.int64)])
    pts = sups + [simplex] * N
    weights = [rng.integers(0, LIFT_RANGE, size=len(s), dtype=np.int64) for s in sups]
    for j in range(N):
        w = rng.integers(LIFT_RANGE, 2 * LIFT_RANGE, size=N + 1, dtype=np.int64)
        w[0] = 0
        w[1 + j] = rng.integers(0, LIFT_RANGE)
        weights.append(w)
    return np.vstack(pts), np.concatenate(weights)


def _workers() -> int:
    """Threads for the edge walks: the cores this process may use (at most 4)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        n = os.cpu_count() or 1
    return max(1, min(n, 4))


def _stage(kern: SimpleNamespace, pool: ThreadPoolExecutor | None, nthreads: int,
           P: np.ndarray, W: np.ndarray, goff: np.ndarray, pos_group: np.ndarray, k: int,
           starts: np.ndarray, final: bool, exact_det: bool, mult: np.ndarray,
           sparse: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[int, np.ndarray, int]:
    """Walk the curve of the supports at positions != k from ``starts``; cut it with position k.

    Returns (status, cells kept, volume of the final cells already counted).
    """
    MT = P.shape[0]
    sp_ptr, sp_idx, sp_val = sparse
    E, EH, tbl, ne = kern.init(starts, k, MT, mult)
    qi = 0
    kept: list[np.ndarray] = []
    volume = 0
    stats = np.zeros(2, dtype=np.int64)
    pending = None  # (lo, hi, ends) of a walked batch whose neighbours are not queued yet
    while qi < ne or pending is not None:
        if pending is None and (pool is None or ne - qi < PARALLEL_MIN):
            stop = ne + (1 << 62) if pool is None else PARALLEL_MIN
            status, E, EH, tbl, ne, qi, cells, nc, vol = kern.walk(
                P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, final, exact_det, mult,
                E, EH, tbl, ne, qi, stop, stats)
            if status != _OK:
                return status, starts[:0], 0
            kept.append(cells[:nc])
            volume += int(vol)
            continue
        futures = []
        if qi < ne:
            # walk the next batch on the pool while this thread queues the previous batch's
            # neighbours: the batch only reads edges already stored, which the queueing keeps
            hi = min(ne, qi + MAX_BATCH)
            blks = np.empty((hi - qi, 4), dtype=np.int64)
            cuts = np.linspace(qi, hi, nthreads + 1).astype(np.int64)
            for t in range(nthreads):
                a, b = int(cuts[t]), int(cuts[t + 1])
                futures.append(pool.submit(  # type: ignore[union-attr]
                    kern.batch, P, W, goff, pos_group, k, sp_ptr, sp_idx, sp_val, final, exact_det,
                    E, a, b, blks[a - qi:b - qi], np.zeros(2, dtype=np.int64)))
            batch = (qi, hi, blks)
            qi = hi
        else:
            batch = None
        if pending is not None:
            lo, hi_p, blks_p = pending
            E, EH, tbl, ne = kern.merge(E, EH, tbl, ne, lo, hi_p, blks_p, MT, mult)
        failed = _OK
        for fut in futures:
            status, cells, nc, vol = fut.result()
            if status != _OK:
                failed = status
            kept.append(cells[:nc])
            volume += int(vol)
        if failed != _OK:
            return failed, starts[:0], 0
        pending = batch
    cells = np.concatenate(kept) if kept else starts[:0]
    return _OK, np.ascontiguousarray(cells), volume


def _run_once(sups: list[np.ndarray], rng: np.random.Generator,
              progress: Callable[[float], None] | None) -> tuple[int, int]:
    """All stages for one random lifting: (status, mixed volume)."""
    kern = _kernels()
    N = len(sups)
    P_int, W_int = _liftings(sups, rng)
    P = P_int.astype(np.float64)
    W = W_int.astype(np.float64)
    sizes = [len(s) for s in sups] + [N + 1] * N
    goff = np.zeros(2 * N + 1, dtype=np.int64)
    goff[1:] = np.cumsum(sizes)
    nz = P != 0
    sparse = (np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64),
              np.nonzero(nz)[1].astype(np.int64), P[nz].astype(np.float64))
    exact_det = _hadamard_bound(sups) < DET_FLOAT_LIMIT
    mult = rng.integers(1, 2 ** 31, size=N, dtype=np.int64) | 1  # hash multipliers
    # the one mixed cell of the simplex system
    cells = np.array([[[goff[N + j], goff[N + j] + 1 + j] for j in range(N)]], dtype=np.int64)
    pos_group = np.arange(N, 2 * N, dtype=np.int64)
    volume = 0
    nthreads = _workers()
    pool = ThreadPoolExecutor(max_workers=nthreads) if nthreads > 1 else None
    try:
        for k in range(N):
            pos_group[k] = k
            final = k == N - 1
            status, cells, vol = _stage(kern, pool, nthreads, P, W, goff, pos_group, k, cells,
                                        final, exact_det, mult, sparse)
            if status != _OK:
                return status, 0
            volume += vol
            if progress is not None:
                progress((k + 1) / N)
            if len(cells) == 0 and not final:
                if progress is not None:
                    progress(1.0)
                return _OK, 0
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    for cell in cells:  # final cells whose volume needs exact integers
        rows = [[int(x) for x in P_int[a] - P_int[b]] for a, b in cell]
        volume += abs(_int_det(rows))
    return _OK, volume


def mixed_volume(supports: Sequence[np.ndarray], *, seed: int = 0,
                 progress: Callable[[float], None] | None = None) -> int:
    """Mixed volume of N lattice supports in Z^N (each a (T_k, N) integer array of exponent vectors).

    Computed exactly from the mixed cells of a random fine mixed subdivision; ``seed`` fixes the
    random lifting (every seed gives the same value), ``progress`` receives the fraction of the
    work done. A support with a single point makes the mixed volume 0.
    """
    sups = prepare_supports(supports)
    N = len(sups)
    if N == 0:
        return 1
    if any(len(s) < 2 for s in sups):
        return 0
    # the mixed volume is symmetric; regenerating small supports first tends to walk fewer edges
    sups = sorted(sups, key=len)
    rng = np.random.default_rng(seed)
    for _ in range(MAX_LIFTINGS):
        status, vol = _run_once(sups, rng, progress)
        if status == _OK:
            return vol
    raise NonGenericLiftingError(f"no generic lifting found in {MAX_LIFTINGS} random tries")


def bkk_bounds(network: "Network", m: int = 1,
               mixed_volume_of: Callable[[Sequence[np.ndarray]], int] | None = None) -> tuple[int, int]:
    """(BKK bound for solutions in C^N, BKK bound for solutions in the torus) of the gradient system.

    The first is the mixed volume with the origin added to every support (the gradient system has
    no constant term), the second the mixed volume of the supports themselves. ``mixed_volume_of``
    computes the mixed volumes (an engine's, e.g. HC.jl's); linnet's own by default.
    """
    mv = mixed_volume if mixed_volume_of is None else mixed_volume_of
    from .symbolic import generic_supports

    sups = [np.asarray(s, dtype=np.int64) for s in generic_supports(network, m)]
    n = network.N
    with_origin = [s if np.any(np.all(s == 0, axis=1)) else np.vstack([np.zeros((1, n), np.int64), s])
                   for s in sups]
    return mv(with_origin), mv(sups)
