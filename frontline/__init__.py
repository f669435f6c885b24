"""frontline: track who controls what ground in an armed conflict, day by day.

The package is a library first; the ``frontline`` command line is a thin layer over it.
Submodules are imported on demand so that ``import frontline`` stays cheap::

    >>> import frontline
    >>> frontline.__version__
    '0.1.0'
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
