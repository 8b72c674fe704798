"""The linear network: layer widths, the weight vector's layout and its variable names.

Weights are flattened layer by layer (W_1 first), each matrix row-major, so coordinate
``offsets[i] + r * n_{i-1} + c`` is the entry (r, c) of W_{i+1}.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import InputError, opt

#: Largest width accepted for any layer: beyond this, N and the bounds are far out of reach.
MAX_WIDTH = 64
#: Largest number of hidden layers accepted.
MAX_HIDDEN = 16
#: Largest number of data points accepted.
MAX_DATA = 10_000
#: Values each shape option may take; ranges are checked against these before they are expanded
#: (``--m 1..10000000000`` must not build ten billion integers).
OPTION_LIMITS = {"d": (1, MAX_WIDTH), "dx": (1, MAX_WIDTH), "dy": (1, MAX_WIDTH), "H": (0, MAX_HIDDEN),
                 "m": (1, MAX_DATA)}


@dataclass(frozen=True)
class Network:
    """A linear network with widths ``(d_x, n_1, ..., n_H, d_y)``."""

    widths: tuple[int, ...]

    def __post_init__(self) -> None:
        w = _widths_tuple(self.widths)
        object.__setattr__(self, "widths", w)
        if len(w) < 2:
            raise InputError(f"a network needs at least an input and an output width, got {w}")
        if len(w) - 2 > MAX_HIDDEN:
            raise InputError(f"at most {MAX_HIDDEN} hidden layers are supported, got {len(w) - 2}")
        for v in w:
            if v < 1:
                raise InputError(f"every width must be a positive integer, got {v} in {w}")
            if v > MAX_WIDTH:
                raise InputError(f"width {v} is too large (at most {MAX_WIDTH})")

    @classmethod
    def uniform(cls, d: int, dx: int, dy: int, H: int = 1) -> Network:
        """The thesis's shape: H hidden layers of width d, input width d_x, output width d_y.

        >>> net = Network.uniform(d=2, dx=3, dy=1)
        >>> net.widths, net.N, net.label()
        ((3, 2, 1), 8, 'd=2 dx=3 dy=1')
        """
        from ..validate import integer
        d, dx, dy = (integer(v, name, what=what) for v, name, what in
                     ((d, "d", "hidden width"), (dx, "dx", "input width"), (dy, "dy", "output width")))
        H = integer(H, "H", what="number of hidden layers")
        if H < 0:
            raise InputError(f"H (number of hidden layers) must be >= 0, got {H}")
        if H > MAX_HIDDEN:
            raise InputError(f"at most {MAX_HIDDEN} hidden layers are supported, got {H}")
        return cls((dx,) + (d,) * H + (dy,))

    @property
    def dx(self) -> int:
        return self.widths[0]

    @property
    def dy(self) -> int:
        return self.widths[-1]

    @property
    def H(self) -> int:
        """Number of hidden layers."""
        return len(self.widths) - 2

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.widths[1:-1]

    @property
    def d(self) -> int | None:
        """The common hidden width, or None when the hidden widths differ (or H = 0)."""
        h = set(self.hidden)
        return h.pop() if len(h) == 1 else None

    @property
    def n_layers(self) -> int:
        """Number of weight matrices, H + 1."""
        return len(self.widths) - 1

    @cached_property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        """Shape (n_i, n_{i-1}) of each W_i, i = 1..H+1."""
        return tuple((self.widths[i + 1], self.widths[i]) for i in range(self.n_layers))

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Start of each W_i in the flat weight vector, plus N at the end."""
        out = [0]
        for r, c in self.shapes:
            out.append(out[-1] + r * c)
        return tuple(out)

    @property
    def N(self) -> int:
        """Number of weights = number of unknowns = number of equations."""
        return self.offsets[-1]

    def unflatten(self, w: np.ndarray) -> list[np.ndarray]:
        """Split weights of shape (..., N) into the matrices W_i of shape (..., n_i, n_{i-1})."""
        lead = w.shape[:-1]
        return [w[..., self.offsets[i]:self.offsets[i + 1]].reshape(lead + self.shapes[i])
                for i in range(self.n_layers)]

    def flatten(self, mats: Sequence[np.ndarray]) -> np.ndarray:
        """Inverse of :meth:`unflatten`."""
        lead = mats[0].shape[:-2]
        return np.concatenate([m.reshape(lead + (-1,)) for m in mats], axis=-1)

    @cached_property
    def coordinates(self) -> tuple[tuple[int, int, int], ...]:
        """(layer, row, column) of every coordinate, 1-based layer, 0-based row and column."""
        return tuple((i + 1, r, c) for i, (nr, nc) in enumerate(self.shapes)
                     for r in range(nr) for c in range(nc))

    def variable_names(self) -> list[str]:
        """Names ``w<layer>_<row>_<col>`` (1-based); safe for PHCpack, Singular, msolve and Julia."""
        return [f"w{l}_{r + 1}_{c + 1}" for l, r, c in self.coordinates]

    @property
    def text(self) -> str:
        """The widths as written on the command line and in tables, e.g. ``2,3,1,2``."""
        return widths_text(self.widths)

    def key(self, m: int) -> str:
        """The key of the shape with m data points in tables, caches and resumed runs: ``2,2,2|m=1``."""
        return f"{self.text}|m={m}"

    def label(self) -> str:
        """Short human label, e.g. ``d=2 dx=2 dy=2`` or ``widths 2,3,1,2``."""
        d = self.d
        if d is not None:
            h = f" H={self.H}" if self.H != 1 else ""
            return f"d={d} dx={self.dx} dy={self.dy}{h}"
        return "widths " + self.text


def _widths_tuple(widths: object) -> tuple[int, ...]:
    """The widths as a tuple of ints: a tuple, list or 1-d array of integers (numpy integers too); a
    string (``'222'``), a bool, a float or anything else is refused, never converted."""
    from ..validate import is_integer
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__") or getattr(widths, "ndim", 1) != 1:
        raise InputError(f"{opt('widths')} must be a sequence of integers such as (2, 3, 2), got {widths!r}")
    w = tuple(widths)
    bad = [v for v in w if not is_integer(v)]
    if bad:
        raise InputError(f"{opt('widths')} must be integers, got {bad[0]!r} in {w!r}")
    return tuple(int(v) for v in w)


def widths_text(widths: Sequence[int]) -> str:
    """Widths (of a network or a sub-network) as text: ``2,3,1,2``."""
    return ",".join(map(str, widths))


def single_value(text: str | None, name: str, default: int) -> int:
    """The one integer an option gives (``default`` when not given); a range is an error."""
    if text is None:
        return default
    vals = parse_range(text, name)
    if len(vals) != 1:
        raise InputError(f"{opt(name)}: this command takes one value, got the range {text!r}")
    return vals[0]


def check_shape_options(network: Network, d: str | None, dx: str | None, dy: str | None, H: str | None,
                        widths: str | None, source: str = "the data file") -> None:
    """Raise InputError naming the first shape option that disagrees with ``network`` (the network of
    ``source``); options that are None were not given and are not compared."""
    label = f"{source}, which is for widths {network.text}"
    if widths is not None and parse_widths(widths).widths != network.widths:
        raise InputError(f"{opt('widths', widths)} disagrees with {label}")
    for name, text, value in (("dx", dx, network.dx), ("dy", dy, network.dy), ("H", H, network.H)):
        if text is not None and single_value(text, name, 0) != value:
            raise InputError(f"{opt(name, text)} disagrees with {label}")
    if d is not None and (network.H == 0 or set(network.hidden) != {single_value(d, "d", 0)}):
        raise InputError(f"{opt('d', d)} disagrees with {label}")


def parse_range(text: str, name: str, most: int | None = None) -> list[int]:
    """Parse ``3``, ``1..3`` or ``1,2,5`` (and mixtures like ``1..3,5``) into sorted integers; with
    ``most``, a part naming more values is refused before it is expanded (for options whose values
    have no small bound, such as seeds)."""
    values: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        try:
            lo, hi = (int(p) for p in part.split("..")) if ".." in part else (int(part), int(part))
        except ValueError:
            raise InputError(f"{opt(name)}: expected an integer, a range like 1..3 or a list like 1,2,5; "
                             f"got {text!r}") from None
        if hi < lo:
            raise InputError(f"{opt(name)}: empty range {part!r} (start > end)")
        if most is not None and hi - lo >= most:
            raise InputError(f"{opt(name)}: {part!r} names more than {most:,} values")
        low, high = OPTION_LIMITS.get(name, (lo, hi))
        if lo < low or hi > high:
            what = {"H": "hidden layers", "m": "data points"}.get(name, "a width")
            if lo < low:
                raise InputError(f"{opt(name)}: {part!r} is too small: {name} must be "
                                 + ("a positive integer" if low == 1 else f"at least {low}"))
            raise InputError(f"{opt(name)}: {part!r} is too large: at most {high} ({what})")
        values.update(range(lo, hi + 1))
    return sorted(values)


def parse_widths(text: str) -> Network:
    """Parse ``--widths dx,n1,...,nH,dy``."""
    try:
        w = tuple(int(p) for p in str(text).split(","))
    except ValueError:
        raise InputError(f"{opt('widths')}: expected comma-separated integers like 2,3,2, got {text!r}") from None
    if len(w) < 3:
        raise InputError(f"{opt('widths')}: need at least dx,n1,dy (one hidden layer), got {text!r}")
    return Network(w)


def networks_from_ranges(d: Iterable[int], dx: Iterable[int], dy: Iterable[int],
                         H: Iterable[int]) -> list[Network]:
    """All uniform networks of a sweep, ordered as Table 3.1 (d slowest, then dy, then dx)."""
    return [Network.uniform(dd, xx, yy, hh) for hh in H for dd in d for yy in dy for xx in dx]
