"""QGIS layer styles (QML) for frontline's exported layers.

Each function returns the text of a ``.qml`` document that QGIS (3.x, from 3.22 LTS on)
reads as a layer style: faction colours from the registry, symbols per layer kind, labels,
and the layer's *temporal* settings, so that the Temporal Controller animates the history
as soon as the layer is opened. :func:`frontline.export.export_gpkg` stores them in the
GeoPackage's ``layer_styles`` table as each layer's default style; they can also be saved
next to a Shapefile/GeoJSON as ``<layer>.qml``, which QGIS loads automatically.

The documents are deterministic (no timestamps, no random ids): the same registry gives
the same bytes.

Symbol properties are written twice, as QGIS itself does: as an ``<Option type="Map">``
(read by QGIS ≥ 3.10) and as legacy ``<prop k= v=>`` elements (read by older versions).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from frontline.factions import UNKNOWN_COLOUR

if TYPE_CHECKING:
    from frontline.factions import FactionRegistry

#: QGIS version the styles are written for (the LTS of Debian 12); newer versions read them.
QGIS_VERSION = "3.22.16-Białowieża"

#: Temporal modes of QgsVectorLayerTemporalProperties.
TEMPORAL_INSTANT = 1  # ModeFeatureDateTimeInstantFromField
TEMPORAL_START_END = 2  # ModeFeatureDateTimeStartAndEndFromFields

#: Opacity (0–255) of faction fills, so the basemap shows through.
FILL_ALPHA = 150

_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


# -- colours -------------------------------------------------------------------------------------
def qgis_colour(hex_colour: str, alpha: int = 255) -> str:
    """``#rrggbb`` → QGIS ``"r,g,b,a"``.

    Examples
    --------
    >>> qgis_colour("#D55E00", 150)
    '213,94,0,150'
    """
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{int(alpha)}"


def darker(hex_colour: str, factor: float = 0.65) -> str:
    """Scale the colour towards black (outlines of fills).

    Examples
    --------
    >>> darker("#ffffff", 0.5)
    '#808080'
    """
    h = hex_colour.lstrip("#")
    r, g, b = (round(int(h[i : i + 2], 16) * factor) for i in (0, 2, 4))
    return f"#{r:02x}{g:02x}{b:02x}"


# -- building blocks -----------------------------------------------------------------------------
def _options(parent: ET.Element, props: Mapping[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for k in sorted(props):
        ET.SubElement(opt, "Option", type="QString", name=k, value=str(props[k]))
    for k in sorted(props):
        ET.SubElement(parent, "prop", k=k, v=str(props[k]))


def _symbol_layer(parent: ET.Element, cls: str, props: Mapping[str, str]) -> None:
    layer = ET.SubElement(
        parent, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"}
    )
    _options(layer, props)


def fill_symbol(
    name: str,
    colour: str,
    alpha: int = FILL_ALPHA,
    style: str = "solid",
    outline: str | None = None,
    outline_width_mm: float = 0.4,
) -> ET.Element:
    """Build a QGIS fill symbol: *colour* fill (``style`` solid or a hatch, ``b_diagonal``…)."""
    sym = ET.Element("symbol", type="fill", name=name, alpha="1", force_rhr="0", clip_to_extent="1")
    _symbol_layer(
        sym,
        "SimpleFill",
        {
            "color": qgis_colour(colour, alpha),
            "style": style,
            "outline_color": qgis_colour(outline or darker(colour)),
            "outline_style": "solid",
            "outline_width": f"{outline_width_mm:g}",
            "outline_width_unit": "MM",
            "joinstyle": "bevel",
            "offset": "0,0",
            "offset_unit": "MM",
            "border_width_map_unit_scale": "3x:0,0,0,0,0,0",
            "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        },
    )
    return sym


def line_symbol(name: str, colour: str, width_mm: float = 0.8, style: str = "solid") -> ET.Element:
    """Build a QGIS line symbol."""
    sym = ET.Element("symbol", type="line", name=name, alpha="1", force_rhr="0", clip_to_extent="1")
    _symbol_layer(
        sym,
        "SimpleLine",
        {
            "line_color": qgis_colour(colour),
            "line_style": style,
            "line_width": f"{width_mm:g}",
            "line_width_unit": "MM",
            "capstyle": "round",
            "joinstyle": "round",
            "offset": "0",
            "offset_unit": "MM",
            "width_map_unit_scale": "3x:0,0,0,0,0,0",
            "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        },
    )
    return sym


def marker_symbol(
    name: str,
    colour: str,
    shape: str = "circle",
    size_mm: float = 2.0,
    outline: str = "#ffffff",
    outline_width_mm: float = 0.3,
) -> ET.Element:
    """Build a QGIS simple-marker symbol (``shape``: circle, square, triangle, star, cross…)."""
    sym = ET.Element(
        "symbol", type="marker", name=name, alpha="1", force_rhr="0", clip_to_extent="1"
    )
    _symbol_layer(
        sym,
        "SimpleMarker",
        {
            "name": shape,
            "color": qgis_colour(colour),
            "outline_color": qgis_colour(outline),
            "outline_style": "solid",
            "outline_width": f"{outline_width_mm:g}",
            "outline_width_unit": "MM",
            "size": f"{size_mm:g}",
            "size_unit": "MM",
            "angle": "0",
            "joinstyle": "bevel",
            "offset": "0,0",
            "offset_unit": "MM",
            "scale_method": "diameter",
            "horizontal_anchor_point": "1",
            "vertical_anchor_point": "1",
            "size_map_unit_scale": "3x:0,0,0,0,0,0",
            "offset_map_unit_scale": "3x:0,0,0,0,0,0",
            "outline_width_map_unit_scale": "3x:0,0,0,0,0,0",
        },
    )
    return sym


def categorized_renderer(
    attr: str, categories: Sequence[tuple[str, str, ET.Element]]
) -> ET.Element:
    """Build a ``categorizedSymbol`` renderer; *categories* are ``(value, label, symbol)``.

    A category with the value ``""`` catches every other value (QGIS's "all other values").
    """
    r = ET.Element(
        "renderer-v2",
        type="categorizedSymbol",
        attr=attr,
        forceraster="0",
        symbollevels="0",
        enableorderby="0",
        referencescale="-1",
    )
    cats = ET.SubElement(r, "categories")
    syms = ET.SubElement(r, "symbols")
    for i, (value, label, sym) in enumerate(categories):
        ET.SubElement(cats, "category", render="true", symbol=str(i), value=value, label=label)
        sym.set("name", str(i))
        syms.append(sym)
    return r


def single_renderer(sym: ET.Element) -> ET.Element:
    """Build a ``singleSymbol`` renderer."""
    r = ET.Element(
        "renderer-v2",
        type="singleSymbol",
        forceraster="0",
        symbollevels="0",
        enableorderby="0",
        referencescale="-1",
    )
    syms = ET.SubElement(r, "symbols")
    sym.set("name", "0")
    syms.append(sym)
    return r


def temporal(
    mode: int | None, start: str = "", end: str = "", accumulate: bool = False
) -> ET.Element:
    """Build the ``<temporal>`` element: start/end fields (mode 2) or an instant field (mode 1).

    ``limitMode="0"`` means the end is exclusive: a feature with ``valid_to`` = D is no longer
    drawn on D, when the next snapshot (``valid_from`` = D) takes over.
    """
    t = ET.Element(
        "temporal",
        {
            "enabled": "1" if mode else "0",
            "mode": str(mode or 0),
            "startField": start,
            "endField": end,
            "durationField": "",
            "durationUnit": "d",
            "fixedDuration": "0",
            "accumulate": "1" if accumulate else "0",
            "startExpression": "",
            "endExpression": "",
            "limitMode": "0",
        },
    )
    rng = ET.SubElement(t, "fixedRange")
    ET.SubElement(rng, "start").text = ""
    ET.SubElement(rng, "end").text = ""
    return t


def labeling(
    field: str,
    size_pt: float = 8.0,
    colour: str = "#1a1a1a",
    placement: int = 0,
    wrap: int = 0,
    italic: bool = False,
) -> ET.Element:
    """Build simple labels from *field* with a white halo (``placement`` 0: around, 1: over)."""
    lab = ET.Element("labeling", type="simple")
    s = ET.SubElement(lab, "settings", calloutType="simple")
    ts = ET.SubElement(
        s,
        "text-style",
        {
            "fieldName": field,
            "isExpression": "0",
            "fontFamily": "Sans Serif",
            "fontSize": f"{size_pt:g}",
            "fontSizeUnit": "Point",
            "fontItalic": "1" if italic else "0",
            "fontWeight": "50",
            "namedStyle": "Italic" if italic else "Regular",
            "textColor": qgis_colour(colour),
            "textOpacity": "1",
            "multilineHeight": "1",
            "previewBkgrdColor": "255,255,255,255",
        },
    )
    ET.SubElement(
        ts,
        "text-buffer",
        {
            "bufferDraw": "1",
            "bufferSize": "0.8",
            "bufferSizeUnits": "MM",
            "bufferColor": "255,255,255,255",
            "bufferOpacity": "0.85",
            "bufferNoFill": "1",
            "bufferJoinStyle": "128",
        },
    )
    ET.SubElement(
        s,
        "text-format",
        {
            "wrapChar": "",
            "autoWrapLength": str(int(wrap)),
            "useMaxLineLengthForAutoWrap": "1",
            "multilineAlign": "0",
            "plussign": "0",
            "reverseDirectionSymbol": "0",
            "leftDirectionSymbol": "<",
            "rightDirectionSymbol": ">",
            "addDirectionSymbol": "0",
            "formatNumbers": "0",
            "decimals": "3",
        },
    )
    ET.SubElement(
        s,
        "placement",
        {
            "placement": str(placement),
            "dist": "1",
            "distUnits": "MM",
            "quadOffset": "4",
            "priority": "5",
            "offsetType": "0",
            "placementFlags": "10",
        },
    )
    ET.SubElement(
        s,
        "rendering",
        {
            "obstacle": "1",
            "obstacleType": "1",
            "displayAll": "0",
            "upsidedownLabels": "0",
            "limitNumLabels": "0",
            "mergeLines": "0",
            "scaleVisibility": "0",
            "fontLimitPixelSize": "0",
            "labelPerPart": "0",
            "drawLabels": "1",
        },
    )
    return lab


def qml_document(
    renderer: ET.Element,
    temporal_el: ET.Element | None = None,
    labels: ET.Element | None = None,
    display_field: str = "",
    opacity: float = 1.0,
) -> str:
    """Assemble a complete QML document (``<qgis …>``) from its parts."""
    root = ET.Element(
        "qgis",
        {
            "version": QGIS_VERSION,
            "styleCategories": "AllStyleCategories",
            "hasScaleBasedVisibilityFlag": "0",
            "minScale": "100000000",
            "maxScale": "0",
            "readOnly": "0",
            "simplifyDrawingHints": "1",
            "simplifyAlgorithm": "0",
            "simplifyDrawingTol": "1",
            "simplifyLocal": "1",
            "simplifyMaxScale": "1",
            "symbologyReferenceScale": "-1",
            "labelsEnabled": "1" if labels is not None else "0",
        },
    )
    flags = ET.SubElement(root, "flags")
    for k, v in (("Identifiable", "1"), ("Removable", "1"), ("Searchable", "1"), ("Private", "0")):
        ET.SubElement(flags, k).text = v
    root.append(temporal_el if temporal_el is not None else temporal(None))
    root.append(renderer)
    if labels is not None:
        root.append(labels)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = f"{opacity:g}"
    if display_field:
        ET.SubElement(root, "previewExpression").text = f'"{display_field}"'
    symbol = renderer.find("symbols/symbol")
    symbol_type = symbol.get("type", "") if symbol is not None else ""
    ET.SubElement(root, "layerGeometryType").text = {"fill": "2", "line": "1", "marker": "0"}.get(
        symbol_type, "2"
    )
    ET.indent(root, space="  ")
    return _DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


# -- the styles of frontline's layers ------------------------------------------------------------
def _faction_categories(registry: FactionRegistry | None, make, extra: Iterable[str] = ()) -> list:
    cats = []
    seen = set()
    if registry is not None:
        for f in registry:
            cats.append((f.id, f.name, make(f.colour)))
            seen.add(f.id)
    for fid in sorted(set(extra) - seen):
        cats.append(
            (
                fid,
                fid,
                make(
                    registry.colour(fid)
                    if registry is not None and fid in registry
                    else UNKNOWN_COLOUR
                ),
            )
        )
    cats.append(("", "other", make(UNKNOWN_COLOUR)))
    return cats


def control_qml(registry: FactionRegistry | None, factions: Iterable[str] = ()) -> str:
    """Control areas: faction-coloured fills on ``faction``; temporal valid_from/valid_to."""
    cats = _faction_categories(registry, lambda c: fill_symbol("", c), factions)
    return qml_document(
        categorized_renderer("faction", cats),
        temporal(TEMPORAL_START_END, "valid_from", "valid_to"),
        display_field="faction",
    )


def front_lines_qml(registry: FactionRegistry | None = None) -> str:
    """Front lines: a bold dark-red line; temporal valid_from/valid_to."""
    return qml_document(
        single_renderer(line_symbol("", "#b2182b", width_mm=1.0)),
        temporal(TEMPORAL_START_END, "valid_from", "valid_to"),
        display_field="faction_a",
    )


def changes_qml(registry: FactionRegistry | None, factions: Iterable[str] = ()) -> str:
    """Ground that changed hands: hatched in the gainer's colour (categorised on ``to_faction``)."""
    cats = _faction_categories(
        registry,
        lambda c: fill_symbol(
            "", c, alpha=255, style="b_diagonal", outline=c, outline_width_mm=0.5
        ),
        factions,
    )
    return qml_document(
        categorized_renderer("to_faction", cats),
        temporal(TEMPORAL_START_END, "valid_from", "valid_to"),
        display_field="to_faction",
    )


def link_ups_qml(registry: FactionRegistry | None = None) -> str:
    """Link-ups (green star) and cuts (red cross), labelled with the report sentence (``text``)."""
    cats = [
        (
            "link-up",
            "link-up",
            marker_symbol("", "#1a9850", "star", size_mm=5.0, outline="#ffffff"),
        ),
        ("cut", "cut", marker_symbol("", "#d73027", "cross_fill", size_mm=4.0, outline="#ffffff")),
        ("", "other", marker_symbol("", "#4d4d4d", "diamond", size_mm=3.5)),
    ]
    return qml_document(
        categorized_renderer("kind", cats),
        temporal(TEMPORAL_START_END, "valid_from", "valid_to"),
        labeling("text", size_pt=8.5, placement=0, wrap=28),
        display_field="text",
    )


#: gazetteer kind -> (marker shape, size mm, fill colour)
PLACE_MARKERS: dict[str, tuple[str, float, str]] = {
    "capital": ("circle", 3.4, "#000000"),
    "city": ("circle", 2.8, "#1a1a1a"),
    "town": ("circle", 2.0, "#333333"),
    "village": ("circle", 1.4, "#595959"),
    "border_crossing": ("square", 2.6, "#6a3d9a"),
    "military_base": ("triangle", 2.8, "#7f2704"),
}


def gazetteer_qml(registry: FactionRegistry | None = None) -> str:
    """Places: markers by ``kind`` (crossings squares, bases triangles), labelled by ``name``."""
    cats = [
        (k, k.replace("_", " "), marker_symbol("", c, s, size_mm=z))
        for k, (s, z, c) in PLACE_MARKERS.items()
    ]
    cats.append(("", "other", marker_symbol("", "#737373", "circle", size_mm=1.4)))
    return qml_document(
        categorized_renderer("kind", cats), None, labeling("name", size_pt=8), display_field="name"
    )


def observations_qml(registry: FactionRegistry | None, factions: Iterable[str] = ()) -> str:
    """Observations: markers in the faction's colour; temporal on ``date``, accumulating."""
    cats = _faction_categories(
        registry,
        lambda c: marker_symbol(
            "", c, "circle", size_mm=2.4, outline="#000000", outline_width_mm=0.2
        ),
        factions,
    )
    return qml_document(
        categorized_renderer("faction", cats),
        temporal(TEMPORAL_INSTANT, "date", accumulate=True),
        display_field="place",
    )


def places_changed_qml(registry: FactionRegistry | None, factions: Iterable[str] = ()) -> str:
    """Places that changed hands: markers in the new holder's colour (the gazetteer labels them)."""
    cats = _faction_categories(
        registry,
        lambda c: marker_symbol(
            "", c, "circle", size_mm=3.2, outline="#000000", outline_width_mm=0.4
        ),
        factions,
    )
    return qml_document(
        categorized_renderer("to_faction", cats),
        temporal(TEMPORAL_START_END, "valid_from", "valid_to"),
        display_field="name",
    )


def countries_qml(registry: FactionRegistry | None = None) -> str:
    """Country borders: no fill, a grey outline."""
    return qml_document(
        single_renderer(
            fill_symbol("", "#ffffff", alpha=0, style="no", outline="#6e6e6e", outline_width_mm=0.5)
        ),
        None,
        display_field="name",
    )


STYLES: dict[str, Callable[..., str]] = {
    "control": control_qml,
    "front_lines": front_lines_qml,
    "changes": changes_qml,
    "link_ups": link_ups_qml,
    "gazetteer": gazetteer_qml,
    "observations": observations_qml,
    "places_changed": places_changed_qml,
    "countries": countries_qml,
}


def style_for(
    layer: str, registry: FactionRegistry | None = None, factions: Iterable[str] = ()
) -> str | None:
    """Return the QML of one of frontline's layers (None for a layer without a style).

    Parameters
    ----------
    layer : str
        ``control``, ``front_lines``, ``changes``, ``places_changed``, ``link_ups``,
        ``gazetteer``, ``observations`` or ``countries``.
    registry : FactionRegistry, optional
        Faction colours and names; without it, factions are grey.
    factions : iterable of str
        Faction ids present in the data that the registry might not know (get a category too).
    """
    fn = STYLES.get(layer)
    if fn is None:
        return None
    if fn in (control_qml, changes_qml, observations_qml, places_changed_qml):
        return fn(registry, factions)
    return fn(registry)
