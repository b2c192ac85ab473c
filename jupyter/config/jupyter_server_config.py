# funnelsim's offline HTML export (see ../funnelsim_export.py); found through JUPYTER_CONFIG_PATH.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from funnelsim_export import configure

configure(c)  # noqa: F821 - `c` is the config object traitlets provides
