"""Options shared by several commands, and their translation into library objects.

Each decorator declares a group of options and hands the command one object for the group
(:class:`Shape`, :class:`EngineRequest`), so that commands stay short and spell each rule once.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any
from collections.abc import Callable, Sequence

import click

FORMATS = ("table", "csv", "json", "markdown", "latex")


class FullHelpGroup(click.Group):
    """click group that lists each command with the first sentence of its help in full (wrapped), never
    cut with '...'."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str(limit=1000)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _bundle(name: str, options: list[Callable], make: type) -> Callable:
    """Decorator: declare ``options`` and pass the command ``name=make(**their values)`` instead
    (``make`` is a dataclass whose fields are the options' parameter names)."""
    params = [f.name for f in fields(make)]

    def deco(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[name] = make(**{p: kwargs.pop(p) for p in params})
            return f(*args, **kwargs)
        for o in reversed(options):
            wrapper = o(wrapper)
        return wrapper
    return deco


@dataclass
class Shape:
    """The shape options as given (None: not given; ranges allowed where the command takes them)."""

    d: str | None
    dx: str | None
    dy: str | None
    H: str | None
    m: str | None
    widths: Any   # str, or a tuple of str where --widths is repeatable

    @property
    def given(self) -> bool:
        return bool(self.widths) or any(v is not None for v in (self.d, self.dx, self.dy, self.H, self.m))

    def m_value(self) -> int:
        from ...model.network import single_value
        return single_value(self.m, "m", 1)

    def widths_alone(self, strict: bool = False) -> None:
        """--widths replaces --d and --H (and, for sweeps, ``strict``, --dx and --dy as well)."""
        from ...errors import InputError
        others = (self.d, self.dx, self.dy, self.H) if strict else (self.d, self.H)
        if self.widths and any(v is not None for v in others):
            raise InputError("--widths replaces --d/--dx/--dy/--H: give one or the other" if strict
                             else "--widths replaces --d and --H: give one or the other")

    def network(self):
        """The one network asked for (default d = d_x = d_y = 2, H = 1)."""
        from ...model.network import Network, check_shape_options, parse_widths, single_value
        self.widths_alone()
        if self.widths is not None:
            net = parse_widths(self.widths)
            check_shape_options(net, None, self.dx, self.dy, None, None, source=f"--widths {self.widths}")
            return net
        return Network.uniform(single_value(self.d, "d", 2), single_value(self.dx, "dx", 2),
                               single_value(self.dy, "dy", 2), single_value(self.H, "H", 1))

    def instance(self, data: str | None, seed: int, rational: bool = False, distribution: str = "default"):
        """The instance asked for: from the file ``data`` (the shape options given must agree with it),
        or drawn at random for the shape."""
        from ...errors import InputError
        from ...model.instance import load_instance, random_instance
        from ...model.network import check_shape_options, single_value
        if data is None:
            return random_instance(self.network(), m=self.m_value(), seed=seed, distribution=distribution,
                                   rational=rational)
        self.widths_alone()
        inst = load_instance(data, no_hidden_layer=single_value(self.H, "H", 1) == 0)
        check_shape_options(inst.network, self.d, self.dx, self.dy, self.H, self.widths)
        if self.m is not None and self.m_value() != inst.m:
            raise InputError(f"--m {self.m} disagrees with the data file, which has m = {inst.m} data points")
        return inst

    def rows(self):
        """The rows of a sweep (see :func:`linnet_cli.studies.rows.shape_rows`)."""
        from ...studies.rows import shape_rows
        return shape_rows(self.d, self.dx, self.dy, self.H, self.m, self.widths)


def shape_options(ranges: bool) -> Callable:
    """--d --dx --dy --H --m --widths, passed as ``shape`` (ranges like 1..3 allowed when ``ranges``)."""
    metavar = "RANGE" if ranges else "INT"
    if ranges:   # a sweep: what is not given spans Table 3.1's shapes
        kind = ": a value or a range (1..3, 1,2,5)"
        dflt = {"d": "1..3", "dx": "1..3", "dy": "1..3", "H": "1", "m": "1"}
    else:
        kind = ""
        dflt = {"d": "2", "dx": "2", "dy": "2", "H": "1", "m": "1"}

    def text(what: str, key: str) -> str:
        return f"{what}{kind}. [default: {dflt[key]}]"
    return _bundle("shape", [
        click.option("--d", "d", metavar=metavar, help=text("Width of every hidden layer", "d")),
        click.option("--dx", metavar=metavar, help=text("Input dimension d_x", "dx")),
        click.option("--dy", metavar=metavar, help=text("Output dimension d_y", "dy")),
        click.option("--H", "H", metavar=metavar, help=text("Number of hidden layers", "H")),
        click.option("--m", "m", metavar=metavar, help=text("Number of data points", "m")),
        click.option("--widths", metavar="DX,N1,...,DY", multiple=ranges,
                     help="Unequal widths instead of --d/--dx/--dy/--H" + (" (repeatable)." if ranges else ".")),
    ], Shape)


@dataclass
class EngineRequest:
    """The engine options as given; :meth:`spec` checks them and fails fast when the engine cannot be used."""

    engine: str | None
    threads: int | None
    julia_method: str | None
    trace_test: bool
    max_loops: int | None

    def spec(self, fallback: str = "native"):
        from ...engines import EngineSpec, get_engine
        from ...homotopy.monodromy import MonodromyOptions
        monodromy = None if self.max_loops is None else MonodromyOptions(max_loops=self.max_loops)
        spec = EngineSpec(self.engine or fallback, self.threads, self.julia_method, self.trace_test, monodromy)
        get_engine(spec)
        return spec


def engine_options(default: str | None) -> Callable:
    """--engine and its settings, passed as ``engine`` (an :class:`EngineRequest`)."""
    shown = "" if default else " [default: native, or the config's]"
    return _bundle("engine", [
        click.option("--engine", default=default, show_default=bool(default),
                     help="Engine: native or julia (HomotopyContinuation.jl)." + shown),
        click.option("--threads", type=click.IntRange(1, 1024), default=None,
                     help="julia engine: Julia threads (fixed when Julia starts). [default: 1]"),
        click.option("--julia-method", type=click.Choice(["polyhedral", "monodromy"]), default=None,
                     help="julia engine: polyhedral start system (the thesis's method) or monodromy per "
                          "sub-network at the generic parameters. [default: polyhedral]"),
        click.option("--trace-test/--no-trace-test", default=True, show_default=True,
                     help="native engine: check every monodromy solution set for completeness with a trace "
                          "test (it also decides when monodromy stops)."),
        click.option("--max-loops", type=click.IntRange(1, 1_000_000), default=None,
                     help="native engine: monodromy loops at most per sub-network; reaching the limit is "
                          "reported. [default: 200]"),
    ], EngineRequest)


def common_options(f: Callable) -> Callable:
    """--seed and --quiet."""
    f = click.option("-q", "--quiet", is_flag=True, help="No progress bars and no warnings on stderr.")(f)
    return click.option("--seed", type=click.IntRange(min=0), default=None,
                        help="Random seed (instance and solver); a random one is drawn and shown when omitted.")(f)


def force_option(f: Callable, also: str = "") -> Callable:
    """--force; ``also`` names what else it overrides."""
    return click.option("--force", is_flag=True,
                        help="Run even when the estimated memory exceeds what this machine has"
                             f"{also} (see README, Limits).")(f)


def output_options(f: Callable) -> Callable:
    """--format and --output."""
    f = click.option("--output", "-o", metavar="FILE", default=None,
                     help="Write the result to FILE instead of stdout.")(f)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(f)


def pick_seed(seed: int | None) -> int:
    """The seed given, or a drawn one (shown by :func:`linnet_cli.cli.terminal.show_drawn_seed`)."""
    if seed is not None:
        return seed
    from ...model.instance import draw_seed
    return draw_seed()


def check_files(outputs: list[tuple[str, str | None]], inputs: Sequence[tuple[str, str | None]] = (),
                instance: str | None = None) -> None:
    """Refuse outputs that would overwrite an input or each other, and an instance file of unknown type,
    before any work (see :func:`linnet_cli.output_files.check_outputs`)."""
    from ...output_files import check_outputs
    check_outputs(outputs, list(inputs))
    if instance:
        from ...model.instance import check_instance_suffix
        check_instance_suffix(instance)
