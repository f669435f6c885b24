/* frontline web map: who held which ground on each date of a control history.
 *
 * Copied by frontline's site writer (frontline/web/site.py) beside the data files, which
 * fill window.FRONTLINE (meta, areas, fronts, basemap, places, sources) before this script
 * runs. Nothing is fetched: the page works from file:// and from any static server.
 *
 * Areas are fragments that never split again, each with the runs of its holders
 * (valid from / valid to, as indexes into meta.dates), so showing a date and comparing two
 * dates never clips polygons here. Sections: data decoding, time model, map layers,
 * hit testing and popups, legend, time controls, URL hash, GeoJSON download, credits.
 */
(function () {
  "use strict";

  var FL = window.FRONTLINE;
  var meta = FL.meta;
  var SCALE = Math.pow(10, meta.precision);
  var DATES = meta.dates;
  var N = DATES.length;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  // -- helpers ----------------------------------------------------------------------------------
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function longDate(iso) {
    var p = iso.split("-");
    return (+p[2]) + " " + MONTHS[+p[1] - 1] + " " + p[0];
  }
  function km2(v) {
    return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") + " km²";
  }
  function el(id) { return document.getElementById(id); }
  var factionById = {};
  meta.factions.forEach(function (f) { factionById[f.id] = f; });
  function faction(id) {
    return factionById[id] || {id: id, name: id, short_name: id, colour: "#999999", side: ""};
  }

  // -- data decoding ----------------------------------------------------------------------------
  /** [x0, y0, dx1, dy1, …] integers -> array of L.LatLng. */
  function decodeLine(values) {
    var out = new Array(values.length / 2), x = 0, y = 0;
    for (var i = 0; i < out.length; i++) {
      x += values[2 * i]; y += values[2 * i + 1];
      out[i] = L.latLng(y / SCALE, x / SCALE);
    }
    return out;
  }
  function decodePolygons(polys) {
    return polys.map(function (rings) { return rings.map(decodeLine); });
  }

  var A = FL.areas;            // fragments: geometry, area; runs: columns
  var runs = A.runs;           // {fragment, key, start, end, since}: end = -1 while held at the end
  var nFrag = A.geometry.length;
  var decoded = new Array(nFrag);  // L.LatLng polygons, decoded when first shown
  var bounds = new Array(nFrag);   // [minLon, minLat, maxLon, maxLat] per fragment
  var fragRuns = [];               // run indexes per fragment, in date order
  for (var f = 0; f < nFrag; f++) fragRuns.push([]);
  for (var r = 0; r < runs.fragment.length; r++) fragRuns[runs.fragment[r]].push(r);

  function geometry(fi) {
    if (!decoded[fi]) decoded[fi] = decodePolygons(A.geometry[fi]);
    return decoded[fi];
  }
  function fragBounds(fi) {
    if (!bounds[fi]) {
      var b = [Infinity, Infinity, -Infinity, -Infinity];
      geometry(fi).forEach(function (poly) {
        poly[0].forEach(function (ll) {
          if (ll.lng < b[0]) b[0] = ll.lng; if (ll.lat < b[1]) b[1] = ll.lat;
          if (ll.lng > b[2]) b[2] = ll.lng; if (ll.lat > b[3]) b[3] = ll.lat;
        });
      });
      bounds[fi] = b;
    }
    return bounds[fi];
  }

  // -- time model -------------------------------------------------------------------------------
  function covers(ri, i) {
    return runs.start[ri] <= i && (runs.end[ri] < 0 || i < runs.end[ri]);
  }
  /** The run holding fragment fi on date index i, or -1. */
  function runAt(fi, i) {
    var rs = fragRuns[fi];
    for (var k = 0; k < rs.length; k++) if (covers(rs[k], i)) return rs[k];
    return -1;
  }
  function keyOf(ri) { return meta.keys[runs.key[ri]]; }
  function holderAt(fi, i) {
    var ri = runAt(fi, i);
    return ri < 0 ? "" : keyOf(ri)[0];
  }
  /** Latest snapshot index on or before an ISO date (0 when the date is earlier than all). */
  function indexOnOrBefore(iso) {
    var best = 0;
    for (var i = 0; i < N; i++) if (DATES[i] <= iso) best = i;
    return best;
  }

  // -- the map ----------------------------------------------------------------------------------
  var bb = FL.basemap.bbox;
  var map = L.map("map", {
    zoomSnap: 1,
    minZoom: Math.max(1, meta.min_zoom - 2),
    maxZoom: meta.max_zoom,
    maxBounds: L.latLngBounds([bb[1], bb[0]], [bb[3], bb[2]]),
    maxBoundsViscosity: 1.0,
    keyboard: true,
    attributionControl: true,
    fadeAnimation: false,
    zoomAnimation: false,  // the area canvas is redrawn after each zoom, not scaled during it
    markerZoomAnimation: false
  });
  map.attributionControl.setPrefix(
    '<a href="#credits" id="credits-link">Credits &amp; licences</a> · Leaflet');
  L.control.scale({imperial: false, position: "bottomleft", maxWidth: 160}).addTo(map);

  function pane(name, z) {
    var p = map.createPane(name);
    p.style.zIndex = z;
    return L.canvas({pane: name, padding: 0.3});
  }
  var landR = pane("land", 200), waterR = pane("water", 370), borderR = pane("borders", 380);
  map.createPane("areas").style.zIndex = 350;
  map.createPane("fronts").style.zIndex = 390;
  map.createPane("labels").style.zIndex = 620;

  // basemap
  FL.basemap.land.forEach(function (c) {
    L.polygon(decodePolygons(c.rings), {
      renderer: landR, interactive: false, stroke: false, fillOpacity: 1,
      fillColor: c.inside ? "#fbfaf6" : "#ebeae4"
    }).addTo(map);
  });
  L.polyline(FL.basemap.coasts.map(decodeLine), {
    renderer: landR, interactive: false, color: "#8aa6b8", weight: 0.8
  }).addTo(map);
  L.polygon(FL.basemap.lakes.map(function (p) { return p.map(decodeLine); }), {
    renderer: waterR, interactive: false, stroke: false, fillColor: "#a9cbe0", fillOpacity: 1
  }).addTo(map);
  L.polyline(FL.basemap.rivers.map(decodeLine), {
    renderer: waterR, interactive: false, color: "#6a9fc6", weight: 1.1, opacity: 0.9
  }).addTo(map);
  var borderLines = FL.basemap.borders.map(decodeLine);
  L.polyline(borderLines, {renderer: borderR, interactive: false, color: "#fff", weight: 4, opacity: 0.7}).addTo(map);
  L.polyline(borderLines, {
    renderer: borderR, interactive: false, color: "#444", weight: 1.4, dashArray: "7 2 2 2"
  }).addTo(map);

  // -- areas and fronts: two canvases painted from fragments projected once per zoom level ------
  // Leaflet's own vector layers re-project every vertex whenever their data change; here each
  // fragment is projected once per zoom level (points closer than a pixel merged) and a date
  // change only repaints.
  var CanvasLayer = L.Layer.extend({
    initialize: function (paint, pane) {
      this.paint = paint;
      L.setOptions(this, {pane: pane});
    },
    onAdd: function (m) {
      this.canvas = L.DomUtil.create("canvas", "fl-canvas");
      this.getPane().appendChild(this.canvas);
      m.on("moveend zoomend resize", this.redraw, this);
      this.redraw();
    },
    onRemove: function (m) {
      m.off("moveend zoomend resize", this.redraw, this);
      L.DomUtil.remove(this.canvas);
    },
    redraw: function () {
      var m = this._map;
      if (!m) return this;
      var size = m.getSize(), ratio = window.devicePixelRatio || 1, c = this.canvas;
      var view = m.getPixelBounds();
      L.DomUtil.setPosition(c, m.containerPointToLayerPoint([0, 0]));
      c.width = Math.round(size.x * ratio); c.height = Math.round(size.y * ratio);
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      var ctx = c.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, -view.min.x * ratio, -view.min.y * ratio);
      this.paint(ctx, m.getZoom(), view);
      return this;
    }
  });

  var cacheZoom = null, areaCache = [], frontCache = [];
  /** A ring or line in absolute pixels at a zoom level, points within 0.7 px of the last merged. */
  function projectLine(line, zoom, closed) {
    var out = [], lx = NaN, ly = NaN;
    for (var k = 0; k < line.length; k++) {
      var p = map.project(line[k], zoom);
      if (Math.abs(p.x - lx) + Math.abs(p.y - ly) < 0.7 && k < line.length - 1) continue;
      out.push(p.x, p.y); lx = p.x; ly = p.y;
    }
    return closed && out.length < 6 ? null : out;
  }
  function pixelBounds(lines) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    lines.forEach(function (c) {
      for (var k = 0; k < c.length; k += 2) {
        if (c[k] < b[0]) b[0] = c[k]; if (c[k + 1] < b[1]) b[1] = c[k + 1];
        if (c[k] > b[2]) b[2] = c[k]; if (c[k + 1] > b[3]) b[3] = c[k + 1];
      }
    });
    return b;
  }
  function checkZoom(zoom) {
    if (zoom !== cacheZoom) { cacheZoom = zoom; areaCache = []; frontCache = []; }
  }
  function projectedFragment(fi, zoom) {
    checkZoom(zoom);
    if (!areaCache[fi]) {
      var rings = [];
      geometry(fi).forEach(function (poly) {
        poly.forEach(function (ring) { var c = projectLine(ring, zoom, true); if (c) rings.push(c); });
      });
      areaCache[fi] = {rings: rings, box: pixelBounds(rings)};
    }
    return areaCache[fi];
  }
  function projectedFront(k, zoom) {
    checkZoom(zoom);
    if (!frontCache[k]) {
      var lines = frontLines[k].map(function (line) { return projectLine(line, zoom, false); });
      frontCache[k] = {lines: lines, box: pixelBounds(lines)};
    }
    return frontCache[k];
  }
  function visible(box, view) {
    return !(box[2] < view.min.x || box[0] > view.max.x || box[3] < view.min.y || box[1] > view.max.y);
  }
  function tracePaths(ctx, items, closed) {
    items.forEach(function (coords) {
      ctx.moveTo(coords[0], coords[1]);
      for (var k = 2; k < coords.length; k += 2) ctx.lineTo(coords[k], coords[k + 1]);
      // back to the start instead of closePath(), which costs Chromium ~70 µs a ring
      if (closed) ctx.lineTo(coords[0], coords[1]);
    });
  }
  function fillFragments(ctx, list, zoom, view) {
    ctx.beginPath();
    list.forEach(function (fi) {
      var pf = projectedFragment(fi, zoom);
      if (visible(pf.box, view)) tracePaths(ctx, pf.rings, true);
    });
  }

  var hatchTile = null;
  /** Diagonal hatching, anchored to the map (it does not crawl when the map is panned). */
  function hatchPattern(ctx) {
    if (!hatchTile) {
      hatchTile = document.createElement("canvas");
      hatchTile.width = hatchTile.height = 8;
      var g = hatchTile.getContext("2d");
      g.strokeStyle = "rgba(0, 0, 0, 0.55)"; g.lineWidth = 1.2;
      g.beginPath();
      g.moveTo(-1, 9); g.lineTo(9, -1); g.moveTo(-1, 1); g.lineTo(1, -1); g.moveTo(7, 9); g.lineTo(9, 7);
      g.stroke();
    }
    return ctx.createPattern(hatchTile, "repeat");
  }
  var shown = {areas: [], changes: {}, fronts: []};  // what the shown date draws, set by drawAreas/drawFronts
  var areaCanvas = new CanvasLayer(function (ctx, zoom, view) {
    meta.keys.forEach(function (key, k) {
      fillFragments(ctx, shown.areas[k] || [], zoom, view);
      ctx.globalAlpha = key[1] === "inferred" ? meta.style.inferred_opacity : meta.style.area_opacity;
      ctx.fillStyle = faction(key[0]).colour;
      ctx.fill("nonzero");
    });
    // ground that changed hands: the new holder's colour, hatched (white where nobody holds it)
    Object.keys(shown.changes).forEach(function (id) {
      fillFragments(ctx, shown.changes[id], zoom, view);
      ctx.globalAlpha = id ? 0.8 : 0.6;
      ctx.fillStyle = id ? faction(id).colour : "#ffffff";
      ctx.fill("nonzero");
      ctx.globalAlpha = 1;
      ctx.fillStyle = hatchPattern(ctx);
      ctx.fill("nonzero");
    });
    ctx.globalAlpha = 1;
  }, "areas");
  areaCanvas.addTo(map);

  // fronts: each piece is valid over a range of dates (F.start, F.end)
  var F = FL.fronts;
  var frontLines = F.geometry.map(function (lines) { return lines.map(decodeLine); });
  var frontCanvas = new CanvasLayer(function (ctx, zoom, view) {
    ctx.beginPath();
    shown.fronts.forEach(function (k) {
      var pf = projectedFront(k, zoom);
      if (visible(pf.box, view)) tracePaths(ctx, pf.lines, false);
    });
    ctx.lineJoin = "round"; ctx.lineCap = "round";
    ctx.globalAlpha = 0.85; ctx.strokeStyle = "#fff"; ctx.lineWidth = 5.5; ctx.stroke();
    ctx.globalAlpha = 1; ctx.strokeStyle = meta.style.front; ctx.lineWidth = 2.6; ctx.stroke();
  }, "fronts");
  frontCanvas.addTo(map);

  // place names, shown from the zoom level at which they fit
  var state = {i: N - 1, cmp: -1, changes: false, arabic: false, playing: null};
  var placeMarkers = FL.places.map(function (p, k) {
    var marker = L.marker([p[3], p[2]], {
      pane: "labels", keyboard: false, title: p[0],
      icon: L.divIcon({className: "fl-divicon", iconSize: [0, 0], html: ""})
    });
    marker.on("click", function () { openPlacePopup(k); });
    return marker;
  });
  function placeHtml(p) {
    var useAr = state.arabic && p[1];
    var cls = "fl-place imp-" + p[4] + (meta.strategic_kinds.indexOf(p[5]) >= 0 ? " strategic" : "");
    var name = useAr ? '<span class="name" lang="ar" dir="rtl">' + esc(p[1]) + "</span>"
      : '<span class="name" dir="ltr">' + esc(p[0]) + "</span>";
    return '<div class="' + cls + '"><span class="dot"></span>' + name + "</div>";
  }
  function refreshPlaces() {
    var z = map.getZoom(), lang = state.arabic ? "ar" : "latin";
    FL.places.forEach(function (p, k) {
      var m = placeMarkers[k];
      if (p[6] <= z) {
        if (m.lang !== lang) {  // the icon is made once per language, not on every zoom
          m.setIcon(L.divIcon({className: "fl-divicon", iconSize: [0, 0], html: placeHtml(p)}));
          m.lang = lang;
        }
        if (!map.hasLayer(m)) m.addTo(map);
      } else if (map.hasLayer(m)) {
        map.removeLayer(m);
      }
    });
  }
  FL.basemap.country_labels.forEach(function (c) {
    L.marker([c[2], c[1]], {
      pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({className: "fl-divicon", iconSize: [0, 0],
        html: '<span class="fl-country">' + esc(c[0]) + "</span>"})
    }).addTo(map);
  });
  FL.basemap.water_labels.forEach(function (w) {
    L.marker([w[2], w[1]], {
      pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({className: "fl-divicon", iconSize: [0, 0],
        html: '<span class="fl-water" style="transform: translate(-50%, -50%) rotate(' +
          (-w[3]) + 'deg)">' + esc(w[0]) + "</span>"})
    }).addTo(map);
  });

  // -- drawing a date ---------------------------------------------------------------------------
  function drawAreas() {
    var i = state.i, perKey = meta.keys.map(function () { return []; });
    var changed = {}, gains = {}, losses = {};
    for (var ri = 0; ri < runs.fragment.length; ri++) {
      if (covers(ri, i)) perKey[runs.key[ri]].push(runs.fragment[ri]);
    }
    if (state.changes && state.cmp >= 0 && state.cmp !== i) {
      for (var fi = 0; fi < nFrag; fi++) {
        var now = holderAt(fi, i), then = holderAt(fi, state.cmp);
        if (now === then) continue;
        (changed[now] = changed[now] || []).push(fi);
        if (now) gains[now] = (gains[now] || 0) + A.area_km2[fi];
        if (then) losses[then] = (losses[then] || 0) + A.area_km2[fi];
      }
    }
    shown.areas = perKey; shown.changes = changed;
    state.gains = gains; state.losses = losses;
    areaCanvas.redraw();
  }
  function drawFronts() {
    var i = state.i, list = [];
    for (var k = 0; k < F.pair.length; k++) {
      if (F.start[k] <= i && (F.end[k] < 0 || i < F.end[k])) list.push(k);
    }
    shown.fronts = list;
    frontCanvas.redraw();
  }
  function showDate(i, opts) {
    state.i = Math.max(0, Math.min(N - 1, i));
    if (state.cmp < 0) state.cmp = Math.max(0, state.i - 1);
    map.closePopup();
    var t0 = performance.now();
    drawAreas();
    var t1 = performance.now();
    drawFronts();
    state.timing = {areas_ms: t1 - t0, fronts_ms: performance.now() - t1};
    el("asof").innerHTML = "As of " + esc(longDate(DATES[state.i])) +
      "<small>snapshot " + (state.i + 1) + " of " + N +
      (state.changes && state.cmp !== state.i ? " · changes since " + esc(longDate(DATES[state.cmp])) : "") +
      "</small>";
    el("slider").value = state.i;
    el("datefield").value = DATES[state.i];
    el("since").value = state.cmp;
    renderLegend();
    if (!opts || !opts.keepHash) writeHash();
  }

  // -- hit testing and popups -------------------------------------------------------------------
  function inRing(ring, lat, lng) {
    var inside = false;
    for (var a = 0, b = ring.length - 1; a < ring.length; b = a++) {
      var ya = ring[a].lat, yb = ring[b].lat;
      if ((ya > lat) !== (yb > lat) &&
          lng < (ring[b].lng - ring[a].lng) * (lat - ya) / (yb - ya) + ring[a].lng) inside = !inside;
    }
    return inside;
  }
  function inFragment(fi, ll) {
    var b = fragBounds(fi);
    if (ll.lng < b[0] || ll.lng > b[2] || ll.lat < b[1] || ll.lat > b[3]) return false;
    var polys = geometry(fi);
    for (var p = 0; p < polys.length; p++) {
      if (!inRing(polys[p][0], ll.lat, ll.lng)) continue;
      var hole = false;
      for (var h = 1; h < polys[p].length; h++) if (inRing(polys[p][h], ll.lat, ll.lng)) { hole = true; break; }
      if (!hole) return true;
    }
    return false;
  }
  /** The run holding the ground at ll on date i: {fragment, run} or null. */
  function groundAt(ll, i) {
    for (var ri = 0; ri < runs.fragment.length; ri++) {
      if (covers(ri, i) && inFragment(runs.fragment[ri], ll)) return {fragment: runs.fragment[ri], run: ri};
    }
    return null;
  }
  function frontAt(ll) {
    var p = map.latLngToContainerPoint(ll), best = null, bestD = 7;
    for (var k = 0; k < F.pair.length; k++) {
      if (!(F.start[k] <= state.i && (F.end[k] < 0 || state.i < F.end[k]))) continue;
      frontLines[k].forEach(function (line) {
        for (var s = 1; s < line.length; s++) {
          var d = L.LineUtil.pointToSegmentDistance(p, map.latLngToContainerPoint(line[s - 1]),
            map.latLngToContainerPoint(line[s]));
          if (d < bestD) { bestD = d; best = k; }
        }
      });
    }
    return best;
  }
  function dist(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    var a = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 12742 * Math.asin(Math.sqrt(a));
  }
  /** Observations in force on date i (the latest of each place on or before it). */
  function observationsInForce(i) {
    var rows = FL.sources.observations.rows, latest = {}, day = DATES[i];
    for (var k = 0; k < rows.length; k++) {
      if (rows[k][0] <= day) latest[rows[k][1]] = k;  // rows are sorted by place, then date
    }
    return Object.keys(latest).map(function (p) { return rows[latest[p]]; });
  }
  function sourceItem(text, url) {
    return url ? '<a href="' + esc(url) + '" target="_blank" rel="noopener noreferrer">' + esc(text) + "</a>"
      : esc(text);
  }
  function supportList(fi, holder, ll) {
    var obs = FL.sources.observations, places = obs.places;
    if (!obs.rows.length) return null;
    var mine = observationsInForce(state.i).filter(function (row) { return row[2] === holder; });
    mine.forEach(function (row) {
      var pl = places[row[1]];
      row.inside = inFragment(fi, L.latLng(pl[2], pl[1]));
      row.km = dist(ll.lat, ll.lng, pl[2], pl[1]);
    });
    mine.sort(function (a, b) { return (b.inside - a.inside) || (a.km - b.km); });
    return mine.slice(0, 4).map(function (row) {
      var pl = places[row[1]];
      return "<li>" + esc(pl[0]) + " (" + (row.inside ? "in this area" : Math.round(row.km) + " km away") +
        "), " + esc(row[0]) + ", confidence " + row[3] + ": " +
        sourceItem(FL.sources.strings[row[4]], row[5]) + "</li>";
    }).join("");
  }
  function snapshotSources(keyIndex) {
    var entry = FL.sources.areas[state.i][keyIndex];
    if (!entry) return {confidence: null, list: "", note: ""};
    var ids = entry[1], shown = ids.slice(0, 6).map(function (s) {
      return "<li>" + esc(FL.sources.strings[s]) + "</li>";
    }).join("");
    if (ids.length > 6) shown += "<li>… and " + (ids.length - 6) + " more</li>";
    return {confidence: entry[0], list: shown, note: entry[2]};
  }
  function swatch(id) {
    return '<span class="sw" style="background:' + esc(faction(id).colour) + '"></span>';
  }
  function areaPopup(hit, ll) {
    var key = keyOf(hit.run), fac = faction(key[0]), since = runs.since[hit.run];
    var snap = snapshotSources(runs.key[hit.run]);
    var support = supportList(hit.fragment, key[0], ll);
    var sinceText = since === 0 ? "at least " + longDate(DATES[0]) + " (the first date here)"
      : longDate(DATES[since]);
    var html = '<div class="fl-popup"><h3>' + swatch(fac.id) + esc(fac.name) + "</h3><dl>" +
      "<dt>Held since</dt><dd>" + esc(sinceText) + "</dd>" +
      "<dt>Basis</dt><dd>" + esc(key[1]) + (key[1] === "inferred" ? " (decided by the fill policy)" : "") + "</dd>" +
      (snap.confidence !== null ? "<dt>Confidence</dt><dd>" + snap.confidence + "</dd>" : "") +
      "<dt>Area</dt><dd>" + km2(A.area_km2[hit.fragment]) + " (this fragment)</dd>";
    if (state.changes && state.cmp >= 0 && state.cmp !== state.i) {
      var then = holderAt(hit.fragment, state.cmp);
      if (then !== key[0]) {
        html += "<dt>On " + esc(DATES[state.cmp]) + "</dt><dd>" +
          esc(then ? faction(then).name : "nobody (no claim)") + "</dd>";
      }
    }
    html += "</dl>";
    if (support) {
      html += "<strong>Observations supporting it</strong><ul>" + support + "</ul>";
    } else if (snap.list) {  // no observations of this holder in force: the snapshot's sources
      html += "<strong>Sources</strong><ul>" + snap.list + "</ul>";
    }
    if (snap.note) html += "<p>" + esc(snap.note) + "</p>";
    return html + "</div>";
  }
  function frontPopup(k) {
    var pair = F.pairs[F.pair[k]];
    return '<div class="fl-popup"><h3>Front line</h3><dl>' +
      "<dt>Between</dt><dd>" + swatch(pair[0]) + " " + esc(faction(pair[0]).name) + "<br>" +
      swatch(pair[1]) + " " + esc(faction(pair[1]).name) + "</dd>" +
      "<dt>Here since</dt><dd>" + esc(F.start[k] === 0 ? "at least " + longDate(DATES[0]) : longDate(DATES[F.start[k]])) + "</dd>" +
      "</dl></div>";
  }
  function openPlacePopup(k) {
    var p = FL.places[k], ll = L.latLng(p[3], p[2]), hit = groundAt(ll, state.i);
    var html = '<div class="fl-popup"><h3>' + esc(p[0]) + "</h3><dl>" +
      (p[1] ? '<dt>Arabic</dt><dd class="ar" lang="ar" dir="rtl">' + esc(p[1]) + "</dd>" : "") +
      "<dt>Kind</dt><dd>" + esc(p[5].replace(/_/g, " ")) + "</dd>";
    if (hit) {
      var key = keyOf(hit.run), since = runs.since[hit.run];
      html += "<dt>Held by</dt><dd>" + swatch(key[0]) + " " + esc(faction(key[0]).name) + "</dd>" +
        "<dt>Since</dt><dd>" + esc(since === 0 ? "at least " + longDate(DATES[0]) : longDate(DATES[since])) + "</dd>";
    } else {
      html += "<dt>Held by</dt><dd>no claim on this date</dd>";
    }
    html += "</dl>";
    var obs = FL.sources.observations, rows = observationsInForce(state.i).filter(function (row) {
      var pl = obs.places[row[1]];
      return dist(pl[2], pl[1], p[3], p[2]) < 1.0;
    });
    if (rows.length) {
      html += "<strong>Latest observation</strong><ul>" + rows.map(function (row) {
        return "<li>" + esc(row[0]) + ": " + esc(faction(row[2]).name) + " — " +
          sourceItem(FL.sources.strings[row[4]], row[5]) + "</li>";
      }).join("") + "</ul>";
    }
    L.popup(popupOptions(340)).setLatLng(ll).setContent(html + "</div>").openOn(map);
  }
  /** Popups pan the map clear of the title, the legend and the time bar. */
  function popupOptions(width) {
    return {maxWidth: width, autoPanPaddingTopLeft: L.point(50, 64),
      autoPanPaddingBottomRight: L.point(el("legend").offsetWidth + 24, 16)};
  }
  map.on("click", function (e) {
    var k = frontAt(e.latlng);
    var html;
    if (k !== null) {
      html = frontPopup(k);
    } else {
      var hit = groundAt(e.latlng, state.i);
      html = hit ? areaPopup(hit, e.latlng)
        : '<div class="fl-popup"><h3>No claim</h3>Nobody is recorded holding this ground on ' +
          esc(longDate(DATES[state.i])) + ".</div>";
    }
    L.popup(popupOptions(360)).setLatLng(e.latlng).setContent(html).openOn(map);
  });

  // -- legend -----------------------------------------------------------------------------------
  function renderLegend() {
    var present = {};
    runs.fragment.forEach(function (fi, ri) { if (covers(ri, state.i)) present[keyOf(ri)[0]] = true; });
    var inferred = {};
    meta.keys.forEach(function (k) { if (k[1] === "inferred") inferred[k[0]] = true; });
    var showChanges = state.changes && state.cmp !== state.i;
    var html = "";
    meta.sides.forEach(function (side) {
      var items = meta.factions.filter(function (f) { return f.side === side.id; });
      if (!items.length) return;
      html += "<h2>" + esc(side.name) + "</h2><ul>";
      items.forEach(function (f) {
        var num = "";
        if (showChanges) {
          var g = (state.gains || {})[f.id] || 0, l = (state.losses || {})[f.id] || 0;
          if (g || l) num = '<span class="num">+' + km2(g) + " / −" + km2(l) + "</span>";
        }
        html += '<li class="' + (present[f.id] ? "" : "absent") + '"><span class="sw" style="background:' +
          esc(f.colour) + '"></span>' + esc(f.short_name || f.name) + num + "</li>";
        if (inferred[f.id]) {
          html += '<li class="' + (present[f.id] ? "" : "absent") + '"><span class="sw inferred" style="background:' +
            esc(f.colour) + '"></span><small>inferred (fill policy)</small></li>';
        }
      });
      html += "</ul>";
    });
    html += "<h2>Lines</h2><ul>" +
      '<li><span class="sw front"></span>Front line</li>' +
      '<li><span class="sw border"></span>International border</li>' +
      (showChanges ? '<li><span class="sw changed"></span>Changed hands since ' + esc(DATES[state.cmp]) + "</li>" : "") +
      "</ul>";
    html += '<div class="toggle"><label><input type="checkbox" id="arabic"' + (state.arabic ? " checked" : "") +
      '> Place names in Arabic <span lang="ar" dir="rtl">(عربي)</span></label></div>';
    el("legend").innerHTML = html;
    el("arabic").onchange = function () { state.arabic = this.checked; refreshPlaces(); writeHash(); };
  }

  // -- time controls ----------------------------------------------------------------------------
  var slider = el("slider"), dateField = el("datefield"), since = el("since");
  slider.max = N - 1;
  dateField.min = DATES[0]; dateField.max = DATES[N - 1];
  since.innerHTML = DATES.map(function (d, i) { return '<option value="' + i + '">' + d + "</option>"; }).join("");
  slider.addEventListener("input", function () { showDate(+slider.value); });
  dateField.addEventListener("change", function () {
    if (dateField.value) showDate(indexOnOrBefore(dateField.value));
  });
  el("first").onclick = function () { showDate(0); };
  el("prev").onclick = function () { showDate(state.i - 1); };
  el("next").onclick = function () { showDate(state.i + 1); };
  el("last").onclick = function () { showDate(N - 1); };
  function setPlaying(on) {
    if (state.playing) { clearInterval(state.playing); state.playing = null; }
    if (on) {
      if (state.i >= N - 1) showDate(0);
      state.playing = setInterval(function () {
        if (state.i >= N - 1) setPlaying(false); else showDate(state.i + 1);
      }, meta.play_ms);
    }
    el("play").innerHTML = state.playing ? meta.icons.pause : meta.icons.play;
    el("play").setAttribute("aria-label", state.playing ? "Pause" : "Play");
  }
  el("play").onclick = function () { setPlaying(!state.playing); };
  el("changes").onchange = function () { state.changes = this.checked; showDate(state.i); };
  since.onchange = function () { state.cmp = +since.value; showDate(state.i); };
  // keys: outside the map, left/right arrows step dates (inside it they pan the map);
  // PageUp/PageDown and [ ] step dates anywhere; Home/End jump to the first/last date
  document.addEventListener("keydown", function (e) {
    var t = e.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.altKey || e.ctrlKey || e.metaKey) return;
    var inMap = map.getContainer().contains(t);
    var step = {PageUp: -1, PageDown: 1, "[": -1, "]": 1}[e.key] ||
      (inMap ? 0 : {ArrowLeft: -1, ArrowRight: 1}[e.key]);
    if (step) showDate(state.i + step);
    else if (!inMap && e.key === "Home") showDate(0);
    else if (!inMap && e.key === "End") showDate(N - 1);
    else if (e.key === " " && tag !== "BUTTON") setPlaying(!state.playing);
    else return;
    e.preventDefault();
  });

  // -- URL hash: date, centre, zoom, comparison and label language ------------------------------
  var lastHash = "";
  function writeHash() {
    var c = map.getCenter();
    var parts = ["date=" + DATES[state.i], "lat=" + c.lat.toFixed(4), "lon=" + c.lng.toFixed(4),
      "z=" + map.getZoom()];
    if (state.changes) parts.push("since=" + DATES[state.cmp]);
    if (state.arabic) parts.push("names=ar");
    var hash = "#" + parts.join("&");
    lastHash = hash;
    if (location.hash === hash) return;
    try { history.replaceState(null, "", hash); } catch (err) { location.replace(hash); }
  }
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }
  function applyHash() {
    var h = readHash();
    if (h.lat && h.lon && h.z && isFinite(+h.lat) && isFinite(+h.lon) && isFinite(+h.z)) {
      map.setView([+h.lat, +h.lon], +h.z, {animate: false});
    }
    state.arabic = h.names === "ar";
    state.changes = !!h.since;
    if (h.since) state.cmp = indexOnOrBefore(h.since);
    el("changes").checked = state.changes;
    refreshPlaces();
    showDate(h.date ? indexOnOrBefore(h.date) : N - 1, {keepHash: true});
  }
  window.addEventListener("hashchange", function () {
    if (location.hash !== lastHash) applyHash();
  });

  // -- GeoJSON download of the shown date -------------------------------------------------------
  function shownGeoJSON() {
    var features = [];
    for (var ri = 0; ri < runs.fragment.length; ri++) {
      if (!covers(ri, state.i)) continue;
      var fi = runs.fragment[ri], key = keyOf(ri), snap = FL.sources.areas[state.i][runs.key[ri]];
      features.push({
        type: "Feature",
        properties: {
          faction: key[0], basis: key[1], date: DATES[state.i], held_since: DATES[runs.since[ri]],
          valid_from: DATES[runs.start[ri]], valid_to: runs.end[ri] < 0 ? null : DATES[runs.end[ri]],
          confidence: snap ? snap[0] : null,
          sources: snap ? snap[1].map(function (s) { return FL.sources.strings[s]; }) : []
        },
        geometry: {
          type: "MultiPolygon",
          coordinates: geometry(fi).map(function (poly) {
            return poly.map(function (ring) {
              var c = ring.map(function (ll) { return [ll.lng, ll.lat]; });
              c.push(c[0]);
              return c;
            });
          })
        }
      });
    }
    return {type: "FeatureCollection", date: DATES[state.i], theatre: meta.theatre.id, features: features};
  }
  el("download").onclick = function () {
    var blob = new Blob([JSON.stringify(shownGeoJSON())], {type: "application/geo+json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = meta.theatre.id + "-" + DATES[state.i] + ".geojson";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  };

  // -- credits ----------------------------------------------------------------------------------
  function openCredits(e) {
    if (e) e.preventDefault();
    el("credits").hidden = false;
    el("credits-close").focus();
  }
  el("credits-open").onclick = openCredits;
  document.addEventListener("click", function (e) {
    if (e.target && e.target.id === "credits-link") openCredits(e);
  });
  el("credits-close").onclick = function () { el("credits").hidden = true; };
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") el("credits").hidden = true;
  });

  // -- start ------------------------------------------------------------------------------------
  var focus = meta.theatre.focus;
  // never zoom out beyond the basemap: the smallest zoom at which it still fills the map
  function limitZoom() {
    map.setMinZoom(Math.max(1, map.getBoundsZoom(map.options.maxBounds, true)));
  }
  limitZoom();
  map.on("resize", limitZoom);
  map.fitBounds([[focus[1], focus[0]], [focus[3], focus[2]]], {animate: false});
  applyHash();
  map.on("moveend", writeHash);  // after the view the hash asked for is set
  map.on("zoomend", refreshPlaces);
  window.frontlineMap = {
    map: map, state: state, dates: DATES, showDate: showDate, groundAt: groundAt,
    geojson: shownGeoJSON, ready: true
  };
  document.documentElement.setAttribute("data-ready", "true");
})();
