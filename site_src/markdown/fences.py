"""Fence formatters and validators that fail the build when they break.

SuperFences catches any exception a custom fence's formatter or validator raises, other than its
own SuperFencesException, and renders the fence as a plain code block: the build passes and the
page silently loses its live cell or exercise. `fails_the_build` turns such an exception (a bug in
our code, not the author's) into a SuperFencesException, which stops the build with the cause.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from pymdownx.superfences import SuperFencesException

Function = TypeVar("Function", bound=Callable)


def fails_the_build(function: Function) -> Function:
    """Re-raise an unexpected exception of a fence's formatter or validator as SuperFencesException."""

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SuperFencesException:
            raise
        except Exception as err:
            raise SuperFencesException(
                f"{function.__module__}.{function.__name__} failed ({type(err).__name__}: {err}): "
                "a bug in the site's build code, not in the page; the traceback above shows where") from err

    return guarded
