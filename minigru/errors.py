"""The exception types minigru raises for a caller's mistake.

``InputError`` is a ``ValueError`` (and ``InputTypeError`` also a ``TypeError``), so code that
catches the built-in types keeps working. The ``minigru`` command reports these, and missing
files, as one line; any other exception is a bug in minigru and is shown with its traceback.
"""


class InputError(ValueError):
    """A bad argument, setting or file, named in the message with what was expected."""


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type, named in the message."""
