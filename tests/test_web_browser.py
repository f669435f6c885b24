"""The web map in a real browser: Debian's Chromium driven by selenium and its chromedriver.

The site of the hand-made history (tests/webmap_data.py) opens from ``file://`` (without
``--allow-file-access-from-files`` or ``--disable-web-security``) and over a local
``http://127.0.0.1`` server; every request the page makes is recorded from the DevTools
network events and must be ``file:``, ``data:``, ``blob:`` or the local server. The slider,
buttons, keys and date field change the date; a click opens a popup citing the sources; the
URL hash keeps the view; screenshots match baselines within a tolerance (regenerate with
``FRONTLINE_UPDATE_BASELINES=1`` and look at them).

Missing Chromium or chromedriver skips these tests (``apt-get install chromium
chromium-driver``); with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from conftest import assert_matches_baseline, require_service
from webmap_data import write_web_site

pytestmark = pytest.mark.needs("chromium")

#: RMS tolerance of the screenshot comparison (matplotlib's compare_images, 0-255 scale)
TOLERANCE = 8.0
WINDOW = (900, 640)
#: Chromium flags for this machine: no sandbox as root, no GPU, and no background networking
#: (the closed network refuses Chromium's own connections otherwise)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=en-US",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return write_web_site(tmp_path_factory.mktemp("webmap"))


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = require_service("chromium")
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_window_size(*WINDOW)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site.folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


# -- helpers --------------------------------------------------------------------------------------
def requests(drv) -> list[str]:
    """URLs the page requested since the last call (DevTools Network.requestWillBeSent)."""
    urls = []
    for entry in drv.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def open_map(drv, url: str) -> None:
    drv.get("about:blank")
    drv.get(url)
    settle(drv)


def settle(drv) -> None:
    """Wait until the map is ready, fonts are loaded and two frames have been painted."""
    drv.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const wait = () => {
          if (!(window.frontlineMap && window.frontlineMap.ready)) return setTimeout(wait, 20);
          document.fonts.ready.then(() =>
            requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
        };
        wait();
        """
    )


def asof(drv) -> str:
    return drv.find_element("id", "asof").text.splitlines()[0]


def holder(drv, lon: float, lat: float) -> str | None:
    return drv.execute_script(
        "const m = window.frontlineMap, hit = m.groundAt(L.latLng(arguments[1], arguments[0]),"
        " m.state.i);"
        " return hit ? FRONTLINE.meta.keys[FRONTLINE.areas.runs.key[hit.run]][0] : null;",
        lon,
        lat,
    )


def click_lonlat(drv, lon: float, lat: float) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    x, y = drv.execute_script(
        "const p = window.frontlineMap.map.latLngToContainerPoint([arguments[1], arguments[0]]);"
        " return [p.x, p.y];",
        lon,
        lat,
    )
    element = drv.find_element("id", "map")
    size = element.size
    ActionChains(drv).move_to_element_with_offset(
        element, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()


def popup_html(drv) -> str:
    elements = drv.find_elements("css selector", ".leaflet-popup-content")
    assert elements, "no popup opened"
    return elements[0].get_attribute("innerHTML")


def severe_console_errors(drv) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]


# -- loading --------------------------------------------------------------------------------------
def test_opens_from_a_file_without_network(driver, site):
    requests(driver)
    open_map(driver, site.index.as_uri())
    assert asof(driver) == "As of 1 March 2020"
    urls = requests(driver)
    assert any(u.endswith("/data/areas.js") for u in urls)
    assert any(u.endswith("/assets/fonts/DejaVuSans.ttf") for u in urls)
    outside = [u for u in urls if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert outside == [], outside
    assert severe_console_errors(driver) == []
    assert driver.execute_script("return document.fonts.check('12px \"FL DejaVu Sans\"')")


def test_opens_over_a_local_server(driver, server):
    requests(driver)
    open_map(driver, server + "/index.html")
    assert asof(driver) == "As of 1 March 2020"
    urls = requests(driver)
    assert any(u == server + "/data/meta.js" for u in urls)
    outside = [u for u in urls if not u.startswith((server + "/", "data:", "blob:", "about:"))]
    assert outside == [], outside
    assert severe_console_errors(driver) == []


# -- time -----------------------------------------------------------------------------------------
def test_slider_buttons_keys_and_date_field_change_the_date(driver, site):
    from selenium.webdriver.common.keys import Keys

    open_map(driver, site.index.as_uri())
    assert holder(driver, 39.5, 34.0) == "red"
    slider = driver.find_element("id", "slider")
    slider.send_keys(Keys.ARROW_LEFT)
    assert asof(driver) == "As of 1 February 2020"
    assert "date=2020-02-01" in driver.current_url
    slider.send_keys(Keys.ARROW_LEFT)
    assert asof(driver) == "As of 1 January 2020"
    assert holder(driver, 39.5, 34.0) == "black"  # before the Reds' advance
    driver.find_element("id", "last").click()
    assert asof(driver) == "As of 1 March 2020"
    driver.find_element("id", "prev").click()
    assert asof(driver) == "As of 1 February 2020"
    driver.find_element("id", "first").click()
    assert asof(driver) == "As of 1 January 2020"
    driver.find_element("id", "next").click()
    assert asof(driver) == "As of 1 February 2020"
    # arrow keys outside the map step the date
    driver.execute_script("document.activeElement.blur()")
    driver.find_element("tag name", "body").send_keys(Keys.ARROW_RIGHT)
    assert asof(driver) == "As of 1 March 2020"
    driver.find_element("tag name", "body").send_keys(Keys.PAGE_UP)
    assert asof(driver) == "As of 1 February 2020"
    # the date field goes to the snapshot in force on the date typed
    driver.execute_script(
        "const f = document.getElementById('datefield'); f.value = '2020-01-20';"
        " f.dispatchEvent(new Event('change'));"
    )
    assert asof(driver) == "As of 1 January 2020"


def test_play_steps_through_the_dates(driver, site):
    open_map(driver, site.index.as_uri())
    driver.find_element("id", "first").click()
    driver.execute_script("FRONTLINE.meta.play_ms = 50")  # the interval is read when play starts
    driver.find_element("id", "play").click()
    driver.execute_async_script(
        "const done = arguments[0];"
        " const poll = () => window.frontlineMap.state.playing ? setTimeout(poll, 20) : done();"
        " poll();"
    )
    assert asof(driver) == "As of 1 March 2020"
    assert driver.find_element("id", "play").get_attribute("aria-label") == "Play"


def test_changes_since_a_second_date(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-03-01&since=2020-01-01")
    state = driver.execute_script("return window.frontlineMap.state")
    assert state["changes"] and state["cmp"] == 0
    assert state["gains"]["red"] > 0 and state["gains"]["blue"] > 0
    assert state["losses"]["black"] > state["gains"].get("black", 0)
    legend = driver.find_element("id", "legend").text
    assert "Changed hands since 2020-01-01" in legend
    assert "+" in legend and "km²" in legend


# -- popups ---------------------------------------------------------------------------------------
def test_click_on_an_area_shows_holder_since_confidence_and_sources(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-02-01&lat=33.6&lon=40&z=8")
    click_lonlat(driver, 40.1, 33.9)
    html = popup_html(driver)
    assert "Black Banner" in html
    assert "Held since" in html and "1 January 2020" in html
    assert "Confidence" in html and "0.9" in html
    assert 'href="https://example.org/delta"' in html  # the observation's url
    # inferred ground says so
    open_map(driver, site.index.as_uri() + "#date=2020-02-01&lat=33.1&lon=40&z=8")
    click_lonlat(driver, 40.1, 33.0)
    html = popup_html(driver)
    assert "inferred" in html and "Black Banner" in html


def test_click_on_red_ground_taken_later_gives_the_start_of_the_holding(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-03-01&lat=33.9&lon=39.5&z=8")
    click_lonlat(driver, 39.5, 34.0)
    html = popup_html(driver)
    assert "Red Front" in html and "1 February 2020" in html


def test_click_on_a_front_line_names_both_sides_and_its_start(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-03-01&lat=33.9&lon=39.7&z=8")
    click_lonlat(driver, 39.7, 33.9)
    html = popup_html(driver)
    assert "Front line" in html and "Red Front" in html and "Black Banner" in html
    assert "1 February 2020" in html  # the Reds reached this line on the second date


def test_click_on_a_place_names_it_and_its_holder(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-03-01&lat=33.9&lon=38.9&z=8")
    marker = driver.find_element("xpath", "//span[@class='name' and text()='Alpha']")
    marker.click()
    html = popup_html(driver)
    assert "Alpha" in html and "Red Front" in html and "ألفا" in html
    assert 'href="https://example.org/alpha"' in html


def test_arabic_place_names_read_right_to_left(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-03-01&lat=33.9&lon=38.9&z=8&names=ar")
    label = driver.find_element("xpath", "//span[@class='name' and @lang='ar']")
    assert label.text == "ألفا" and label.get_attribute("dir") == "rtl"
    assert driver.execute_script("return getComputedStyle(arguments[0]).direction", label) == "rtl"


# -- the hash, downloads, credits -----------------------------------------------------------------
def test_hash_keeps_date_centre_and_zoom(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-02-01&lat=33.7&lon=39.9&z=8")
    assert asof(driver) == "As of 1 February 2020"
    view = driver.execute_script(
        "const m = window.frontlineMap.map, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]"
    )
    assert view[2] == 8 and abs(view[0] - 33.7) < 0.01 and abs(view[1] - 39.9) < 0.01
    driver.execute_script("window.frontlineMap.map.setView([33.5, 39.0], 8, {animate: false})")
    settle(driver)
    url = driver.current_url
    params = dict(kv.split("=") for kv in url.split("#", 1)[1].split("&"))
    assert params["date"] == "2020-02-01" and params["z"] == "8"
    assert abs(float(params["lat"]) - 33.5) < 0.01 and abs(float(params["lon"]) - 39.0) < 0.01
    open_map(driver, url)  # a link to the view opens the same view
    again = driver.execute_script(
        "const m = window.frontlineMap.map, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]"
    )
    assert (
        abs(again[0] - float(params["lat"])) < 1e-3 and abs(again[1] - float(params["lon"])) < 1e-3
    )
    assert again[2] == 8 and asof(driver) == "As of 1 February 2020"


def test_geojson_of_the_shown_date(driver, site):
    open_map(driver, site.index.as_uri() + "#date=2020-02-01")
    doc = driver.execute_script("return window.frontlineMap.geojson()")
    assert doc["type"] == "FeatureCollection" and doc["date"] == "2020-02-01"
    props = [f["properties"] for f in doc["features"]]
    assert {p["faction"] for p in props} == {"red", "black", "blue", "grey"}
    assert {p["basis"] for p in props} == {"observed", "inferred"}
    assert all(p["date"] == "2020-02-01" and p["held_since"] <= "2020-02-01" for p in props)
    ring = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1]
    requests(driver)
    driver.find_element("id", "download").click()  # a blob: URL, never the network
    outside = [u for u in requests(driver) if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == []


def test_credits_panel(driver, site):
    open_map(driver, site.index.as_uri())
    panel = driver.find_element("id", "credits")
    assert not panel.is_displayed()
    driver.find_element("id", "credits-open").click()
    assert panel.is_displayed()
    text = panel.text
    for name in ("Natural Earth", "GSHHG", "GeoNames", "Leaflet", "BSD-2-Clause", "DejaVu",
                 "CC0 (test data)"):  # fmt: skip
        assert name in text, name
    driver.find_element("id", "credits-close").click()
    assert not panel.is_displayed()
    driver.find_element("id", "credits-link").click()  # the attribution's link opens it too
    assert panel.is_displayed()


# -- screenshots ----------------------------------------------------------------------------------
def _compare_screenshot(drv, name: str, tmp_path: Path) -> None:
    actual = tmp_path / f"{name}.png"
    drv.save_screenshot(str(actual))
    assert_matches_baseline(actual, name, TOLERANCE)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("web_map", "#date=2020-03-01&lat=33.5&lon=39.8&z=7"),
        ("web_changes", "#date=2020-03-01&lat=33.5&lon=39.8&z=7&since=2020-01-01"),
    ],
)
def test_screenshot_matches_baseline(driver, site, tmp_path, name, fragment):
    open_map(driver, site.index.as_uri() + fragment)
    driver.execute_script("document.activeElement.blur()")
    settle(driver)
    _compare_screenshot(driver, name, tmp_path)
