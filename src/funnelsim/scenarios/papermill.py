"""Papermill: the parameters that make any lesson run with a scenario.

The convention: every lesson's ``parameters`` cell has ``scenario = None``
beside its own parameters, and the lesson reads it right after::

    # parameters cell (tagged "parameters")
    scenario = None   # a scenario file or ready-made name; None = the values below
    seed = 42
    buyers = 10_000

    # next cell
    sc = fs.load_scenario(scenario) if scenario is not None else None
    funnel = sc.funnel if sc is not None else fs.aaarrr()

:func:`to_parameters` builds the parameters of such a run::

    papermill.execute_notebook(nb, out, parameters=sc.to_parameters())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from funnelsim.scenarios.record import Scenario

__all__ = ["to_parameters"]


def to_parameters(scenario: Scenario, **extra: Any) -> dict[str, Any]:
    """Papermill parameters that make a lesson use ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        Read from a file or by ready-made name.
    **extra
        More parameters, added (or overriding).

    Returns
    -------
    dict
        ``scenario`` (the file path or ready-made name the lesson passes to
        :func:`funnelsim.scenarios.load_scenario`), ``buyers`` and ``seed``
        (for lessons that read only those), then ``extra``.

    Raises
    ------
    ValueError
        For a scenario built in code, which has no file: save it first.
    """
    if scenario.source is None:
        raise ValueError(
            "to_parameters needs a scenario read from a file or a ready-made name; "
            "call save(path) and load_scenario(path) first"
        )
    params: dict[str, Any] = {"scenario": scenario.source, "buyers": scenario.buyers}
    if scenario.seed is not None:
        params["seed"] = scenario.seed
    params.update(extra)
    return params
