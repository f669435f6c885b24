"""frontline observe: reports -> proposed observations; the review loop; quality on real reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from observe_eval import claim_set, evaluate

from frontline.actors import find_actors
from frontline.errors import InputError
from frontline.extract import extract_places
from frontline.factions import FactionRegistry
from frontline.observe import PROPOSAL_COLUMNS, extract_observations, propose_observations
from frontline.reports import (
    find_date_line,
    find_time_phrases,
    read_report,
    resolve_time_phrase,
    strip_html,
)
from frontline.review import SOURCE_SEPARATOR, accept_proposals, write_proposals

ISSUE_EXAMPLE = (
    "Iraqi forces on Thursday drove Islamic State militants out of Anah, the military said. "
    "The militants still hold Rawa and Al-Qaim further west, and an attack on army positions "
    "near Akashat was repelled."
)
FRIDAY = dt.date(2017, 9, 22)


def claims(text, gaz, reg, date=FRIDAY):
    return claim_set(text, gaz, reg, date)


def test_issue_example(gaz, reg):
    obs = {
        o.place: o for o in propose_observations(ISSUE_EXAMPLE, gaz, reg, date=FRIDAY).observations
    }
    assert set(obs) == {"anah", "rawa", "al-qaim", "akashat"}
    anah = obs["anah"]
    assert (anah.faction, anah.event, anah.from_faction) == ("isf", "captured", "isis")
    assert anah.date == dt.date(2017, 9, 21) and anah.date_precision == "day"
    assert (obs["rawa"].faction, obs["rawa"].event) == ("isis", "held")
    assert (obs["al-qaim"].faction, obs["al-qaim"].event) == ("isis", "held")
    assert (obs["akashat"].faction, obs["akashat"].event) == ("isf", "held")  # the army, in Iraq
    # evidence: offsets into the text and the sentence
    assert ISSUE_EXAMPLE[anah.place_start : anah.place_end] == "Anah"
    assert ISSUE_EXAMPLE[anah.evidence_start : anah.evidence_end] == anah.evidence
    assert anah.evidence.startswith("Iraqi forces on Thursday")


def test_extract_observations_is_a_geodataframe(gaz, reg):
    gdf = extract_observations(ISSUE_EXAMPLE, gaz, reg, date=FRIDAY)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 4
    assert list(gdf.columns[: len(PROPOSAL_COLUMNS)]) == list(PROPOSAL_COLUMNS)
    assert not gdf["reviewed"].any()
    anah = gdf[gdf["place"] == "anah"].iloc[0]
    assert abs(anah.geometry.x - 41.98) < 0.05 and anah["date"] == dt.date(2017, 9, 21)


def test_no_date_no_proposals(gaz, reg):
    props = propose_observations("Iraqi forces took Anah on Thursday.", gaz, reg)
    assert props.report.date is None and props.observations == []


@pytest.mark.parametrize(
    "text",
    [
        "Iraqi forces failed to take Anah on Thursday.",
        "Iraqi forces launched an offensive to retake Anah.",
        "Iraqi forces are advancing on Al-Qaim.",
        "After retaking Anah, Iraqi forces are expected to advance on Rawa.",
        "لم تدخل القوات العراقية عنه حتى الآن.",
        "انطلقت عملية تحرير عنه من داعش.",
    ],
)
def test_negations_targets_and_plans_are_no_change_of_hands(gaz, reg, text):
    assert not [c for c in claims(text, gaz, reg) if c[2] == "captured"]


def test_facility_words_name_the_facility_not_the_town(gaz, reg):
    # "the Husaybah border post", "منفذ القائم": the crossing by the town, not the town
    text = "Iraqi forces on Thursday regained full control of the Husaybah border post."
    assert claims(text, gaz, reg) == {("al-qaim-crossing", "isf", "captured")}
    text = "وسيطرت القوات العراقية أمس على منفذ القائم الحدودي."
    assert claims(text, gaz, reg) == {("al-qaim-crossing", "isf", "captured")}
    # a dam the gazetteer has is the dam; one it lacks is no claim about the town
    assert claims("The SDF captured the Tabqa dam on Thursday.", gaz, reg) == {
        ("tabqa-dam", "sdf", "captured")
    }
    assert claims("Iraqi forces captured the Haditha dam on Thursday.", gaz, reg) == set()


def test_a_facility_named_later_in_the_report(gaz, reg):
    text = (
        "The Iraqi military says it has captured a border crossing with Syria from the Islamic "
        "State group. Tribal forces took part in the operation to take the al-Waleed crossing."
    )
    assert ("al-walid-crossing", "isf", "captured") in claims(text, gaz, reg)


def test_entered_is_contested_unless_the_place_was_given_up(gaz, reg):
    fought = "Iraqi forces entered Sinjar on Thursday amid heavy clashes."
    assert claims(fought, gaz, reg) == {("sinjar", "unknown", "contested")}
    given = "The Peshmerga withdrew overnight. Iraqi forces entered Sinjar on Thursday."
    assert ("sinjar", "isf", "captured") in claims(given, gaz, reg)
    flag = "Iraqi forces entered Sinjar on Thursday and raised the Iraqi flag over its buildings."
    assert claims(flag, gaz, reg) == {("sinjar", "isf", "captured")}


def test_a_target_taken_from_someone_says_who_holds_it(gaz, reg):
    text = "Syrian government forces are struggling to retake the city of al-Qaryatayn from ISIS."
    assert claims(text, gaz, reg, date=FRIDAY) == {("al-qaryatayn", "isis", "held")}
    text = "A Kurdish force expects to capture Islamic State's de facto capital of Raqqa."
    assert claims(text, gaz, reg) == {("raqqa", "isis", "held")}
    text = "There was street fighting in the last Islamic State stronghold of Rawa on Thursday."
    assert claims(text, gaz, reg) == {("rawa", "unknown", "contested")}


def test_lists_with_names_the_gazetteer_lacks(gaz, reg):
    text = (
        "وأعلنت القوات العراقية السيطرة على خانقين وجلولاء في ديالى… "
        "وعلى قضاء مخمور وبعشيقة وقضاء سنجار."
    )
    got = {c[0] for c in claims(text, gaz, reg) if c[1:] == ("isf", "captured")}
    assert {"bashiqa", "sinjar"} <= got
    text = "Iraqi forces retook Khanaqin, Jalawla in Diyala, Bashiqa and Sinjar on Thursday."
    got = {c[0] for c in claims(text, gaz, reg) if c[1:] == ("isf", "captured")}
    assert {"bashiqa", "sinjar"} <= got


def test_where_clause_and_relative_phrases(gaz, reg):
    text = (
        "Mayadeen lies south of Deir Ezzor city, where Syrian forces are trying to oust the "
        "militants from a small pocket they still control."
    )
    assert ("deir-ez-zor", "unknown", "contested") in claims(text, gaz, reg)
    text = "Tabqa lies 55 kilometres west of Raqqa city, the de facto capital of IS in Syria."
    assert claims(text, gaz, reg) == {("raqqa", "isis", "held")}
    text = "Iraqi forces entered Rawa. Officials then said forces had taken control of the town."
    assert ("rawa", "isf", "captured") in claims(text, gaz, reg)


def test_attribution_lowers_confidence(gaz, reg):
    plain = propose_observations("Iraqi forces took Anah on Thursday.", gaz, reg, date=FRIDAY)
    said = propose_observations(
        "Iraqi forces reportedly took Anah on Thursday.", gaz, reg, date=FRIDAY
    )
    assert said.observations[0].confidence < plain.observations[0].confidence


def test_relative_days_never_after_the_report(gaz, reg):
    for text, day, precision in [
        ("Iraqi forces took Anah yesterday.", dt.date(2017, 9, 21), "day"),
        ("Iraqi forces took Anah on Friday.", dt.date(2017, 9, 22), "day"),
        ("Iraqi forces took Anah last week.", dt.date(2017, 9, 15), "week"),
        ("Iraqi forces took Anah on September 30.", None, None),  # after the report: no claim
    ]:
        obs = propose_observations(text, gaz, reg, date=FRIDAY).observations
        if day is None:
            assert obs == []
        else:
            assert (obs[0].date, obs[0].date_precision) == (day, precision)
            assert obs[0].date <= FRIDAY


def test_arabic_report(gaz, reg):
    text = (
        "استعاد الجيش العراقي أمس (الجمعة)، قضاء راوة بالكامل من قبضة «داعش»، "
        "ورفع العلم العراقي فوق مبانيه."
    )
    [o] = propose_observations(text, gaz, reg, date=dt.date(2017, 11, 18)).observations
    assert (o.place, o.faction, o.event, o.from_faction, o.date) == (
        "rawa",
        "isf",
        "captured",
        "isis",
        dt.date(2017, 11, 17),
    )


def test_actors_from_the_registry(reg):
    got = [
        (a.text, a.resolve("IQ"))
        for a in find_actors(
            "IS fighters, Daesh, the militants, the army, PMU, قسد and the Peshmerga; this is it",
            reg,
        )
    ]
    assert ("IS", "isis") in got and ("Daesh", "isis") in got and ("the militants", "isis") in got
    assert ("the army", "isf") in got and ("PMU", "pmu") in got and ("قسد", "sdf") in got
    assert not any(t.lower() == "is" and t != "IS" for t, _ in got)  # "this is it": no IS
    # the same generic word is another faction in another country
    [army] = [a for a in find_actors("the army", reg)]
    assert army.resolve("SY") == "syrian-government" and army.resolve("IQ") == "isf"


def test_a_new_faction_alias_is_used_without_code_changes(reg, tmp_path, gaz):
    import yaml

    raw = (
        yaml.safe_load(open(reg.source, encoding="utf-8")) if getattr(reg, "source", None) else None
    )
    if raw is None:
        pytest.skip("registry has no source file")
    raw["factions"].append(  # a faction the shipped registry does not have
        {
            "id": "desert-hawks",
            "name": "Desert Hawks Brigade",
            "short_name": "Desert Hawks",
            "aliases": ["Desert Hawks", "Desert Hawks Brigade"],
            "colour": "#000000",
            "side": "syria-axis",
        }
    )
    reg2 = FactionRegistry.from_mapping(raw)
    obs = propose_observations(
        "The Desert Hawks Brigade seized Palmyra on Friday.", gaz, reg2, date=FRIDAY
    ).observations
    assert [(o.place, o.faction) for o in obs] == [("palmyra", "desert-hawks")]


def test_media_names_are_not_places(gaz, reg):
    text = "Al Mayadeen TV said the army took Anah on Thursday, and Amaq denied it."
    assert {c[0] for c in claims(text, gaz, reg)} <= {"anah"}


def test_html_meta_and_menus(gaz, reg):
    page = (
        '<html><head><meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2017-09-22T10:00:00Z">'
        '<meta property="og:title" content="Iraqi forces retake Anah">'
        '<meta property="og:url" content="https://example.org/anah"></head><body>'
        '<nav><a>Home</a> <a>Mosul</a></nav><div class="related-stories">Kurds take Kirkuk</div>'
        "<article><p>Iraqi forces on Thursday drove Islamic State militants out of Anah.</p>"
        "</article>"
        "<footer>Raqqa, Palmyra</footer></body></html>"
    )
    r = read_report(page)
    assert r.date == FRIDAY and r.date_source == "meta" and r.url == "https://example.org/anah"
    assert r.source == "Example News, 2017-09-22, Iraqi forces retake Anah"
    assert "Kirkuk" not in r.text and "Palmyra" not in r.text and "Home" not in r.text
    [o] = propose_observations(page, gaz, reg).observations
    assert (o.place, o.date, o.url) == ("anah", dt.date(2017, 9, 21), "https://example.org/anah")
    assert r.text[o.place_start : o.place_end] == "Anah"


def test_date_lines_and_time_phrases():
    assert find_date_line("Published October 17, 2017\nIraqi forces...") == dt.date(2017, 10, 17)
    assert find_date_line("الأحد، 08 أكتوبر 2017 08:48 ص") == dt.date(2017, 10, 8)
    assert find_date_line("١٦ سبتمبر ٢٠١٧") == dt.date(2017, 9, 16)
    [p] = find_time_phrases("almost a year ago")
    day, precision = resolve_time_phrase(p, FRIDAY)
    assert precision == "month" and day < FRIDAY
    [p] = find_time_phrases("since it captured Bakhmut last May")
    assert resolve_time_phrase(p, dt.date(2024, 2, 17)) == (dt.date(2023, 5, 1), "month")
    text, meta = strip_html("<p>a<script>x()</script>b</p>")
    assert text == "ab" and meta == {}


def test_places_keeps_the_anchor_of_a_relative_phrase(gaz):
    ms = extract_places("Troops advanced west of Mosul.", gaz, anchors=True)
    assert [(m.place.id, m.relation) for m in ms] == [("mosul", "direction"), ("mosul", "anchor")]
    assert (ms[1].lon, ms[1].lat) == (ms[1].place.lon, ms[1].place.lat)
    ms = extract_places("fighting between Damascus and Baghdad", gaz, anchors=True)
    assert [(m.place.id, m.relation) for m in ms if m.relation == "anchor"] == [
        ("damascus", "anchor"),
        ("baghdad", "anchor"),
    ]
    assert [m.relation for m in extract_places("west of Mosul", gaz)] == [
        "direction"
    ]  # default unchanged


def test_unresolved_places_are_listed_with_suggestions(gaz, reg):
    props = propose_observations(
        "Iraqi forces on Thursday freed the village of Imam Gharbi from IS militants.",
        gaz,
        reg,
        date=FRIDAY,
    )
    assert "Imam Gharbi" in dict(props.unresolved_places)


# ---- review loop ---------------------------------------------------------------------------


def _proposals(gaz, reg, tmp_path, text, source, name="p.csv"):
    obs = propose_observations(text, gaz, reg, date=FRIDAY, source=source).observations
    path = tmp_path / name
    write_proposals(obs, path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    for r in rows:
        r["reviewed"] = "true"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def test_accept_appends_merges_and_reports_conflicts(gaz, reg, tmp_path):
    obs_file = tmp_path / "obs.csv"
    obs_file.write_text(
        'date,place,faction,source,confidence,note\n2017-09-22,rawa,isis,"Old report",0.80,kept\n',
        "utf-8",
    )
    a = _proposals(gaz, reg, tmp_path, ISSUE_EXAMPLE, "Outlet A, 2017-09-22, Anah retaken", "a.csv")
    res = accept_proposals(a, obs_file, reg, gaz)
    assert {r["place"] for r in res.appended} == {"anah", "al-qaim", "akashat"}
    assert [m for m in res.merged if "rawa" in m]  # same date, place and faction: a second source
    text = obs_file.read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rawa = next(r for r in rows if r["place"] == "rawa")
    assert rawa["source"] == "Old report" + SOURCE_SEPARATOR + "Outlet A, 2017-09-22, Anah retaken"
    assert rawa["note"] == "kept" and {
        "event",
        "from_faction",
        "url",
        "evidence",
        "reviewed",
    } <= set(rows[0])
    # a second outlet reporting the same capture: merged into the same row
    b = _proposals(
        gaz,
        reg,
        tmp_path,
        "Iraqi forces on Thursday took Anah from IS.",
        "Outlet B, 2017-09-22, Anah",
        "b.csv",
    )
    res = accept_proposals(b, obs_file, reg, gaz)
    assert not res.appended and res.merged
    anah = [
        r for r in csv.DictReader(io.StringIO(obs_file.read_text("utf-8"))) if r["place"] == "anah"
    ]
    assert len(anah) == 1 and "Outlet B" in anah[0]["source"] and "Outlet A" in anah[0]["source"]
    # a report giving Anah to another faction on the same day: reported, not written
    c = _proposals(
        gaz,
        reg,
        tmp_path,
        "Islamic State on Thursday recaptured Anah from Iraqi forces.",
        "Outlet C",
        "c.csv",
    )
    before = obs_file.read_bytes()
    res = accept_proposals(c, obs_file, reg, gaz)
    assert res.conflicts and "anah" in res.conflicts[0] and obs_file.read_bytes() == before


def test_accept_skips_unreviewed_and_checks_rows(gaz, reg, tmp_path):
    obs_file = tmp_path / "obs.csv"
    p = tmp_path / "p.csv"
    write_proposals(
        propose_observations(ISSUE_EXAMPLE, gaz, reg, date=FRIDAY, source="S").observations, p
    )
    res = accept_proposals(p, obs_file, reg, gaz)
    assert res.unreviewed == 4 and not res.appended and not obs_file.exists()
    bad = p.read_text("utf-8").replace(",isf,", ",nobody,", 1).replace("false", "true")
    p.write_text(bad, "utf-8")
    with pytest.raises(InputError, match="nobody"):
        accept_proposals(p, obs_file, reg, gaz)


def test_accepted_rows_read_back_as_observations(gaz, reg, tmp_path):
    from frontline.observations import read_observations

    obs_file = tmp_path / "obs.csv"
    accept_proposals(_proposals(gaz, reg, tmp_path, ISSUE_EXAMPLE, "Outlet A"), obs_file, reg, gaz)
    gdf = read_observations(obs_file, reg, gaz)
    assert set(gdf["place_id"]) == {"anah", "rawa", "al-qaim", "akashat"}


# ---- CLI -----------------------------------------------------------------------------------


def test_cli_observe_formats_and_accept(cli_runner, tmp_path):
    from frontline.cli import cli

    report = tmp_path / "r.txt"
    report.write_text(ISSUE_EXAMPLE, "utf-8")
    r = cli_runner.invoke(cli, ["observe", str(report), "--date", "2017-09-22", "--format", "json"])
    assert r.exit_code == 0, r.output
    [doc] = json.loads(r.stdout)
    assert {o["place"] for o in doc["observations"]} == {"anah", "rawa", "al-qaim", "akashat"}
    r = cli_runner.invoke(cli, ["observe", str(report), "--date", "2017-09-22", "--format", "md"])
    assert r.exit_code == 0 and r.stdout.startswith("| date | place |")
    r = cli_runner.invoke(cli, ["observe", str(report), "--show-text"])
    assert ISSUE_EXAMPLE in r.stdout
    out = tmp_path / "p.csv"
    r = cli_runner.invoke(cli, ["observe", str(report), "--date", "2017-09-22", "--out", str(out)])
    assert r.exit_code == 0 and out.read_text("utf-8").startswith("date,place,faction,event")
    r = cli_runner.invoke(cli, ["observe", str(report), "--date", "2017-09-22", "--out", str(out)])
    assert r.exit_code == 2  # refuses to overwrite
    r = cli_runner.invoke(cli, ["observe"])
    assert r.exit_code == 2
    r = cli_runner.invoke(cli, ["observe", str(report), "--date", "2017-13-01"])
    assert r.exit_code == 2


def test_cli_accept_writes_the_theatres_observations(cli_runner, tmp_path, gaz, reg):
    import shutil

    from frontline.cli import cli
    from frontline.theatre import resolve_data_dir

    data = tmp_path / "data"
    shutil.copytree(resolve_data_dir(), data, ignore=shutil.ignore_patterns("control"))
    # the shipped theatre keeps a folder of observation files: --into names the one to append to
    obs_file = data / "observations" / "syria-iraq-2017" / "iraq.csv"
    before = obs_file.read_text("utf-8")
    p = _proposals(
        gaz, reg, tmp_path, "Iraqi forces on Thursday took Hit from IS.", "Outlet X, 2017-09-22"
    )
    r = cli_runner.invoke(cli, ["observe", "--accept", str(p), "--data", str(data)])
    assert r.exit_code == 2 and "--into" in r.output
    r = cli_runner.invoke(
        cli, ["observe", "--accept", str(p), "--data", str(data), "--into", "../x"]
    )
    assert r.exit_code == 2
    r = cli_runner.invoke(
        cli, ["observe", "--accept", str(p), "--data", str(data), "--into", "iraq.csv"]
    )
    assert r.exit_code == 0, r.output
    after = obs_file.read_text("utf-8")
    assert len(after.splitlines()) == len(before.splitlines()) + 1 and "Outlet X" in after
    c = _proposals(
        gaz, reg, tmp_path, "IS on Thursday took Hit from Iraqi forces.", "Outlet Y", "c.csv"
    )
    r = cli_runner.invoke(
        cli, ["observe", "--accept", str(c), "--data", str(data), "--into", "iraq"]
    )
    assert r.exit_code == 3 and "conflict" in r.output


# ---- quality on real reports (tests/data/reports) --------------------------------------------

#: Measured on the round-8 held-out reports (see tests/data/reports/MEASUREMENTS.md; first,
#: blind run of the round-7 extractor: English precision 0.57, recall 0.53; Arabic 0.86, 0.48,
#: on 30 and 25 counted labels; the round-6 extractor scored 0.55/0.57 and 0.87/0.52 on the
#: same set); a regression below these fails. The issue's target (precision 0.9, recall 0.8)
#: is the xfail test below.
FLOORS = {"en": (0.55, 0.5), "ar": (0.8, 0.45)}


@pytest.fixture(scope="module")
def heldout(gaz, reg):
    return evaluate("heldout", gaz, reg)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_heldout_quality_does_not_regress(heldout, lang):
    s = heldout[lang]
    p, r = FLOORS[lang]
    assert s.precision >= p and s.recall >= r, (s.precision, s.recall, s.errors)
    # matched claims have the right kind but for about one in five (round 8: 15 of 16 English,
    # 12 of 12 Arabic), and the right date (+-1 day) but for one in ten (16/16, 11/12)
    assert s.event_ok >= 0.8 * s.tp and s.date_ok >= 0.9 * s.tp, s.errors


@pytest.mark.xfail(
    reason=(
        "issue 13 target (precision 0.9, recall 0.8 on the held-out part) not reached: first "
        "blind run on the round-8 held-out set EN 0.57/0.53, AR 0.86/0.48 "
        "(tests/data/reports/MEASUREMENTS.md)"
    ),
    strict=False,
)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_heldout_quality_target(heldout, lang):
    s = heldout[lang]
    assert s.precision >= 0.9 and s.recall >= 0.8


#: Measured on dev.yaml in round 7 (301 reports: the round-1 to round-7 held-out sets and the
#: development reports) with the round-7 extractor: English precision 0.90, recall 0.79; Arabic
#: 0.78, 0.76 (the round-6 and round-7 held-out sets were added this round: English 0.65/0.57
#: and 0.75/0.67, Arabic 0.40/0.55 and 0.19/0.33; rounds 1-5 as in round 6, the round-5 part
#: English 0.79/0.68); set a little under that, a regression fails.
DEV_FLOORS = {"en": (0.89, 0.77), "ar": (0.77, 0.74)}


def test_dev_quality(gaz, reg):
    s = evaluate("dev", gaz, reg)
    for lang in ("en", "ar"):
        p, r = DEV_FLOORS[lang]
        assert s[lang].precision >= p and s[lang].recall >= r, (lang, s[lang].errors)


def test_cli_places_anchors(cli_runner):
    from frontline.cli import cli

    r = cli_runner.invoke(cli, ["places", "-", "--anchors", "--json"], input="10 km west of Mosul")
    assert r.exit_code == 0, r.output
    assert [m["relation"] for m in json.loads(r.stdout)] == ["offset", "anchor"]
