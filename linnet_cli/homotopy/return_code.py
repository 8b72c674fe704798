"""How a path ended, or why its endpoint was not counted: one vocabulary for every engine.

Failed paths are counted by return code (``RawSolutions.failed``, ``failed_paths`` of the JSON output),
keyed by the code's value: the values are part of the output formats and never change. linnet's
compiled tracker (:mod:`linnet_cli.homotopy.tracker`) ends every path with one of its own codes; the julia engine
maps every return code of HomotopyContinuation.jl onto a member under HC.jl's own name (so its counts
read as HC.jl reports them); both engines add the codes of the checks linnet makes on endpoints.
A light module (no numba), so that the julia engine and the reports can use it.
"""
from __future__ import annotations

from enum import StrEnum


class ReturnCode(StrEnum):
    """How a path ended (a ``str``: members compare equal to, hash like and serialize as their values)."""

    # linnet's compiled tracker
    SUCCESS = "success"
    SINGULAR = "singular"            # reached t = 1 but the endpoint's Jacobian is (numerically) singular
    DIVERGED = "diverged"            # the largest coordinate grew beyond divergence_norm
    STEP_TOO_SMALL = "step_too_small"
    MAX_STEPS = "max_steps"
    NOT_CONVERGED = "not_converged"  # endpoint refinement (or the start point) did not converge
    LEFT_TORUS = "left_torus"        # a coordinate went to zero where none may (monodromy on the torus)
    ACCURACY_LIMIT = "accuracy_limit"  # the path became too ill-conditioned for double precision
    # linnet's Cauchy endgame (:mod:`linnet_cli.homotopy.endgame`); it also uses AT_INFINITY and
    # TERMINATED_MAX_WINDING_NUMBER under HC.jl's names
    ENDGAME_NOT_CONVERGED = "endgame_not_converged"  # Cauchy estimates did not agree down to the smallest radius

    # HomotopyContinuation.jl's path return codes (its EndgameTrackerCode), under HC.jl's names
    AT_INFINITY = "at_infinity"      # diverged (HC.jl's endgame decided the path goes to infinity)
    AT_ZERO = "at_zero"
    EXCESS_SOLUTION = "excess_solution"
    POST_CHECK_FAILED = "post_check_failed"
    POLYHEDRAL_FAILED = "polyhedral_failed"
    TRACKING = "tracking"
    TERMINATED_ACCURACY_LIMIT = "terminated_accuracy_limit"
    TERMINATED_ILL_CONDITIONED = "terminated_ill_conditioned"
    TERMINATED_INVALID_STARTVALUE = "terminated_invalid_startvalue"
    TERMINATED_MAX_STEPS = "terminated_max_steps"
    TERMINATED_MAX_EXTENDED_STEPS = "terminated_max_extended_steps"
    TERMINATED_MAX_WINDING_NUMBER = "terminated_max_winding_number"
    TERMINATED_STEP_SIZE_TOO_SMALL = "terminated_step_size_too_small"
    TERMINATED_UNKNOWN = "terminated_unknown"
    NOT_TRACKED = "not_tracked"      # julia/linnet.jl: a path its many-target call did not get to

    # linnet's checks of endpoints (both engines)
    NOT_FINITE = "not_finite"                  # reported a success with a coordinate not finite
    DUPLICATE = "duplicate_endpoint"           # coincides with another path's endpoint (path jumping)
    NOT_A_PATTERN = "zero_set_not_a_pattern"   # its zero coordinates are no dead-neuron pattern
    MONODROMY = "monodromy"                    # a monodromy loop path that failed (the stop rule covers it)

    @classmethod
    def from_hc(cls, code: str) -> ReturnCode:
        """The member for a return code of HomotopyContinuation.jl (a code this list does not know,
        from a newer HC.jl, is ``terminated_unknown``: a failed path all the same)."""
        try:
            return cls(code)
        except ValueError:
            return cls.TERMINATED_UNKNOWN
