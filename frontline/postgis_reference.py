"""Reference data in a PostGIS store: places and observations, for QGIS and SQL users.

frontline itself reads places and observations from the data directory; these tables are copies
kept beside ``control_areas`` so a QGIS project or a SQL query sees them too.
:func:`push_reference_data` reads a data directory and calls :func:`write_reference_data`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from frontline.errors import DataFileError, StoreError, UnknownPlaceError
from frontline.factions import FactionRegistry
from frontline.gazetteer import Gazetteer
from frontline.observations import read_observations
from frontline.places import Place, read_places_csv
from frontline.postgis_schema import psycopg_module, redact
from frontline.theatre import Theatre, resolve_data_dir

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from frontline.postgis import PostGISHistory


def write_reference_data(
    history: PostGISHistory,
    places: Iterable[Place],
    observations: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Write places and observations into the store's ``places`` and ``observations`` tables.

    Places are upserted by id; when *observations* are given they replace the theatre's
    observations stored before. Both tables are for QGIS and SQL users; frontline itself
    reads these files from the data directory. :func:`push_reference_data` reads a data
    directory's gazetteer and observations and calls this.

    Parameters
    ----------
    history : PostGISHistory
        The store and theatre written to.
    places : iterable of Place
        The places (:class:`frontline.places.Place`).
    observations : GeoDataFrame, optional
        Observations as :func:`frontline.observations.read_observations` returns them (columns
        ``date``, ``place_id``, ``faction``, ``source``, ``confidence``, ``note``, Point
        geometry).

    Returns
    -------
    dict
        ``{"places": n, "observations": m}`` rows written.

    Raises
    ------
    StoreError
        When the database refuses the rows (nothing is written).
    """
    obs = observations
    plist = sorted(places, key=lambda p: p.id)
    psycopg = psycopg_module()
    conn = history.conn
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT set_config('frontline.author', %s, true)", (history.author or "",))
            cur.execute(
                "INSERT INTO places "
                "(id, name, alt_names, kind, country, precision_m, source, "
                "population, importance, geom) "
                "SELECT u.id, u.name, ARRAY(SELECT jsonb_array_elements_text(u.alt::jsonb)), "
                "u.kind, u.country, u.prec, u.source, u.pop, u.imp, "
                "ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                "%s::float8[], %s::text[], %s::bigint[], %s::float8[], %s::float8[], %s::float8[]) "
                "AS u(id, name, alt, kind, country, prec, source, pop, imp, lon, lat) "
                "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
                "alt_names = EXCLUDED.alt_names, "
                "kind = EXCLUDED.kind, country = EXCLUDED.country, "
                "precision_m = EXCLUDED.precision_m, "
                "source = EXCLUDED.source, population = EXCLUDED.population, "
                "importance = EXCLUDED.importance, "
                "geom = EXCLUDED.geom",
                (
                    [p.id for p in plist],
                    [p.name for p in plist],
                    [json.dumps(list(p.alt_names), ensure_ascii=False) for p in plist],
                    [p.kind for p in plist],
                    [p.country for p in plist],
                    [float(p.precision_m) for p in plist],
                    [p.source for p in plist],
                    [p.population for p in plist],
                    [float(p.importance) for p in plist],
                    [float(p.lon) for p in plist],
                    [float(p.lat) for p in plist],
                ),
            )
            n_obs = 0
            if obs is not None:
                cur.execute("DELETE FROM observations WHERE theatre = %s", (history.theatre_id,))
                n_obs = len(obs)
                cur.execute(
                    "INSERT INTO observations "
                    "(theatre, date, place, faction, source, confidence, note, geom, "
                    "display_name) "
                    "SELECT %s, u.d, u.p, u.f, u.s, u.c, u.n, "
                    "ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), %s "
                    "FROM unnest(%s::date[], %s::text[], %s::text[], %s::text[], %s::float8[], "
                    "%s::text[], "
                    "%s::float8[], %s::float8[]) AS u(d, p, f, s, c, n, lon, lat)",
                    (
                        history.theatre_id,
                        history.author,
                        list(obs["date"]),
                        [str(v) for v in obs["place_id"]],
                        [str(v) for v in obs["faction"]],
                        [str(v) for v in obs["source"]],
                        [float(v) for v in obs["confidence"]],
                        [str(v) if isinstance(v, str) else "" for v in obs["note"]],
                        [float(v) for v in obs.geometry.x],
                        [float(v) for v in obs.geometry.y],
                    ),
                )
    except psycopg.errors.InsufficientPrivilege as exc:
        raise history.denied(exc, "write") from None
    except psycopg.Error as exc:
        raise StoreError(
            f"{redact(history.url)}: copying places and observations failed, so nothing was "
            f"written: {str(exc).strip()}"
        ) from None
    return {"places": len(plist), "observations": n_obs}


def reference_data(
    theatre: Theatre,
    registry: FactionRegistry | None,
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[list[Place], gpd.GeoDataFrame | None]:
    """Read the curated places and the observations of a theatre, as a shared store keeps them.

    Parameters
    ----------
    theatre : Theatre
    registry : FactionRegistry, optional
        Needed to read the observations (without it there are none).
    data_dir : path-like, optional
        Data directory (default: the theatre's).

    Returns
    -------
    (list of Place, GeoDataFrame or None)
        The curated places of ``<data>/gazetteer/places.csv`` plus every GeoNames place an
        observation names, sorted by id; and the observations as
        :func:`frontline.observations.read_observations` reads them (None when the theatre has no
        observations file).

    Raises
    ------
    DataFileError
        When the observations file has problems.
    """
    root = resolve_data_dir(data_dir if data_dir is not None else theatre.data_dir)
    csv = root / "gazetteer" / "places.csv"
    places = {p.id: p for p in read_places_csv(csv)} if csv.is_file() else {}
    obs = None
    if theatre.observations_path.exists() and registry is not None:
        path = theatre.observations_path
        try:
            curated = Gazetteer.load(root, theatre, bulk=False)
            obs = read_observations(path, registry, curated, theatre)
        except DataFileError:  # places from the GeoNames layer
            gaz = Gazetteer.load(root, theatre)
            obs = read_observations(path, registry, gaz, theatre)
            for pid in sorted(set(obs["place_id"])):
                try:
                    places.setdefault(pid, gaz.get(pid))
                except UnknownPlaceError:  # a derived point (relative phrase): kept in observations
                    continue
    return sorted(places.values(), key=lambda p: p.id), obs


def push_reference_data(
    history: PostGISHistory, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, int]:
    """Copy the curated places and the theatre's observations into a PostGIS store.

    Places are upserted by id (curated rows of ``<data>/gazetteer/places.csv`` plus every place
    an observation names); the theatre's observations replace those stored before. Both
    tables are for QGIS and SQL users; frontline itself reads these files from the data
    directory. (Moved here from ``frontline.backends``, which opens stores only, so that
    opening a history does not import the observations reader.)

    Returns
    -------
    dict
        ``{"places": n, "observations": m}`` rows written.

    Raises
    ------
    DataFileError
        When the observations file has problems (as
        :func:`frontline.observations.read_observations`).
    """
    if history.theatre is None:
        root = resolve_data_dir(data_dir)
        csv = root / "gazetteer" / "places.csv"
        places = read_places_csv(csv) if csv.is_file() else []
        return write_reference_data(history, places, None)
    places, obs = reference_data(history.theatre, history.registry, data_dir)
    return write_reference_data(history, places, obs)
