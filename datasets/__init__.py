"""Data sets shipped with funnelsim (see the datasheets beside this file)."""
