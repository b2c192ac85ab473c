"""Loaders for the data sets shipped with funnelsim.

The files live in the top-level ``datasets/`` folder of the repository, each
with a datasheet (``CDNOW.md``, ``SAAS_EVENTS.md``) that says what the data are,
where they come from and what is odd about them. In an installed wheel the
folder is the package ``funnelsim.data``; the loaders read it with
:mod:`importlib.resources`, so they work from a source checkout, an editable
install or a wheel alike.

Each file is parsed once per process and cached; every call returns a fresh
copy, so a lesson that edits the frame cannot spoil the next lesson's data.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_cdnow"]

_PACKAGE = "funnelsim.data"


def _open(name: str) -> resources.abc.Traversable:
    return resources.files(_PACKAGE).joinpath(name)


@functools.cache
def _read_cdnow() -> pd.DataFrame:
    with _open("cdnow.txt.gz").open("rb") as fh:
        raw = pd.read_csv(
            fh,
            compression="gzip",
            sep=r"\s+",
            dtype={
                "customer_id": str,
                "date": str,
                "number_of_cds": np.int64,
                "dollar_value": np.float64,
            },
        )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(str),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "cds": raw["number_of_cds"].to_numpy(np.int64),
            "amount": raw["dollar_value"].to_numpy(np.float64),
        }
    )


def load_cdnow() -> pd.DataFrame:
    """The CDNOW transaction log: every purchase of 23,570 new customers.

    The customers made their first purchase at the online CD retailer CDNOW in
    the first quarter of 1997 and are followed to 30 June 1998 (78 weeks). It
    is the standard public data set of customer-base analysis (Fader, Hardie
    and Lee 2005). See ``datasets/CDNOW.md`` for provenance and quirks.

    Returns
    -------
    DataFrame
        69,659 rows, one per transaction, sorted by customer then date:

        ===========  ==============  ==========================================
        column       dtype           meaning
        ===========  ==============  ==========================================
        customer_id  str             zero-padded id, "00001" to "23570"
        date         datetime64[ns]  day of the purchase (no time of day)
        cds          int64           number of CDs bought, >= 1
        amount       float64         value of the purchase in US dollars, >= 0
        ===========  ==============  ==========================================

        A customer can have several rows on the same day; 80 rows have
        ``amount == 0``.

    Examples
    --------
    >>> from funnelsim.datasets import load_cdnow
    >>> cdnow = load_cdnow()
    >>> len(cdnow), cdnow["customer_id"].nunique()
    (69659, 23570)
    """
    return _read_cdnow().copy()
