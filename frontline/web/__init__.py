"""The offline web map: a static site with a date slider that opens from a file.

:func:`write_site` writes ``index.html``, the data (as ``<script>`` files, never fetched) and
the assets (Leaflet, frontline's own small script and stylesheet, a font) into a folder that
works from ``file://``, from any static server, or in an iframe. The data model lives in
:mod:`frontline.web.fragments` (area fragments with valid-from/valid-to dates, each unchanged
area stored once) and :mod:`frontline.web.fronts` (front lines the same way).

Examples
--------
>>> from frontline.store import ControlHistory
>>> from frontline.web import write_site
>>> site = write_site(ControlHistory.load("syria-iraq-2017"), "out/site")  # doctest: +SKIP
>>> site.index, site.data_bytes                                             # doctest: +SKIP
"""

from __future__ import annotations

from frontline.web.fragments import Fragment, FragmentHistory, Run, fragment_history
from frontline.web.fronts import FrontPiece, front_history
from frontline.web.site import SiteResult, write_site

__all__ = [
    "Fragment",
    "FragmentHistory",
    "FrontPiece",
    "Run",
    "SiteResult",
    "fragment_history",
    "front_history",
    "write_site",
]
