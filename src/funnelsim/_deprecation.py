"""Renamed keyword arguments keep working for one release, with a ``DeprecationWarning``.

The way Mesa and pymc-marketing retire a name: the function is written with the
new name only, and :func:`renamed_keywords` maps a call that still uses the old
one, says so once per call, and refuses a call that gives both.

>>> @renamed_keywords(invites="law")
... def draw(*, law="poisson"):
...     return law
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(invites="negbin")
'negbin'
>>> print(caught[0].message)
draw(invites=...) is deprecated and will be removed in the next release; use draw(law=...)
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["positional_seed", "renamed_keywords"]

P = ParamSpec("P")
R = TypeVar("R")


def renamed_keywords(**renames: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function whose keyword ``old`` is now called ``renames[old]``.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` pairs.

    Returns
    -------
    callable
        A decorator. The wrapped function keeps its signature (``inspect`` and
        type checkers see the new names only); a call with an old name warns
        with a ``DeprecationWarning`` pointing at the caller's line and is
        passed on under the new name; a call with both raises ``TypeError``.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        name = func.__qualname__.replace(".__init__", "")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{name}() got both {old}= (its old name) and {new}=; give {new}= only"
                    )
                warnings.warn(
                    f"{name}({old}=...) is deprecated and will be removed in the next "
                    f"release; use {name}({new}=...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def positional_seed(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function whose ``seed`` became keyword-only: a positional seed still works.

    ``seed`` must follow the function's positional parameters directly, as it did
    before. A call that passes it positionally (one argument more than the
    positional parameters) warns with a ``DeprecationWarning`` and is passed on
    as ``seed=``; everything else goes through untouched.
    """
    params = inspect.signature(func).parameters.values()
    n = sum(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)
    name = func.__qualname__

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) == n + 1 and "seed" not in kwargs:
            warnings.warn(
                f"{name}(): passing seed by position is deprecated and will stop working in "
                f"the next release; pass seed=... by keyword",
                DeprecationWarning,
                stacklevel=2,
            )
            *args_, seed = args
            return func(*args_, seed=seed, **kwargs)
        return func(*args, **kwargs)

    return wrapper
