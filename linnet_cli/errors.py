"""Errors a user can cause: the CLI prints their message on one line and exits with code 2."""


class InputError(ValueError):
    """Bad input from the user (shape, file, option); never a bug in linnet."""

