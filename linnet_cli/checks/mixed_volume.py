"""Exact mixed volume of lattice polytopes (the BKK bound) by tropical homotopy continuation.
(One concept over 600 lines: the lifting, the walk over mixed cells and its compiled kernels are one
algorithm.)

The mixed volume MV(A_1, ..., A_n) of n supports in Z^n is the sum of the volumes |det(a_k - b_k)_k|
of the fine mixed cells {a_k, b_k}_k of a mixed subdivision induced by a generic lifting
(Huber–Sturmfels). The cells are enumerated by a tropical regeneration (Jensen's tropical homotopy
continuation, the algorithm of gfan's ``_mixedvolume`` and MixedSubdivisions.jl), in the following
form.

* Columns. Support k is preceded by a simplex block {0, e_1, ..., e_n}. In stage s the system is
  (A_1, ..., A_{s-1}, d_s·simplex ∪ A_s, simplex, ..., simplex), where d_s is the degree of A_s
  (translated into the positive orthant, so that A_s lies in d_s·simplex).
* Lifting. Every column is lifted by a symbolic perturbation -ε^(position): the earlier column is
  infinitely more significant. Such a lifting is generic by construction — every tie is broken
  exactly — so no random lifting and no floating point is involved; all arithmetic is on integers.
* Homotopy. During stage s the simplex block of support s is raised (τ = 1 on it). A cell is a pair
  of columns per support; column c of support j satisfies V·slack_c = <y_c, lifting> for an integer
  vector y_c built from B = V·M⁻¹ (M has the columns a_k - b_k, V = |det M|). Along the homotopy the
  first inequality to fail (the least event time, compared exactly, lexicographically on ties)
  brings its column c into the cell: with z = T_cj / V the barycentric coordinate of c on the pair
  (a_j, b_j), 0 < z < 1 splits the cell into (c, b_j) and (a_j, c), and z > 1 or z < 0 merges two
  cells into one, which continues from the parent with the smaller kept column (reverse search: every
  cell has exactly one parent, so the cells form a forest traversed depth first with no record of
  visited cells).
* At the end of stage s the cells whose pair in support s lies in A_s are the mixed cells of
  (A_1, ..., A_s, simplex, ...); scaled by d_{s+1} they start stage s + 1. At the start of stage 1
  the one mixed cell of the simplex system is known ({e_{k-1}, e_k} in copy k, checked exactly).

Memory is bounded by the depth of the search (a few cells per branching point), independently of the
number of cells. The work is split into units (the cells at the start of a stage where there are
enough of them), walked in parallel by several threads in calls that return to Python often, which
reports progress and lets Ctrl-C through. The kernels are compiled with numba (cached on disk) and
work in int64 with bounds checked before every product; a system whose integers could overflow is
recomputed with Python's exact integers. Without numba the same kernels run as plain Python, exact
and only practical for small systems.
"""
from __future__ import annotations

import importlib.util
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING
from collections.abc import Callable, Sequence

import numpy as np

from ..progress import FractionProgress, PartProgress

if TYPE_CHECKING:  # pragma: no cover
    from numpy.typing import DTypeLike

    from ..model.network import Network

__all__ = ["mixed_volume", "bkk_bounds", "prepare_supports", "mixed_volume_memory", "memory_limit",
           "default_threads", "MixedVolumeTooLarge", "MixedVolumeFunction"]

#: A mixed volume: n supports in Z^n ((T_k, n) integer exponent vectors) → their mixed volume (no
#: support gives 1, a support with a single point 0), as :func:`mixed_volume` computes it.
MixedVolumeFunction = Callable[[Sequence[np.ndarray]], int]

#: Bounds under which int64 arithmetic cannot overflow: cell volumes V and |B| times twice the
#: largest column norm stay below 2^30, so every slope is below 2^31.6, every entry of an inequality
#: vector below 2^31 and every product of the two below 2^62.6; the rank-one updates stay below 2^61.
INT64_LIMIT = 2 ** 30
#: Quotients below this are exact when computed as a float64 product num * (1 / V): its relative
#: error, a few units of 2^-53, then moves it by far less than 1/2 (each is checked anyway).
FLOAT_EXACT = 2.0 ** 40
#: Units (cells at the start of a stage) wanted before the depth-first search takes over: enough to
#: keep every thread busy to the end and to give progress a fine grain.
TARGET_UNITS = 2048
#: Most units kept in memory at once (each is 2n column indices).
MAX_UNITS = 1 << 18
#: Cells a slot writes before its output buffer is drained.
OUT_CAPACITY = 4096
#: Levels of the depth-first stack allocated at first; doubled when a search goes deeper.
INITIAL_DEPTH = 32
#: Wall time aimed at for one kernel call: short enough for prompt progress and Ctrl-C.
CALL_SECONDS = 0.2
#: Memory a mixed volume may plan to use, as a fraction of the memory available.
MEMORY_FRACTION = 0.8

# child kinds
_REPLACE_P = 0
_REPLACE_Q = 1
_CARRY = 2
# slot statuses
_IDLE = 0       # nothing left in the queue, nothing in progress
_BUDGET = 1     # call budget used up, work in progress
_FULL = 2       # the output buffer is full
_GROW = 3       # the search needs a deeper stack
_OVERFLOW = 4   # int64 could overflow: recompute with exact integers
_INVALID = 5    # an inconsistency that exact arithmetic rules out (a bug)


class MixedVolumeTooLarge(MemoryError):
    """The mixed volume would need more memory than this machine has."""


# --------------------------------------------------------------------------------------------
# Kernels (numba-compiled on first use when numba is available, plain Python otherwise).
# --------------------------------------------------------------------------------------------

def _scale(c, s, cstart, n1, deg):
    """Factor of column c's point in stage s: d_s on the simplex block of support s, else 1."""
    if c >= cstart[s] and c < cstart[s] + n1:
        return deg[s]
    return 1


def _dot(B, d, k, c, sc, pptr, pidx, pval):
    """Row k of the cell matrix B[d] times the point of column c (scaled by sc)."""
    x = B[d, k, 0] * 0
    for t in range(pptr[c], pptr[c + 1]):
        x += B[d, k, pidx[t]] * pval[t]
    return x * sc


def _active(j, s, cstart, n1):
    """Columns of support j present in stage s: its points (j < s), everything (j = s), or its
    simplex block (j > s)."""
    if j < s:
        return cstart[j] + n1, cstart[j + 1]
    if j == s:
        return cstart[j], cstart[j + 1]
    return cstart[j], cstart[j] + n1


def _sort_cell(P, Q, d, n, ordc, ordk, ordr):
    """The 2n columns of cell d in increasing order (ordc), with their support (ordk) and role
    (ordr: 0 for P, 1 for Q): support k's columns come before support k + 1's."""
    for k in range(n):
        first = 0 if P[d, k] < Q[d, k] else 1
        for i in range(2):
            r = first if i == 0 else 1 - first
            ordc[2 * k + i] = P[d, k] if r == 0 else Q[d, k]
            ordk[2 * k + i] = k
            ordr[2 * k + i] = r


def _bq_column(j, B, Q, d, s, n, n1, cstart, deg, pptr, pidx, pval, bq, bqok):
    """bq[k, j] = row k of B[d] times the point of Q[d, j], for every k, unless bqok[j] says
    the column is already there."""
    if bqok[j] == 0:
        c = Q[d, j]
        sc = _scale(c, s, cstart, n1, deg)
        for k in range(n):
            bq[k, j] = _dot(B, d, k, c, sc, pptr, pidx, pval)
        bqok[j] = 1


def _entry(c, j, sc, k, r, V, B, d, pptr, pidx, pval, bq):
    """Entry of the inequality vector y_c (c in support j) of cell d at its column (k, role r):
    -T_k at P_k, T_k at Q_k (minus V when k = j), with T = B (point c - point Q_j)."""
    T = _dot(B, d, k, c, sc, pptr, pidx, pval) - bq[k, j]
    if r == 0:
        return -T
    if k == j:
        return T - V
    return T


def _find_event(P, Q, B, d, V, s, n, n1, cstart, cfg, deg, pptr, pidx, pval,
                bq, bqok, cc, cl, be, ordc, ordk, ordr):
    """The column whose inequality fails first as support s's simplex block rises, or -1 when
    cell d stays valid to the end of the stage. Returns (column, slope, status).

    A column c of support j fails when its slope l_c = <y_c, τ> is negative, at the time
    <y_c, lifting>/|l_c|. Two such times are compared exactly through the sign of the leading entry
    of |l_b| y_c - |l_c| y_b over the columns in lifting order (the lifting is -ε^position); the
    entries of the current best y_b are kept in ``be``. (Dot products are written out: numba does
    not inline its functions, and a call passing arrays costs atomic reference counting.)"""
    a0 = cstart[s]  # support s's simplex block a0..a1-1, scaled by ds in this stage
    a1 = a0 + n1
    ds = deg[s]
    tau_q = 1 if Q[d, s] < a1 else 0
    dtau = (1 if P[d, s] < a1 else 0) - tau_q
    g = B[d, s]
    if dtau != 0:  # bq[s, j] = row s of B times the point of Q_j
        for j in range(n):
            c = Q[d, j]
            x = V * 0
            for t in range(pptr[c], pptr[c + 1]):
                x += g[pidx[t]] * pval[t]
            bq[s, j] = x * ds if a0 <= c < a1 else x
    m = 0
    for j in range(n):
        if dtau == 0 and j != s:
            continue  # only support s's own columns move
        if j < s:
            lo, hi = cstart[j] + n1, cstart[j + 1]
        elif j == s:
            lo, hi = a0, cstart[j + 1]
        else:
            lo, hi = cstart[j], cstart[j] + n1
        pj = P[d, j]
        qj = Q[d, j]
        for c in range(lo, hi):
            if c == pj or c == qj:
                continue
            lam = V * 0
            if j == s:
                if c < a1:
                    lam += V
                if tau_q == 1:
                    lam -= V
            if dtau != 0:
                x = V * 0
                for t in range(pptr[c], pptr[c + 1]):
                    x += g[pidx[t]] * pval[t]
                if a0 <= c < a1:
                    x *= ds
                lam -= (x - bq[s, j]) * dtau
            if lam < 0:
                cc[m] = c
                cl[m] = lam
                m += 1
    if m == 0:
        return -1, V * 0, _IDLE
    b = cc[0]
    lb = cl[0]
    if m == 1:
        return b, lb, _IDLE
    _sort_cell(P, Q, d, n, ordc, ordk, ordr)
    for j in range(n):
        bqok[j] = 0
    n2 = 2 * n
    big = cfg.shape[0]
    nbe = 0  # entries of y_b computed so far
    for ic in range(1, m):
        c = cc[ic]
        lc = cl[ic]
        for q in range(2):  # the columns of bq that y_c and y_b need
            j = cfg[c] if q == 0 else cfg[b]
            if bqok[j] == 0:
                col = Q[d, j]
                for k in range(n):
                    x = V * 0
                    for t in range(pptr[col], pptr[col + 1]):
                        x += B[d, k, pidx[t]] * pval[t]
                    bq[k, j] = x * ds if a0 <= col < a1 else x
                bqok[j] = 1
        i = 0
        done_c = False
        done_b = False
        win = -1
        ec = V * 0
        while win < 0:
            x = ordc[i] if i < n2 else big
            who = 0
            if not done_c and c < x:
                x = c
                who = 1
            if not done_b and b < x:
                x = b
                who = 2
            if x >= big:
                return -1, lb, _INVALID  # the same event twice: the lifting is not generic
            if who == 1:
                ec = V
                eb = V * 0
                done_c = True
            elif who == 2:
                ec = V * 0
                eb = V
                done_b = True
            else:
                k = ordk[i]
                r = ordr[i]
                for q in range(2):  # entry (k, r) of y_c, and of y_b unless cached
                    if q == 1 and i < nbe:
                        break
                    col = c if q == 0 else b
                    j = cfg[col]
                    y = V * 0
                    for t in range(pptr[col], pptr[col + 1]):
                        y += B[d, k, pidx[t]] * pval[t]
                    if a0 <= col < a1:
                        y *= ds
                    T = y - bq[k, j]
                    e = -T if r == 0 else (T - V if k == j else T)
                    if q == 0:
                        ec = e
                    else:
                        be[i] = e
                        nbe = i + 1
                eb = be[i]
                i += 1
            v1 = -lb * ec
            v2 = -lc * eb
            if v1 != v2:
                win = 1 if v1 > v2 else 0
        if win == 1:
            b = c
            lb = lc
            nbe = 0
    return b, lb, _IDLE


def _load_cell(P, Q, B, d, s, Wk, n, n1, cstart, deg, pptr, pidx, pval, guard):
    """B[d] = V·M⁻¹ for the cell (P[d], Q[d]) in stage s by fraction-free Gauss–Jordan elimination
    (M has the columns point(P_k) - point(Q_k)).

    Returns V = |det M|, 0 when M is singular, -1 when int64 could overflow."""
    n2 = 2 * n
    for i in range(n):
        for c in range(n2):
            Wk[i, c] = Wk[i, c] * 0
        Wk[i, n + i] = Wk[i, n + i] + 1
    for k in range(n):
        c = P[d, k]
        sp = _scale(c, s, cstart, n1, deg)
        for t in range(pptr[c], pptr[c + 1]):
            Wk[pidx[t], k] += pval[t] * sp
        c = Q[d, k]
        sq = _scale(c, s, cstart, n1, deg)
        for t in range(pptr[c], pptr[c + 1]):
            Wk[pidx[t], k] -= pval[t] * sq
    prev = Wk[0, 0] * 0 + 1
    for k in range(n):
        p = -1
        for i in range(k, n):
            if Wk[i, k] != 0:
                p = i
                break
        if p < 0:
            return 0
        if p != k:
            for c in range(n2):
                t0 = Wk[k, c]
                Wk[k, c] = Wk[p, c]
                Wk[p, c] = t0
        piv = Wk[k, k]
        for i in range(n):
            if i == k:
                continue
            f = Wk[i, k]
            for c in range(n2):
                if guard and (abs(Wk[i, c]) > INT64_LIMIT or abs(Wk[k, c]) > INT64_LIMIT):
                    return -1
                Wk[i, c] = (piv * Wk[i, c] - f * Wk[k, c]) // prev
        prev = piv
    sg = 1 if prev > 0 else -1
    for i in range(n):
        for c in range(n):
            B[d, i, c] = sg * Wk[i, n + c]
    return abs(prev)


def _exact_div(num, V, inv, fast):
    """num / V for num a multiple of V: by a floating-point product (inv = 1/V) when ``fast`` and
    the quotient is far inside float64's exact integers, else by integer division."""
    if fast:
        qf = num * inv
        if abs(qf) < FLOAT_EXACT:
            return int(qf + 0.5) if qf >= 0 else -int(0.5 - qf)
    return num // V


def _fits(B, d, V, n, ptmax):
    """True when the integers of cell d keep every later product inside int64 (INT64_LIMIT)."""
    if V > INT64_LIMIT:
        return False
    mx = 0
    for i in range(n):
        for c in range(n):
            a = abs(B[d, i, c])
            if a > mx:
                mx = a
    return mx * ptmax <= INT64_LIMIT


def _start_valid(P, Q, B, d, V, s, n, n1, cstart, deg, pptr, pidx, pval, bq, bqok,
                 ordc, ordk, ordr):
    """Whether every inequality of cell d holds for the symbolic lifting at the start of stage s
    (the leading entry of each y_c negative)."""
    _sort_cell(P, Q, d, n, ordc, ordk, ordr)
    for j in range(n):
        bqok[j] = 0
    for j in range(n):
        _bq_column(j, B, Q, d, s, n, n1, cstart, deg, pptr, pidx, pval, bq, bqok)
        lo, hi = _active(j, s, cstart, n1)
        for c in range(lo, hi):
            if c == P[d, j] or c == Q[d, j]:
                continue
            sc = _scale(c, s, cstart, n1, deg)
            lead = V  # the entry at c itself, unless a cell column before c leads
            for i in range(2 * n):
                if ordc[i] > c:
                    break
                e = _entry(c, j, sc, ordk[i], ordr[i], V, B, d, pptr, pidx, pval, bq)
                if e != 0:
                    lead = e
                    break
            if lead >= 0:
                return False
    return True


def _run_slot(n, n1, cstart, cfg, deg, pptr, pidx, pval, ptmax, guard, stage_hi, budget,
              LP, LQ, LB, LV, LS, LNC, LCI, LK, LG, LJ, LT, LW, st, queue, qinfo, UP, UQ, US,
              OP, OQ, ocnt, bq, bqok, cc, cl, be, ordc, ordk, ordr, Wk, res, done):
    """Depth-first search of one slot: finish the cell stack (level d holds a cell, its pending
    children and their kinds), then the units in its queue.

    Cells that survive stage stage_hi - 1 are counted into res[0] (stage_hi = n) or written,
    carried to the next stage, into OP/OQ. Stops after ``budget`` expanded cells, when the output
    is full or the stack too shallow, keeping its state in the arrays for the next call.
    done[0] estimates the units finished: each unit weighs 1, split evenly among children (LW).
    Returns (status, cells expanded)."""
    nodes = 0
    depth = st[0]
    cap = LP.shape[0]
    ocap = OP.shape[0]
    while True:
        if depth == 0:
            if qinfo[0] >= qinfo[1]:
                st[0] = 0
                return _IDLE, nodes
            u = queue[qinfo[0]]
            s0 = US[u]
            for k in range(n):
                LP[0, k] = UP[u, k]
                LQ[0, k] = UQ[u, k]
            V0 = _load_cell(LP, LQ, LB, 0, s0, Wk, n, n1, cstart, deg, pptr, pidx, pval, guard)
            if V0 < 0 or (guard and not _fits(LB, 0, V0, n, ptmax)):
                st[0] = 0
                return _OVERFLOW, nodes
            if V0 == 0:
                st[0] = 0
                return _INVALID, nodes
            LV[0] = V0
            LW[0] = 1.0
            LS[0] = s0
            LNC[0] = -1
            LCI[0] = 0
            qinfo[0] += 1
            depth = 1
        if nodes >= budget:
            st[0] = depth
            return _BUDGET, nodes
        d = depth - 1
        if LNC[d] < 0:
            s = LS[d]
            V = LV[d]
            g, lam, status = _find_event(LP, LQ, LB, d, V, s, n, n1, cstart, cfg, deg,
                                         pptr, pidx, pval, bq, bqok, cc, cl, be, ordc, ordk, ordr)
            if status != _IDLE:
                st[0] = depth
                return status, nodes
            nc = 0
            if g < 0:  # the cell holds to the end of stage s
                art0 = cstart[s] + n1
                if LP[d, s] >= art0 and LQ[d, s] >= art0:
                    if s + 1 < stage_hi:
                        LK[d, 0] = _CARRY
                        nc = 1
                    elif stage_hi == n:
                        res[0] += V
                    else:
                        o = ocnt[0]
                        if o >= ocap:
                            st[0] = depth
                            return _FULL, nodes
                        for k in range(n):
                            OP[o, k] = LP[d, k]
                            OQ[o, k] = LQ[d, k]
                        ocnt[0] = o + 1
            else:
                j = cfg[g]
                c = LQ[d, j]
                sc = deg[s] if cstart[s] <= g < cstart[s] + n1 else 1
                sq = deg[s] if cstart[s] <= c < cstart[s] + n1 else 1
                for k in range(n):  # LT[d] = B (point g - point Q_j), dot products written out
                    x = V * 0
                    for t in range(pptr[g], pptr[g + 1]):
                        x += LB[d, k, pidx[t]] * pval[t]
                    y = V * 0
                    for t in range(pptr[c], pptr[c + 1]):
                        y += LB[d, k, pidx[t]] * pval[t]
                    LT[d, k] = x * sc - y * sq
                tj = LT[d, j]  # the barycentric coordinate of g on the pair is tj / V
                if tj > 0 and tj < V:  # split
                    LK[d, 0] = _REPLACE_P
                    LK[d, 1] = _REPLACE_Q
                    nc = 2
                elif tj == V:
                    LK[d, 0] = _REPLACE_P
                    nc = 1
                elif tj == 0:
                    LK[d, 0] = _REPLACE_Q
                    nc = 1
                elif tj > V:  # merge: continue from the parent whose kept column comes first
                    if LQ[d, j] < g:
                        LK[d, 0] = _REPLACE_P
                        nc = 1
                elif LP[d, j] < g:
                    LK[d, 0] = _REPLACE_Q
                    nc = 1
                LG[d] = g
                LJ[d] = j
            nodes += 1
            if nc == 0:
                done[0] += LW[d]
            LNC[d] = nc
            LCI[d] = 0
        if LCI[d] >= LNC[d]:
            depth -= 1
            continue
        kind = LK[d, LCI[d]]
        e = d if LCI[d] + 1 == LNC[d] else d + 1  # the last child replaces its parent
        if e >= cap:
            st[0] = depth
            return _GROW, nodes
        LCI[d] += 1
        if e != d:
            for k in range(n):
                LP[e, k] = LP[d, k]
                LQ[e, k] = LQ[d, k]
            LW[d] *= 0.5  # the first of two children takes half of the weight
            LW[e] = LW[d]
        mx = 0  # the largest |entry| of the child's B
        if kind == _CARRY:  # into stage s + 1: support s + 1's simplex block scales by d_(s+1)
            s1 = LS[d] + 1
            f = deg[s1]
            for r in range(n):
                for c in range(n):
                    x = LB[d, r, c] * f if r != s1 else LB[d, r, c]
                    LB[e, r, c] = x
                    if abs(x) > mx:
                        mx = abs(x)
            LV[e] = LV[d] * f
            LS[e] = s1
        else:  # g replaces P_j (or Q_j): B' = V'·M'⁻¹ by a rank-one update
            j = LJ[d]
            V = LV[d]
            tj = LT[d, j]
            w = tj if kind == _REPLACE_P else V - tj
            sg = 1 if w > 0 else -1
            inv = 1.0 / V
            for r in range(n):
                if r == j:
                    continue
                coef = LT[d, r] if kind == _REPLACE_P else -LT[d, r]
                for c in range(n):
                    num = w * LB[d, r, c] - coef * LB[d, j, c]
                    q = _exact_div(num, V, inv, guard)
                    if q * V != num:
                        st[0] = depth
                        return _INVALID, nodes
                    LB[e, r, c] = sg * q
                    if abs(q) > mx:
                        mx = abs(q)
            for c in range(n):
                x = LB[d, j, c]
                LB[e, j, c] = sg * x
                if abs(x) > mx:
                    mx = abs(x)
            LV[e] = abs(w)
            LS[e] = LS[d]
            if kind == _REPLACE_P:
                LP[e, j] = LG[d]
            else:
                LQ[e, j] = LG[d]
        if guard and (LV[e] > INT64_LIMIT or mx * ptmax > INT64_LIMIT):
            st[0] = 0
            return _OVERFLOW, nodes
        LNC[e] = -1
        LCI[e] = 0
        depth = e + 1


def _start_check(n, n1, cstart, deg, pptr, pidx, pval, P, Q, B, Wk, bq, bqok, ordc, ordk,
                 ordr, guard):
    """Volume of the cell P[0], Q[0] if it is a valid cell at the start of stage 0, else 0
    (-1: int64 could overflow)."""
    V = _load_cell(P, Q, B, 0, 0, Wk, n, n1, cstart, deg, pptr, pidx, pval, guard)
    if V <= 0:
        return V
    if not _start_valid(P, Q, B, 0, V, 0, n, n1, cstart, deg, pptr, pidx, pval, bq, bqok,
                        ordc, ordk, ordr):
        return V * 0
    return V


_KERNEL_NAMES = ("_scale", "_dot", "_active", "_sort_cell", "_bq_column", "_entry", "_find_event",
                 "_load_cell", "_exact_div", "_fits", "_start_valid", "_run_slot", "_start_check")
_kernel_lock = threading.Lock()
_kernel_state: dict[str, SimpleNamespace | None] = {}


def _compiled_kernels() -> SimpleNamespace | None:
    """The kernels compiled with numba on first use (cached on disk); None without numba."""
    with _kernel_lock:
        if "jit" not in _kernel_state:
            try:
                from ..homotopy.jit import numba
            except ImportError:  # pragma: no cover - exercised only without numba
                warnings.warn("numba is not installed: mixed volumes run in plain Python (slow)",
                              RuntimeWarning, stacklevel=4)
                _kernel_state["jit"] = None
            else:
                g = globals()
                for name in _KERNEL_NAMES:  # callees first, so callers see compiled callees
                    try:
                        g[name] = numba.njit(cache=True, nogil=True)(g[name])
                    except RuntimeError:  # no writable cache location: compile in memory only
                        g[name] = numba.njit(cache=False, nogil=True)(g[name])
                _kernel_state["jit"] = SimpleNamespace(run=g["_run_slot"], start=g["_start_check"])
        return _kernel_state["jit"]


def _python_kernels() -> SimpleNamespace:
    """The same kernels as plain Python functions (exact on object arrays of Python integers),
    from a fresh copy of this module whose functions numba has not replaced."""
    with _kernel_lock:
        if "py" not in _kernel_state:
            spec = importlib.util.find_spec(__name__)
            assert spec is not None and spec.loader is not None
            mod: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            _kernel_state["py"] = SimpleNamespace(run=mod._run_slot, start=mod._start_check)
        kernels = _kernel_state["py"]
        assert kernels is not None   # only the compiled kernels can be missing
        return kernels


# --------------------------------------------------------------------------------------------
# Python side: validation, the column layout, scheduling of the units over threads.
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


class _Layout(SimpleNamespace):
    """The columns of all stages: per support, the simplex block then the support's points."""


def _layout(sups: list[np.ndarray], rng: np.random.Generator | None) -> _Layout:
    n = len(sups)
    n1 = n + 1
    simplex = np.vstack([np.zeros((1, n), dtype=np.int64), np.eye(n, dtype=np.int64)])
    blocks, deg = [], []
    for s in sups:
        s = s - s.min(axis=0)  # into the positive orthant: then s lies in deg·simplex
        if rng is not None:
            s = s[rng.permutation(len(s))]
        deg.append(max(1, int(s.sum(axis=1).max())))
        blocks.append(simplex)
        blocks.append(s)
    pts = np.vstack(blocks)
    sizes = np.array([n1 + len(s) for s in sups], dtype=np.int64)
    cstart = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    cfg = np.repeat(np.arange(n, dtype=np.int64), sizes)
    nz = pts != 0
    pptr = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64)
    pidx = np.nonzero(nz)[1].astype(np.int64)
    pval = pts[nz].astype(np.int64)
    l1 = np.abs(pts).sum(axis=1)
    ptmax = int(max(int(l1.max()), 1) * max(deg) * 2)  # differences of two scaled points
    return _Layout(n=n, n1=n1, cstart=cstart, cfg=cfg, deg=np.array(deg, dtype=np.int64),
                   pptr=pptr, pidx=pidx, pval=pval, ptmax=ptmax)


class _Overflow(Exception):
    """int64 could overflow: the computation is repeated with exact integers."""


class _Slot:
    """One thread's depth-first search: its stack of cells, its queue of units, its output and
    scratch, kept between kernel calls. Every array is private to the slot (the problem's too),
    so that threads never share reference counts."""

    def __init__(self, lay: _Layout, dtype: DTypeLike, qcap: int) -> None:
        n, D, ncols = lay.n, INITIAL_DEPTH, len(lay.cfg)
        # private copies; the values that enter products (degrees, exponents) of the value type
        self.problem = (lay.cstart.copy(), lay.cfg.copy(), lay.deg.astype(dtype), lay.pptr.copy(),
                        lay.pidx.copy(), lay.pval.astype(dtype))
        self.LP = np.zeros((D, n), dtype=np.int64)   # the cell: pairs (P_k, Q_k)
        self.LQ = np.zeros((D, n), dtype=np.int64)
        self.LB = np.zeros((D, n, n), dtype=dtype)   # B = V·M⁻¹
        self.LV = np.zeros(D, dtype=dtype)           # V = |det M|
        self.LS = np.zeros(D, dtype=np.int64)        # stage
        self.LNC = np.zeros(D, dtype=np.int64)       # number of children (-1: not expanded yet)
        self.LCI = np.zeros(D, dtype=np.int64)       # next child
        self.LK = np.zeros((D, 2), dtype=np.int64)   # kinds of the children
        self.LG = np.zeros(D, dtype=np.int64)        # the entering column
        self.LJ = np.zeros(D, dtype=np.int64)        # its support
        self.LT = np.zeros((D, n), dtype=dtype)      # B (its point - point of Q_j)
        self.LW = np.zeros(D)                        # the share of its unit
        self.st = np.zeros(1, dtype=np.int64)        # stack depth
        self.queue = np.zeros(qcap, dtype=np.int64)
        self.qinfo = np.zeros(2, dtype=np.int64)     # next, length
        self.OP = np.zeros((OUT_CAPACITY, n), dtype=np.int64)
        self.OQ = np.zeros((OUT_CAPACITY, n), dtype=np.int64)
        self.ocnt = np.zeros(1, dtype=np.int64)
        # scratch of _find_event and _load_cell: bq, bqok, cc, cl, be, ordc, ordk, ordr, Wk
        self.scratch = (np.zeros((n, n), dtype=dtype), np.zeros(n, dtype=np.int64),
                        np.zeros(ncols, dtype=np.int64),
                        np.zeros(ncols, dtype=dtype), np.zeros(2 * n, dtype=dtype),
                        np.zeros(2 * n, dtype=np.int64), np.zeros(2 * n, dtype=np.int64),
                        np.zeros(2 * n, dtype=np.int64), np.zeros((n, 2 * n), dtype=dtype))
        self.res = np.zeros(1, dtype=dtype)          # the volume counted
        self.done = np.zeros(1)                      # the units done (an estimate)

    def busy(self) -> bool:
        """Whether a search is in progress or units wait in the queue."""
        return bool(self.st[0] or self.qinfo[0] < self.qinfo[1])

    def grow(self) -> None:
        """Double the stack depth."""
        for name in ("LP", "LQ", "LB", "LV", "LS", "LNC", "LCI", "LK", "LG", "LJ", "LT", "LW"):
            a = getattr(self, name)
            b = np.zeros((2 * a.shape[0],) + a.shape[1:], dtype=a.dtype)
            b[:a.shape[0]] = a
            setattr(self, name, b)

    def drain(self) -> np.ndarray:
        """The cells written so far, as (count, 2, n) pairs; empties the output."""
        c = int(self.ocnt[0])
        self.ocnt[0] = 0
        return np.stack([self.OP[:c], self.OQ[:c]], axis=1)

    def run(self, kern: SimpleNamespace, lay: _Layout, guard: bool, stage_hi: int, budget: int,
            units: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[int, int]:
        """One kernel call: (status, cells expanded)."""
        st, nodes = kern.run(lay.n, lay.n1, *self.problem, lay.ptmax, guard,
                             stage_hi, budget, self.LP, self.LQ, self.LB, self.LV, self.LS, self.LNC,
                             self.LCI, self.LK, self.LG, self.LJ, self.LT, self.LW, self.st, self.queue,
                             self.qinfo, *units, self.OP, self.OQ, self.ocnt, *self.scratch, self.res,
                             self.done)
        return int(st), int(nodes)


def _run_units(kern: SimpleNamespace, lay: _Layout, units: tuple[np.ndarray, np.ndarray, np.ndarray],
               stage_hi: int, dtype: DTypeLike, pool: ThreadPoolExecutor | None, nthreads: int,
               progress: FractionProgress | None) -> tuple[int, list[np.ndarray] | None]:
    """Search from every unit through stage stage_hi - 1: (volume, [cells carried to stage_hi]),
    the cells None when there are more than MAX_UNITS of them.

    Units go to the slots in small queues refilled between calls; each call is sized to last
    about CALL_SECONDS, so that progress is reported and Ctrl-C is seen that often. ``pool`` runs
    the slots when there are several."""
    total = len(units[0])
    guard = dtype is not object
    qcap = 64
    slots = [_Slot(lay, dtype, qcap) for _ in range(max(1, min(nthreads, total)))]
    next_unit = 0
    budget = 1024
    out: list[np.ndarray] = []
    kept = 0
    while True:
        for sl in slots:  # refill the queues that ran dry
            if sl.qinfo[0] >= sl.qinfo[1] and next_unit < total:
                k = min(qcap, max(1, (total - next_unit) // (4 * len(slots))), total - next_unit)
                sl.queue[:k] = np.arange(next_unit, next_unit + k)
                sl.qinfo[:] = (0, k)
                next_unit += k
        work = [sl for sl in slots if sl.busy()]
        if not work:
            break
        t0 = time.perf_counter()
        if pool is None or len(work) == 1:
            results = [sl.run(kern, lay, guard, stage_hi, budget, units) for sl in work]
        else:
            futures = [pool.submit(sl.run, kern, lay, guard, stage_hi, budget, units) for sl in work]
            results = [f.result() for f in futures]
        dt = time.perf_counter() - t0
        for sl, (status, _) in zip(work, results):
            if status == _OVERFLOW:
                raise _Overflow
            if status == _INVALID:
                raise RuntimeError("mixed volume: an inconsistent cell (exact arithmetic rules "
                                   "this out; please report it)")
            if status == _GROW:
                sl.grow()
            if status == _FULL or (status == _IDLE and sl.ocnt[0]):
                out.append(sl.drain())
                kept += len(out[-1])
                if kept > MAX_UNITS:
                    return 0, None
        if guard:  # aim each call at CALL_SECONDS
            most = max(n for _, n in results)
            if dt < CALL_SECONDS / 2 and most >= budget:
                budget *= 2
            elif dt > 2 * CALL_SECONDS and budget > 16:
                budget //= 2
        if progress is not None:
            progress(min(1.0, sum(float(sl.done[0]) for sl in slots) / total))
    for sl in slots:
        if sl.ocnt[0]:
            out.append(sl.drain())
    return sum(int(sl.res[0]) for sl in slots), out


def _compute(sups: list[np.ndarray], rng: np.random.Generator | None, exact: bool,
             progress: FractionProgress | None, threads: int | None) -> int:
    """The regeneration over all stages, int64 kernels unless ``exact`` (or numba is missing)."""
    kern = None if exact else _compiled_kernels()
    if kern is None:
        kern, dtype, nthreads = _python_kernels(), object, 1
    else:
        dtype, nthreads = np.int64, max(1, threads or default_threads())
    lay = _layout(sups, rng)
    n = lay.n
    # the start cell: {e_(k-1), e_k} in simplex copy k (e_0 = 0), support 0's copy scaled
    P = np.array([[lay.cstart[k] + k for k in range(n)]], dtype=np.int64)
    Q = P + 1
    sl = _Slot(lay, dtype, 1)
    bq, bqok, _, _, _, ordc, ordk, ordr, Wk = sl.scratch
    cstart, _, deg, pptr, pidx, pval = sl.problem
    V = kern.start(n, lay.n1, cstart, deg, pptr, pidx, pval, P, Q, sl.LB, Wk, bq, bqok, ordc,
                   ordk, ordr, dtype is not object)
    if V < 0:
        raise _Overflow
    if V != lay.deg[0]:
        raise RuntimeError("mixed volume: the start cell of the simplex system is not valid")
    units = (P, Q, np.zeros(1, dtype=np.int64))
    pool = ThreadPoolExecutor(max_workers=nthreads) if nthreads > 1 else None
    # while going breadth first no fraction of the whole is known: 0 is reported after every kernel call,
    # so that the caller hears that the work goes on (and can show for how long)
    early = None if progress is None else (lambda _: progress(0.0))
    try:
        stage = 0
        # breadth first through the first stages, until there are enough units for all threads
        while stage < n - 1 and len(units[0]) < TARGET_UNITS:
            _, out = _run_units(kern, lay, units, stage + 1, dtype, pool, nthreads, early)
            if out is None:  # too many cells at once: go depth first from the current units
                break
            if not sum(len(o) for o in out):
                return 0
            cells = np.concatenate(out)
            stage += 1
            units = (np.ascontiguousarray(cells[:, 0]), np.ascontiguousarray(cells[:, 1]),
                     np.full(len(cells), stage, dtype=np.int64))
        volume, _ = _run_units(kern, lay, units, n, dtype, pool, nthreads, progress)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return volume


def mixed_volume(supports: Sequence[np.ndarray], *, seed: int = 0,
                 progress: FractionProgress | None = None, threads: int | None = None) -> int:
    """Mixed volume of N lattice supports in Z^N (each a (T_k, N) integer array of exponent vectors).

    Computed exactly from the mixed cells of a fine mixed subdivision; ``seed`` other than 0
    shuffles the points (another symbolic lifting: every seed gives the same value), ``progress``
    receives the fraction of the work done, ``threads`` caps the threads (default: the cores this
    process may use). A support with a single point makes the mixed volume 0. Raises
    :class:`MixedVolumeTooLarge` before any work when the memory needed exceeds what is available.
    """
    sups = prepare_supports(supports)
    N = len(sups)
    if N == 0:
        return 1
    if any(len(s) < 2 for s in sups):
        return 0
    need = mixed_volume_memory(N, sum(len(s) for s in sups), sum(int(np.count_nonzero(s)) for s in sups),
                               threads or default_threads())
    limit = memory_limit()
    if limit is not None and need > limit:
        raise MixedVolumeTooLarge(f"a mixed volume of {N} supports would need about {need / 2 ** 30:.3g} "
                                  f"GiB of memory, more than the {limit / 2 ** 30:.3g} GiB this run may use")
    # the mixed volume is symmetric in the supports; regenerating small supports first, and
    # within a size the later ones first, did the least work on the gradient systems
    sups = sorted(sups[::-1], key=len)
    rng = np.random.default_rng(seed) if seed else None
    try:
        vol = _compute(sups, rng, False, progress, threads)
    except _Overflow:
        warnings.warn("mixed volume: int64 could overflow on these supports; starting again with exact "
                      "integers (plain Python, much slower)", RuntimeWarning, stacklevel=2)
        vol = _compute(sups, rng, True, progress, threads)
    if progress is not None:
        progress(1.0)
    return vol


def mixed_volume_memory(n: int, points: int, nonzeros: int, threads: int = 1) -> int:
    """Bytes a mixed volume of n supports with ``points`` points in all (``nonzeros`` nonzero
    exponents) plans to use: the dense supports and column layout, a sparse copy of the columns per
    thread, the units, and every thread's first stack levels and scratch."""
    columns = points + n * (n + 1)
    dense = 2 * 8 * columns * n
    sparse = 8 * (3 * columns + 2 * (nonzeros + n * n))
    units = 8 * 2 * n * MAX_UNITS
    stack = 8 * (INITIAL_DEPTH * (n * n + 3 * n + 8) + 2 * OUT_CAPACITY * n + 4 * n * n + 8 * n)
    return dense + sparse + units + threads * (sparse + stack)


def memory_limit() -> int | None:
    """Bytes a computation may plan to use: MEMORY_FRACTION of what is available (MemAvailable,
    capped by RLIMIT_AS), or None where that is unknown."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            avail = soft if avail is None else min(avail, soft)
    except (ImportError, ValueError, OSError):  # pragma: no cover - platforms without rlimits
        pass
    return None if avail is None else int(MEMORY_FRACTION * avail)


def default_threads() -> int:
    """Threads for the searches: the cores this process may use."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        n = os.cpu_count() or 1
    return max(1, n)


def bkk_bounds(network: Network, m: int = 1, mixed_volume_of: MixedVolumeFunction | None = None,
               progress: PartProgress | None = None) -> tuple[int, int]:
    """(BKK bound for solutions in C^N, BKK bound for solutions in the torus) of the gradient system.

    The first is the mixed volume with the origin added to every support (the gradient system has
    no constant term), the second the mixed volume of the supports themselves. ``mixed_volume_of``
    computes the mixed volumes (e.g. HomotopyContinuation.jl's, which the julia engine offers);
    linnet's own by default, which reports to ``progress`` as ("BKK", fraction) then ("BKK*", fraction).
    """
    from ..model.symbolic import generic_supports

    sups = [np.asarray(s, dtype=np.int64) for s in generic_supports(network, m)]
    n = network.N
    with_origin = [s if np.any(np.all(s == 0, axis=1)) else np.vstack([np.zeros((1, n), np.int64), s])
                   for s in sups]
    if mixed_volume_of is not None:
        return mixed_volume_of(with_origin), mixed_volume_of(sups)

    def report(label: str) -> FractionProgress | None:
        return None if progress is None else (lambda f: progress(label, f))

    return (mixed_volume(with_origin, progress=report("BKK")),
            mixed_volume(sups, progress=report("BKK*")))
