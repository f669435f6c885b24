"""The situation report: a :class:`~frontline.diff.ChangeSet` in Markdown words and tables.

What ``frontline diff`` prints by default and :meth:`ChangeSet.to_markdown` returns: areas in
km² with the inferred part beside every total, factions by their labels and names, locations
in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontline.factions import UNKNOWN

if TYPE_CHECKING:
    from frontline.diff import ChangeSet

__all__ = ["md_text", "situation_report"]


def _km2(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) < 0.01:
        return "<0.01"
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.1f}" if abs(v) >= 0.1 else f"{v:,.2f}"


def _pct(v: float) -> str:
    return f"{v:+.1f}".replace("-", "−")


def _signed(v: float) -> str:
    return ("+" if v > 0 else "−" if v < 0 else "±") + _km2(abs(v))


def md_text(text: object) -> str:
    r"""Escape data text for Markdown: ``<``/``>`` (no HTML from a name) and ``|`` (tables).

    Used for every name, place and location written into a Markdown report or table.

    >>> md_text("<b>Red</b> | Blue")
    '\\<b\\>Red\\</b\\> \\| Blue'
    """
    return (
        str(text).replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>").replace("|", "\\|")
    )


def _of_it(inferred: float, total: float) -> str:
    """Words for the inferred part of a total: ", 1,900 of it inferred" (nothing when none)."""
    if not inferred == inferred or inferred < 0.5 or total < 0.5:
        return ""
    if inferred >= total - 0.5:
        return ", all of it inferred"
    return f", {_km2(inferred)} of it inferred"


def situation_report(cs: ChangeSet, max_changes: int = 15, max_places: int = 30) -> str:
    """Write a ChangeSet as a situation report in Markdown.

    Headline (ground that changed hands, per faction gained and lost with the inferred part),
    link-ups and cuts, new pockets, places that changed hands, the balance table, the
    largest changes with their locations in words, front-line lengths, and a note on what
    unknown and inferred ground are. Names and places are escaped for Markdown.

    Parameters
    ----------
    cs : ChangeSet
        The result of :func:`frontline.diff.diff`.
    max_changes, max_places : int
        How many changed pieces and places are listed (the rest are counted).
    """
    sa, sb = cs.snapshot_a or cs.date_a, cs.snapshot_b or cs.date_b
    title = f"# Control changes, {cs.date_a.isoformat()} → {cs.date_b.isoformat()}"
    out = [title + (f" ({md_text(cs.theatre)})" if cs.theatre else ""), ""]
    if (sa, sb) != (cs.date_a, cs.date_b):
        out += [f"_As of those dates: maps of {sa.isoformat()} and {sb.isoformat()}._", ""]
    if cs.is_empty:
        out += ["No ground changed hands.", ""]
    else:
        s = cs.summary.copy()
        s = s[(s.gained_km2 > 0) | (s.lost_km2 > 0)]
        s = s.reindex(s.net_km2.abs().sort_values(ascending=False).index)
        total = float(cs.changes.area_km2.sum())
        inferred = float(cs.changes.inferred_km2.sum()) if "inferred_km2" in cs.changes else 0.0
        out.append(
            f"**{_km2(total)} km² changed hands** in {len(cs.changes)} pieces"
            + (
                f", {_km2(inferred)} km² of it inferred (observed on neither date)."
                if inferred >= 0.5
                else "."
            )
        )
        out.append("")
        for r in s.itertuples(index=False):
            if r.faction == UNKNOWN:
                continue
            bits = []
            if r.gained_km2 >= 0.5 or r.lost_km2 < 0.5:
                bits.append(
                    f"gained {_km2(r.gained_km2)} km²"
                    + _of_it(getattr(r, "gained_inferred_km2", 0.0), r.gained_km2)
                )
            if r.lost_km2 >= 0.5 or not bits:
                bits.append(
                    f"lost {_km2(r.lost_km2)} km²"
                    + _of_it(getattr(r, "lost_inferred_km2", 0.0), r.lost_km2)
                )
            pct = f", {_pct(r.net_pct)} %" if r.net_pct == r.net_pct else ""
            joint = ", and " if any("of it" in b for b in bits) else " and "
            out.append(
                f"- **{md_text(cs.label(r.faction))}** {joint.join(bits)} "
                f"(net {_signed(r.net_km2)} km²{pct})."
            )
        out.append("")
    if len(cs.link_ups):
        out += ["## Link-ups and cuts", ""]
        out += [f"- {md_text(t)}." for t in cs.link_ups["text"]]
        out.append("")
    if cs.encirclements is not None and len(cs.encirclements):
        new = cs.encirclements[cs.encirclements["new"]]
        if len(new):
            out += ["## New pockets", ""]
            out += [f"- {md_text(t)}." for t in new["text"]]
            out.append("")
    if len(cs.places_changed):
        out += ["## Places that changed hands", ""]
        for r in cs.places_changed.head(max_places).itertuples(index=False):
            out.append(
                f"- {md_text(r.name)} ({md_text(r.kind.replace('_', ' '))}): "
                f"{md_text(cs.label(r.from_faction))} → {md_text(cs.label(r.to_faction))}"
                + (" (inferred: no observation near it)" if getattr(r, "inferred", False) else "")
            )
        if len(cs.places_changed) > max_places:
            out.append(f"- … and {len(cs.places_changed) - max_places} more")
        out.append("")
    out += [
        "## Balance",
        "",
        f"| Faction | Held {sa.isoformat()} (km²) | Held {sb.isoformat()} (km²) "
        "| Gained (inferred) | Lost (inferred) | Net | Net % |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in cs.summary.itertuples(index=False):
        held = [_km2(v) if v == v else "–" for v in (r.area_a_km2, r.area_b_km2)]
        pct = _pct(r.net_pct) if r.net_pct == r.net_pct else "–"
        gi = getattr(r, "gained_inferred_km2", 0.0)
        li = getattr(r, "lost_inferred_km2", 0.0)
        out.append(
            f"| {md_text(cs.name(r.faction))} | {held[0]} | {held[1]} "
            f"| {_km2(r.gained_km2)} ({_km2(gi)}) | {_km2(r.lost_km2)} ({_km2(li)}) "
            f"| {_signed(r.net_km2)} | {pct} |"
        )
    out.append("")
    if not cs.is_empty:
        out += [
            "## Largest changes",
            "",
            "| From | To | km² | of it inferred | Where |",
            "|---|---|---:|---:|---|",
        ]
        # pieces under 0.1 km² (digitising slivers) are only counted, not listed
        listed = cs.changes[cs.changes.area_km2 >= 0.1].head(max_changes)
        for r in listed.itertuples(index=False):
            out.append(
                f"| {md_text(cs.name(r.from_faction))} | {md_text(cs.name(r.to_faction))} "
                f"| {_km2(r.area_km2)} | {_km2(getattr(r, 'inferred_km2', 0.0))} "
                f"| {md_text(r.location)} |"
            )
        if len(cs.changes) > len(listed):
            rest = cs.changes.drop(index=listed.index)
            ri = float(rest.inferred_km2.sum()) if "inferred_km2" in rest else 0.0
            out.append(
                f"| … {len(rest)} smaller pieces | | {_km2(float(rest.area_km2.sum()))} "
                f"| {_km2(ri)} | |"
            )
        out.append("")
    if len(cs.front_lines_a) or len(cs.front_lines_b):
        out += [
            "## Front lines",
            "",
            f"| Between | {sa.isoformat()} (km) | {sb.isoformat()} (km) |",
            "|---|---:|---:|",
        ]
        ka = {
            (r.faction_a, r.faction_b): r.length_km
            for r in cs.front_lines_a.itertuples(index=False)
        }
        kb = {
            (r.faction_a, r.faction_b): r.length_km
            for r in cs.front_lines_b.itertuples(index=False)
        }
        for pair in sorted(set(ka) | set(kb)):
            la = f"{ka[pair]:,.0f}" if pair in ka else "–"
            lb = f"{kb[pair]:,.0f}" if pair in kb else "–"
            a, b = md_text(cs.name(pair[0])), md_text(cs.name(pair[1]))
            out.append(f"| {a} – {b} | {la} | {lb} |")
        out.append("")
    out.append(
        "_Areas are geodesic (WGS84). Unknown: ground no faction is recorded as holding. "
        f"Inferred: {cs.inferred}, observed on neither date._"
    )
    return "\n".join(out) + "\n"
