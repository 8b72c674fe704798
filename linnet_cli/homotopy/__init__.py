"""Homotopy continuation: the compiled evaluator and path tracker, return codes, same-point decisions,
monodromy, the trace test, the Cauchy endgame and what a homotopy's endpoints say. Built on the model."""
