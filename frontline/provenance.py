"""How ground is known: the basis of an area, its sources, and the build's support report.

Every area of a :class:`~frontline.control.ControlSnapshot` carries a *basis*: ``observed``
(within the theatre's ``fill.observed_km`` of an observation that supports it, or drawn by
hand) or ``inferred`` (decided by the fill convention, see :mod:`frontline.fill`), and a list
of *sources* (:func:`parse_sources` reads them as files and layers hold them). A snapshot built
from observations also carries its :class:`Support`: the share of its held land whose
supporting observation is far or old.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from frontline.errors import DataFileError

#: Ground within the theatre's ``fill.observed_km`` of a supporting observation (or drawn).
OBSERVED = "observed"
#: Ground the fill convention gives to the holder of the nearest observed place.
INFERRED = "inferred"
#: The values of a feature's ``basis``, in the order features are written.
BASES = (INFERRED, OBSERVED)


def check_basis(values: Any, label: str) -> list[str]:
    """Return the basis values as str, ``observed`` for missing ones; refuse anything else.

    Raises
    ------
    DataFileError
        When a value is not ``observed`` or ``inferred`` (the message names *label*).

    Examples
    --------
    >>> check_basis(["inferred", None, ""], "test")
    ['inferred', 'observed', 'observed']
    """
    out = []
    for v in values:
        b = OBSERVED if v is None or v != v or str(v).strip() == "" else str(v).strip().lower()
        if b not in BASES:
            raise DataFileError(
                f"{label}: basis {v!r} is neither {OBSERVED!r} nor {INFERRED!r} "
                "(observed: near a supporting observation or drawn; inferred: filled by convention)"
            )
        out.append(b)
    return out


@dataclass(frozen=True)
class Support:
    """How well a snapshot's held land is supported by its observations (from the build).

    Shares are of the land the snapshot gives to factions (``unknown`` excluded), measured in
    the theatre's equal-area projection.

    Attributes
    ----------
    observed_km : float
        Ground within this distance of its supporting observed place is ``observed``.
    far_km : float
        Support farther than this is *far*.
    stale_days : int
        Support older than this many days (before the snapshot date) is *old*.
    far_share : float
        Share of held land more than *far_km* from its supporting observed place.
    stale_share : float
        Share of held land whose supporting observation is older than *stale_days*.
    share : float
        Share of held land whose support is far or old (or both).
    """

    observed_km: float
    far_km: float
    stale_days: int
    far_share: float
    stale_share: float
    share: float

    def to_dict(self) -> dict[str, float | int]:
        """Return the plain, rounded values written to files (keys sorted by json.dumps)."""
        return {
            "far_km": _num(self.far_km),
            "far_share": round(float(self.far_share), 4),
            "observed_km": _num(self.observed_km),
            "share": round(float(self.share), 4),
            "stale_days": int(self.stale_days),
            "stale_share": round(float(self.stale_share), 4),
        }

    @classmethod
    def from_dict(cls, value: Any, label: str = "support") -> Support:
        """Read what :meth:`to_dict` wrote (DataFileError when a value is missing or wrong)."""
        try:
            return cls(
                observed_km=float(value["observed_km"]),
                far_km=float(value["far_km"]),
                stale_days=int(value["stale_days"]),
                far_share=float(value["far_share"]),
                stale_share=float(value["stale_share"]),
                share=float(value["share"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                f"{label}: the support member needs observed_km, far_km, stale_days, far_share, "
                f"stale_share and share ({exc})"
            ) from None

    def text(self) -> str:
        """One line for people: "32 % of held land rests on support > 50 km away or > 90 days old".

        Examples
        --------
        >>> Support(15, 50, 90, 0.2, 0.15, 0.3).text()
        '30 % of held land rests on observations > 50 km away or > 90 days old (far 20 %, old 15 %)'
        """
        return (
            f"{100 * self.share:.0f} % of held land rests on observations > {_num(self.far_km)} km "
            f"away or > {self.stale_days} days old (far {100 * self.far_share:.0f} %, "
            f"old {100 * self.stale_share:.0f} %)"
        )


def _num(v: float) -> float | int:
    f = float(v)
    return int(f) if f == int(f) else round(f, 3)


def parse_sources(value: Any) -> list[str]:
    """Read the list of sources in a ``sources`` value as files and layers hold it.

    Parameters
    ----------
    value : list, str or None
        A list (of anything, turned into str), JSON list text (``'["a", "b"]'``),
        ``|``-separated text (``"a | b"``), or None / NaN / empty text (no sources).

    Returns
    -------
    list of str

    Examples
    --------
    >>> parse_sources('["ISW", "Liveuamap"]'), parse_sources("ISW | BBC"), parse_sources(None)
    (['ISW', 'Liveuamap'], ['ISW', 'BBC'], [])
    """
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return [str(v) for v in json.loads(text)]
            except json.JSONDecodeError:
                pass
        return [s.strip() for s in text.split("|") if s.strip()] if text else []
    return [str(v) for v in value]
