"""News reports as text: HTML stripping, meta tags, the report's date and relative dates.

:func:`read_report` turns a report (plain text or an HTML page) into a :class:`Report`:
the text a reader sees (markup, scripts, menus, footers and "related stories" removed), and
the date, source and URL taken from the page's meta tags when present, else from a date
line in the text ("Published October 17, 2017", "الأحد، 08 أكتوبر 2017").
:func:`find_time_phrases` and :func:`resolve_time_phrase` find and resolve the time words
of a sentence ("on Thursday", "yesterday", "on November 3", "last week", "أمس") against the
report's date: the result never lies after it. The words are data:
``frontline/data/observe.yaml`` (``calendar``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from frontline.names import DATA_DIR

__all__ = [
    "Report",
    "TimePhrase",
    "date_of",
    "find_date_line",
    "find_time_phrases",
    "fold_arabic",
    "read_report",
    "resolve_time_phrase",
    "strip_html",
]

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
     "button", "select", "template", "figure", "figcaption"}
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
     "section", "article", "blockquote", "pre", "table", "dd", "dt", "main", "title"}
)  # fmt: skip
_VOID_TAGS = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "wbr"})
_SKIP_CLASS = re.compile(
    r"related|menu|navbar|\bnav\b|footer|sidebar|share|social|comment|newsletter|advert|\bads?\b"
    r"|promo|breadcrumb|cookie|subscribe|trending|popular|most-read|recommend|outbrain|taboola",
    re.IGNORECASE,
)
_RE_HTML = re.compile(
    r"<\s*(?:!doctype|html|head|body|p|div|meta|article|span|br)\b", re.IGNORECASE
)
_AR_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@dataclass(frozen=True)
class Report:
    """A report's text and what is known about it.

    Attributes
    ----------
    text : str
        The text a reader sees (HTML stripped). Evidence offsets point into it.
    date : datetime.date or None
        The report's date.
    date_source : str or None
        Where the date comes from: ``given``, ``meta`` or ``text`` (a date line).
    source : str
        Outlet, date and title ("Reuters, 2017-10-17, Iraqi forces take Kirkuk").
    url : str
        The report's address, when known.
    title : str
        Its headline, when known.
    """

    text: str
    date: _dt.date | None = None
    date_source: str | None = None
    source: str = ""
    url: str = ""
    title: str = ""


class _Stripper(HTMLParser):
    """Collect visible text and the meta tags of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.in_title = False
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
            return
        if tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag == "title":
            self.in_title = True
        if tag in _VOID_TAGS:
            if tag == "br" and not self.skip_depth:
                self.parts.append("\n")
            return
        skip = tag in _SKIP_TAGS or bool(
            _SKIP_CLASS.search(" ".join((a.get("class", ""), a.get("id", ""), a.get("role", ""))))
        )
        self.stack.append((tag, skip))
        if skip:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS and not self.skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _VOID_TAGS:
            return
        # close up to the matching open tag (HTML in the wild is not always well formed)
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                for _t, skip in self.stack[k:]:
                    if skip:
                        self.skip_depth -= 1
                del self.stack[k:]
                break
        if tag in _BLOCK_TAGS and not self.skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if not self.skip_depth:
            self.parts.append(data)


def strip_html(page: str) -> tuple[str, dict[str, str]]:
    """Return the visible text of an HTML page and its meta tags.

    Scripts, styles, navigation, headers, footers, asides, forms and elements whose class or
    id names a menu, a footer or "related stories" are dropped; block elements end lines.

    Parameters
    ----------
    page : str
        The HTML.

    Returns
    -------
    text : str
        One paragraph per line, spaces collapsed.
    meta : dict of str to str
        Lower-case meta names (``og:title``, ``article:published_time``, ``canonical``,
        ``title`` …) to their content.

    Examples
    --------
    >>> text, meta = strip_html('<html><head><meta property="og:title" content="T">'
    ...     '</head><body><nav>Home</nav><p>Iraqi forces took Anah.</p></body></html>')
    >>> text, meta["og:title"]
    ('Iraqi forces took Anah.', 'T')
    """
    p = _Stripper()
    p.feed(page)
    p.close()
    raw = html.unescape("".join(p.parts))
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    text = "\n".join(line for line in lines if line)
    meta = dict(p.meta)
    if p.title.strip():
        meta.setdefault("title", " ".join(p.title.split()))
    return text, meta


_META_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate",
    "publishdate", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "time",
    "article:modified_time",
)  # fmt: skip
_META_SOURCE_KEYS = ("og:site_name", "application-name", "publisher", "author")
_META_TITLE_KEYS = ("og:title", "twitter:title", "headline", "title")
_META_URL_KEYS = ("og:url", "canonical", "twitter:url")


def read_report(
    raw: str,
    date: _dt.date | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Report:
    r"""Read a report given as plain text or HTML.

    Parameters
    ----------
    raw : str
        The report: text, or an HTML page (detected by its tags).
    date : datetime.date, optional
        The report's date; wins over the page's meta tags and date lines.
    source : str, optional
        "Outlet, date, title"; default: built from the meta tags (site name, date, title).
    url : str, optional
        The report's address; default: the page's ``og:url`` or canonical link.

    Returns
    -------
    Report

    Examples
    --------
    >>> r = read_report("Published October 17, 2017\\nIraqi forces took Kirkuk on Monday.")
    >>> r.date, r.date_source
    (datetime.date(2017, 10, 17), 'text')
    """
    meta: dict[str, str] = {}
    text = raw
    if _RE_HTML.search(raw[:5000]):
        text, meta = strip_html(raw)
    else:
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
    date_source: str | None = "given" if date is not None else None
    if date is None:
        for key in _META_DATE_KEYS:
            d = _iso_prefix(meta.get(key, ""))
            if d is not None:
                date, date_source = d, "meta"
                break
    if date is None:
        d = find_date_line(text)
        if d is not None:
            date, date_source = d, "text"
    title = next((meta[k] for k in _META_TITLE_KEYS if meta.get(k)), "")
    if url is None:
        url = next((meta[k] for k in _META_URL_KEYS if meta.get(k)), "")
    if source is None:
        outlet = next((meta[k] for k in _META_SOURCE_KEYS if meta.get(k)), "")
        bits = [b for b in (outlet, date.isoformat() if date else "", title) if b]
        source = ", ".join(bits) if (outlet or title) else ""
    return Report(
        text=text, date=date, date_source=date_source, source=source, url=url, title=title
    )


def _iso_prefix(value: str) -> _dt.date | None:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def fold_arabic(text: str) -> str:
    """Fold Arabic letter variants (أإآ→ا, ة→ه, ى→ي), drop tatweel and Arabic-Indic digits.

    The result has the same length as *text* (offsets keep their meaning); diacritics are
    kept (patterns allow them).

    Examples
    --------
    >>> fold_arabic("استعادة السيطرة على مدينة الميادين")
    'استعاده السيطره علي مدينه الميادين'
    """
    return text.translate(_FOLD)


_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": " ",
                       **dict(zip("٠١٢٣٤٥٦٧٨٩", "0123456789", strict=True))})  # fmt: skip


@functools.lru_cache(maxsize=1)
def _calendar() -> dict[str, Any]:
    import yaml

    raw = yaml.safe_load((DATA_DIR / "observe.yaml").read_text("utf-8"))["calendar"]
    months = {
        fold_arabic(str(n)).lower(): int(k) for k, names in raw["months"].items() for n in names
    }
    weekdays = {
        fold_arabic(str(n)).lower(): int(k) for k, names in raw["weekdays"].items() for n in names
    }
    relative = [
        (re.compile(r"(?<!\w)(?:" + fold_arabic(r["pattern"]) + r")(?!\w)", re.IGNORECASE),
         int(r["days"]), str(r["precision"]))
        for r in raw["relative"]
    ]  # fmt: skip
    month_alt = "|".join(
        re.escape(m).replace(r"\ ", r"\s+") for m in sorted(months, key=len, reverse=True)
    )
    wd_alt = "|".join(re.escape(w) for w in sorted(weekdays, key=len, reverse=True))
    num = r"(?P<d{0}>\d{{1,2}})(?:st|nd|rd|th)?"
    full = re.compile(
        r"(?<![\w/])(?:"
        + num.format(1) + r"\s*(?:\(\s*)?(?P<m1>" + month_alt
        + r")\.?(?:\s*/\s*\w+(?:\s+\w+)?)?\s*,?\s*(?P<y1>\d{4})?"
        + r"|(?P<m2>" + month_alt + r")\.?\s+" + num.format(2) + r"(?:\s*,\s*|\s+)?(?P<y2>\d{4})?"
        + r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
        + r"|(?P<d4>\d{1,2})[/.-](?P<m4>\d{1,2})[/.-](?P<y4>\d{4})"
        + r")(?!\w)",
        re.IGNORECASE,
    )  # fmt: skip
    weekday = re.compile(
        r"(?<!\w)(?:on\s+|(?P<last>last\s+)|يوم\s+|ليل\s+)?(?:ال)?(?P<wd>" + wd_alt + r")(?!\w)"
        r"(?P<past>\s+(?:الماضي|الفائت|المنصرم))?",
        re.IGNORECASE,
    )
    month_only = re.compile(
        r"(?<!\w)(?:in|since|during|last|في|خلال|منذ)\s+(?:early\s+|mid-?|late\s+|مطلع\s+|منتصف\s+|أواخر\s+)?"
        r"(?P<m>" + month_alt + r")(?:\s+(?P<y>\d{4}))?(?!\w)",
        re.IGNORECASE,
    )
    return {"months": months, "weekdays": weekdays, "relative": relative, "full": full,
            "weekday": weekday, "month_only": month_only}  # fmt: skip


@dataclass(frozen=True)
class TimePhrase:
    """A time expression in a text.

    Attributes
    ----------
    start, end : int
        Offsets in the text.
    kind : str
        ``full`` (day, month and maybe year), ``weekday``, ``relative``, ``month``,
        ``year`` ("in 2014").
    value : tuple
        What was read: (year or None, month, day) for ``full``; (weekday,) for
        ``weekday`` ((weekday, True) for "last Sunday", "السبت الماضي"); (days before,
        precision) for ``relative``; (year or None, month) for ``month``; (year,) for
        ``year``.
    """

    start: int
    end: int
    kind: str
    value: tuple[Any, ...]


def find_time_phrases(text: str) -> list[TimePhrase]:
    """Every time expression of *text*, in text order, without overlaps.

    Examples
    --------
    >>> [(p.kind, p.value) for p in find_time_phrases("Iraqi forces on Thursday took Anah.")]
    [('weekday', (3,))]
    """
    cal = _calendar()
    folded = fold_arabic(text)
    found: list[TimePhrase] = []
    for m in cal["full"].finditer(folded):
        if m.group("m1"):
            y, mo, d = m.group("y1"), cal["months"][_key(m.group("m1"))], m.group("d1")
        elif m.group("m2"):
            y, mo, d = m.group("y2"), cal["months"][_key(m.group("m2"))], m.group("d2")
        elif m.group("y3"):
            y, mo, d = m.group("y3"), int(m.group("m3")), m.group("d3")
        else:
            y, mo, d = m.group("y4"), int(m.group("m4")), m.group("d4")
        if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
            continue
        found.append(
            TimePhrase(m.start(), m.end(), "full", (int(y) if y else None, int(mo), int(d)))
        )
    for m in cal["month_only"].finditer(folded):
        y = m.group("y")
        found.append(
            TimePhrase(
                m.start(),
                m.end(),
                "month",
                (int(y) if y else None, cal["months"][_key(m.group("m"))]),
            )
        )
    for rx, days, precision in cal["relative"]:
        for m in rx.finditer(folded):
            if precision == "year":
                digits = re.findall(r"\d{4}", m.group(0))
                year = int(digits[-1]) if digits else 1  # "منذ العام الفين وأربعة عشر": long ago
                found.append(TimePhrase(m.start(), m.end(), "year", (year,)))
            else:
                found.append(TimePhrase(m.start(), m.end(), "relative", (days, precision)))
    for m in cal["weekday"].finditer(folded):
        wd = cal["weekdays"][_key(m.group("wd"))]
        last = bool(m.group("last") or m.group("past"))  # "last Sunday": never the report's day
        found.append(TimePhrase(m.start(), m.end(), "weekday", (wd, True) if last else (wd,)))
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    out: list[TimePhrase] = []
    for p in found:
        if out and p.start < out[-1].end:
            continue
        # "Friday (September 22nd)", "الخميس 5 أكتوبر": the full date says the same, better
        if out and out[-1].kind in ("weekday", "relative") and p.kind == "full":
            if re.fullmatch(r"[\s,،()\-–]*", folded[out[-1].end : p.start]):
                out[-1] = p
                continue
        out.append(p)
    return out


def _key(word: str) -> str:
    return " ".join(word.lower().split())


def resolve_time_phrase(phrase: TimePhrase, report_date: _dt.date) -> tuple[_dt.date, str] | None:
    """Return the date a time phrase means, never after the report's date, and its precision.

    Parameters
    ----------
    phrase : TimePhrase
    report_date : datetime.date

    Returns
    -------
    (datetime.date, str) or None
        The date and ``day``/``week``/``month`` (``year`` for a bare year: its 1 July, or
        the report's date in the report's year); None when the phrase names a date after
        the report (a plan, not an event).

    Examples
    --------
    >>> import datetime as dt
    >>> p = find_time_phrases("on Thursday")[0]
    >>> resolve_time_phrase(p, dt.date(2017, 9, 22))
    (datetime.date(2017, 9, 21), 'day')
    """
    if phrase.kind == "weekday":
        back = (report_date.weekday() - phrase.value[0]) % 7
        if back == 0 and len(phrase.value) > 1:
            back = 7  # "last Sunday" in a Sunday report
        return report_date - _dt.timedelta(days=back), "day"
    if phrase.kind == "year":
        year = max(phrase.value[0], 1)
        if year > report_date.year:
            return None
        return (report_date if year == report_date.year else _dt.date(year, 7, 1)), "year"
    if phrase.kind == "relative":
        days, precision = phrase.value
        return report_date - _dt.timedelta(days=days), precision
    if phrase.kind == "full":
        y, mo, d = phrase.value
        year = y if y is not None else report_date.year
        try:
            day = _dt.date(year, mo, d)
        except ValueError:
            return None
        if y is None and day > report_date:
            if (day - report_date).days < 92:
                return None  # "on September 30" in a report of 22 September: a plan
            try:
                day = _dt.date(year - 1, mo, d)
            except ValueError:
                return None
        return (day, "day") if day <= report_date else None
    y, mo = phrase.value
    year = y if y is not None else report_date.year
    if y is None and (year, mo) > (report_date.year, report_date.month):
        year -= 1
    day = _dt.date(year, mo, 1)
    if day > report_date:
        return None
    return day, "month"


#: relative clauses and "since …", "in response to …" phrases, up to the next comma
_SUBORDINATE = re.compile(
    r"(?:[,،]\s*(?:which|who|whom|that|where)|\b(?:since|following|in\s+response\s+to)|"
    # a reduced relative clause: "Beit Jinn, captured by Israel during the 1967 war"
    r"[,،]\s*(?:(?:re)?captured|(?:re)?taken|seized|held|controlled|occupied|liberated|overrun|"
    r"lost|located|situated|built|founded|annexed)(?=\s+(?:by|from|in|on|during|after|at|since)\b)|"
    r"(?<![\w])(?:التي|الذي|الذين|منذ|ردا\s+على))(?![\w])[^,.;:،؛\n]*",
    re.IGNORECASE,
)


def date_of(
    phrases: list[TimePhrase],
    folded: str,
    anchor: int,
    clause: tuple[int, int],
    sentence: tuple[int, int],
    report_date: _dt.date,
) -> tuple[_dt.date, str, bool] | None:
    """Return the date of the event told at offset *anchor*.

    The nearest time phrase of its clause, else of its sentence, resolved against the
    report's date.

    A time phrase inside a relative or "since" phrase dates only the verbs inside it ("…,
    which was liberated on 12 August", "since the fall of Saddam in 2003", "…, captured by
    Israel during the 1967 war"), and a verb inside one prefers it. "since X" itself never
    dates an event.

    Parameters
    ----------
    phrases : list of TimePhrase
        The report's time phrases (:func:`find_time_phrases`).
    folded : str
        The report folded by :func:`fold_arabic`.
    anchor : int
        Offset of the words that tell the event.
    clause, sentence : (int, int)
        Offsets of the clause and the sentence around *anchor*.
    report_date : datetime.date

    Returns
    -------
    (datetime.date, str, bool) or None
        The date, its precision and whether the text gives it (False: the report's date);
        None when the nearest phrase names a date after the report.

    Examples
    --------
    >>> import datetime as dt
    >>> t = "Iraqi forces took Anah, which IS had seized in 2014, on Thursday."
    >>> date_of(find_time_phrases(t), t, 13, (0, len(t)), (0, len(t)), dt.date(2017, 9, 22))
    (datetime.date(2017, 9, 21), 'day', True)
    """
    subs = [m.span() for m in _SUBORDINATE.finditer(folded, sentence[0], sentence[1])]
    own = next(((a, b) for a, b in subs if a <= anchor < b), None)
    for lo, hi in (own or clause, clause, sentence):
        cands = [
            p for p in phrases
            if lo <= p.start < hi
            and not re.search(r"(?:since|منذ)\s*$", folded[max(0, p.start - 8) : p.start], re.I)
            and all(not a <= p.start < b or (a, b) == own for a, b in subs)
        ]  # fmt: skip
        if cands:
            p = min(cands, key=lambda p: abs(p.start - anchor))
            r = resolve_time_phrase(p, report_date)
            return None if r is None else (r[0], r[1], True)
    return report_date, "day", False


def find_date_line(text: str, head: int = 600) -> _dt.date | None:
    r"""Return the report's date from a date line near the start of *text* (with a year).

    Looks at the first *head* characters, then at lines that start with "Published",
    "Updated", "Posted" or a weekday.

    Examples
    --------
    >>> find_date_line("BAGHDAD (AP) Published: Nov. 17, 2017\\nIraqi forces...")
    datetime.date(2017, 11, 17)
    >>> find_date_line("الأحد، 08 أكتوبر 2017 08:48 ص")
    datetime.date(2017, 10, 8)
    """
    for p in find_time_phrases(text[:head]):
        if p.kind == "full" and p.value[0] is not None:
            y, mo, d = p.value
            try:
                return _dt.date(y, mo, d)
            except ValueError:
                continue
    return None
