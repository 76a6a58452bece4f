// The map: every institution, clustered, coloured by kind / execution % / red flags, with filters and search.
import L, { createMap, featureLatLng } from "../leaflet.js";
import { BUDGET, get, withLang } from "../api.js";
import { h } from "../dom.js";
import { districtCentre, districtId, districtOf, loadDistricts } from "../districts.js";
import { money, moneyCompact, number, percent } from "../format.js";
import { localName, t } from "../i18n.js";
import {
  EXECUTION_BANDS, FLAG_BANDS, KIND_COLOURS, KINDS, executionPct, flagCount, foldText, markerColour,
} from "../kinds.js";

const YEARS = [2026, 2025, 2024, 2023, 2022]; // until the service's own list arrives
const STATE_KEY = "ashyq.map";

function savedState() {
  const params = new URLSearchParams(location.search);
  let stored = {};
  try { stored = JSON.parse(sessionStorage.getItem(STATE_KEY) || "{}"); } catch { stored = {}; }
  return {
    kind: params.get("kind") ?? stored.kind ?? "",
    district: params.get("district") ?? stored.district ?? "",
    year: Number(params.get("year") ?? stored.year ?? YEARS[0]),
    colour: params.get("colour") ?? stored.colour ?? "kind",
    flagged: (params.get("flagged") ?? String(stored.flagged ?? false)) === "true",
    q: params.get("q") ?? stored.q ?? "",
  };
}

/**
 * An institution's dot: a small element rather than a canvas circle, so a keyboard reaches it (Tab), opens it
 * (Enter) and a screen reader names it. Only the markers markercluster shows are in the page, never thousands.
 */
const Dot = L.Icon.extend({
  options: { iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -4], className: "dot" },
  createIcon(old) {
    const el = old || document.createElement("div");
    this._setIconStyles(el, "icon");
    el.style.background = this.options.colour;
    el.setAttribute("aria-label", this.options.label);
    return el;
  },
  createShadow() {
    return null;
  },
});

/** A cluster's circle with its count, named for a screen reader: how many institutions, and that Enter zooms in. */
const ClusterIcon = L.DivIcon.extend({
  createIcon(old) {
    const el = L.DivIcon.prototype.createIcon.call(this, old);
    el.setAttribute("aria-label", this.options.label);
    return el;
  },
});

function select(id, labelKey, options, value, onChange) {
  return h("div", { class: "field" },
    h("label", { for: id }, t(labelKey)),
    h("select", { id, name: id, onchange: (e) => onChange(e.target.value) },
      options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label))));
}

/**
 * Keyboard use of the markers: Enter on an institution opens its popup with the focus on the popup's link
 * (Escape closes it and goes back to the marker); Enter on a cluster zooms in (markercluster does that) and the
 * focus goes on to what the cluster split into, instead of staying on the map as a whole.
 */
function keyboardAccess(map, cluster) {
  let opener = null;
  cluster.on("popupopen", (e) => { opener = e.layer; });
  cluster.on("keypress", (e) => {
    if (e.originalEvent.key === "Enter" && e.layer.isPopupOpen?.()) e.layer.getPopup().getElement()?.querySelector("a")?.focus();
  });
  map.getContainer().addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || !e.target.closest(".leaflet-popup")) return;
    map.closePopup();
    opener?.getElement()?.focus();
  });
  cluster.on("clusterkeypress", (e) => {
    if (e.originalEvent.key !== "Enter") return;
    const child = e.layer.getAllChildMarkers()[0];
    const asked = Date.now();
    const focusChild = () => {
      map.off("zoomend", focusChild);
      cluster.off("spiderfied", focusChild);
      // after markercluster has put the focus on the map
      if (Date.now() - asked < 3000) setTimeout(() => cluster.getVisibleParent(child)?.getElement()?.focus({ preventScroll: true }));
    };
    map.on("zoomend", focusChild);
    cluster.on("spiderfied", focusChild);
  });
}

export async function render(root) {
  root.className = "map-page";
  const state = savedState();
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" }, t("map.loading"));
  const results = h("ul", { class: "search-results", "aria-label": t("map.search_results") });
  const legend = h("div", { class: "legend", "aria-label": t("legend.title") });
  const mapEl = h("div", { class: "map", id: "map", role: "region", "aria-label": t("map.title") });
  const districtBox = h("div");
  const yearBox = h("div");
  const summary = h("p", { class: "summary" });
  const panel = h("aside", { class: "panel" },
    h("h1", {}, t("map.title")),
    h("p", { class: "lead" }, t("map.lead")),
    h("div", { class: "field" },
      h("label", { for: "map-q" }, t("map.search")),
      h("input", {
        id: "map-q", type: "search", value: state.q, placeholder: t("map.search_placeholder"), autocomplete: "off",
        oninput: (e) => { state.q = e.target.value; update(); },
      })),
    results,
    h("div", { class: "filters" },
      select("map-kind", "filter.kind", [["", t("filter.all")], ...KINDS.map((k) => [k, t(`kind.${k}`)])], state.kind,
        (v) => { state.kind = v; update(); }),
      districtBox,
      yearBox,
      select("map-colour", "filter.colour", [["kind", t("colour.kind")], ["execution", t("colour.execution")], ["flags", t("colour.flags")]],
        state.colour, (v) => { state.colour = v; restyle(); }),
      h("div", { class: "field check" },
        h("input", { id: "map-flagged", type: "checkbox", checked: state.flagged, onchange: (e) => { state.flagged = e.target.checked; update(); } }),
        h("label", { for: "map-flagged" }, t("filter.flagged")))),
    status,
    summary,
    legend);
  root.append(panel, mapEl);

  const map = await createMap(mapEl);
  const cluster = L.markerClusterGroup({
    chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50, iconCreateFunction: clusterIcon,
  });
  keyboardAccess(map, cluster); // before markercluster's own handlers: a zoom without animation ends at once
  cluster.addTo(map);
  const districtLayer = L.layerGroup().addTo(map);
  let markers = [];
  let districts = [];
  let aborter = null;

  function renderDistrictSelect() {
    const options = [["", t("filter.all")], ...districts.map((d) => [districtId(d), localName(d)])];
    districtBox.replaceChildren(select("map-district", "filter.district", options, state.district, (v) => {
      state.district = v;
      update();
      const d = districts.find((x) => districtId(x) === v);
      const centre = d && districtCentre(d);
      if (centre) map.setView(centre, Math.max(map.getZoom(), 8), { animate: false });
    }));
  }

  /** District centres: named squares; the names stay on screen once the map is zoomed in enough to fit them. */
  function drawDistricts() {
    districtLayer.clearLayers();
    const permanent = map.getZoom() >= 8;
    const centres = [];
    for (const d of districts) {
      const centre = districtCentre(d);
      if (!centre) continue;
      centres.push(centre);
      L.marker(centre, { icon: L.divIcon({ className: "district-centre", iconSize: [10, 10] }), keyboard: false, title: localName(d), zIndexOffset: -1000 })
        .bindTooltip(localName(d), { permanent, direction: "right", offset: [6, 0], className: "district-label" })
        .addTo(districtLayer);
    }
    return centres;
  }

  function popup(p, id) {
    const pct = executionPct(p);
    return h("div", { class: "popup" },
      h("strong", {}, localName(p)),
      h("div", {}, t(`kind.${p.kind}`) || p.kind),
      h("div", {}, `${t("inst.executed")}: ${money(p.executed)} (${percent(pct)})`),
      flagCount(p) ? h("div", { class: "flag-text" }, t("map.flags", { n: flagCount(p) })) : null,
      p.appeal_count ? h("div", {}, t("map.appeals", { n: p.appeal_count })) : null,
      h("a", { href: `/institution/${encodeURIComponent(id)}`, "data-link": "" }, t("map.open")));
  }

  /**
   * A cluster takes the colour of what matters in the current mode: the worst flag count, otherwise the
   * most common kind or execution band among its institutions.
   */
  function clusterIcon(group) {
    const children = group.getAllChildMarkers();
    let colour;
    if (state.colour === "flags") {
      const worst = Math.max(...children.map((m) => flagCount(m.ashyq)));
      colour = markerColour({ flag_count: worst }, "flags");
    } else {
      const counts = new Map();
      children.forEach((m) => { const c = markerColour(m.ashyq, state.colour); counts.set(c, (counts.get(c) || 0) + 1); });
      colour = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    }
    const n = group.getChildCount();
    const size = n < 10 ? 30 : n < 100 ? 36 : 44;
    return new ClusterIcon({
      html: `<span style="background:${colour}">${n}</span>`, className: "cluster", iconSize: [size, size],
      label: t("map.cluster", { n: number(n) }),
    });
  }

  function buildMarkers(features) {
    markers = [];
    for (const f of features) {
      const latlng = featureLatLng(f.geometry);
      if (!latlng) continue;
      const p = f.properties || {};
      const id = f.id ?? p.id;
      const marker = L.marker(latlng, { icon: new Dot({ colour: markerColour(p, state.colour), label: localName(p) }) });
      marker.ashyq = p;
      marker.bindPopup(() => popup(p, id));
      markers.push({ marker, p, id, text: foldText(`${p.name_kk || ""} ${p.name_ru || ""}`) });
    }
  }

  function visible() {
    const q = foldText(state.q);
    return markers.filter(({ p, text }) => (!state.kind || p.kind === state.kind)
      && (!state.district || districtOf(p) === state.district)
      && (!state.flagged || flagCount(p) > 0)
      && (!q || text.includes(q)));
  }

  function update() {
    sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
    const shown = visible();
    cluster.clearLayers();
    cluster.addLayers(shown.map((m) => m.marker));
    status.textContent = t("map.count", { n: number(shown.length), total: number(markers.length) });
    results.replaceChildren(...(state.q.trim()
      ? shown.slice(0, 8).map((m) => h("li", {},
        h("a", { href: `/institution/${encodeURIComponent(m.id)}`, "data-link": "" }, localName(m.p)),
        h("span", { class: "muted" }, ` · ${t(`kind.${m.p.kind}`)}`)))
      : []));
  }

  function restyle() {
    sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
    markers.forEach(({ marker, p }) => {
      const colour = markerColour(p, state.colour);
      marker.options.icon.options.colour = colour;
      const el = marker.getElement(); // only the markers on the map have one
      if (el) el.style.background = colour;
    });
    cluster.refreshClusters();
    renderLegend();
  }

  function renderLegend() {
    let rows;
    if (state.colour === "execution") rows = EXECUTION_BANDS.map((b) => [b.colour, t(b.key)]);
    else if (state.colour === "flags") rows = FLAG_BANDS.map((b) => [b.colour, t(b.key)]);
    else rows = KINDS.map((k) => [KIND_COLOURS[k], t(`kind.${k}`)]);
    legend.replaceChildren(h("h2", {}, t("legend.title")),
      h("ul", {}, rows.map(([c, label]) => h("li", {}, h("span", { class: "swatch", style: `background:${c}` }), label))));
  }

  async function loadYear() {
    aborter?.abort();
    aborter = new AbortController();
    status.textContent = t("map.loading");
    try {
      const data = await get(withLang(`${BUDGET}/map.geojson`, { year: state.year }), { signal: aborter.signal });
      buildMarkers(data?.features || []);
      update();
    } catch (err) {
      if (err.name === "AbortError") return;
      markers = [];
      cluster.clearLayers();
      status.textContent = err.unavailable ? t("error.budget_unavailable") : t("error.generic", { detail: err.message });
      status.classList.add("error");
    }
  }

  let years = YEARS;
  let yearTotals = [];
  function renderYears() {
    yearBox.replaceChildren(select("map-year", "filter.year", years.map((y) => [y, String(y)]), state.year,
      (v) => { state.year = Number(v); renderSummary(); loadYear(); }));
  }
  /** The region at a glance for the chosen year: plan, executed and execution %. */
  function renderSummary() {
    const g = yearTotals.find((x) => Number(x.key) === state.year);
    summary.textContent = g ? t("map.summary", { year: state.year, plan: moneyCompact(g.adjusted_plan ?? g.plan), executed: moneyCompact(g.executed), pct: percent(g.execution_pct) }) : "";
  }
  renderYears();
  get(`${BUDGET}/stats`, { params: { group_by: "year" } }).then((data) => {
    yearTotals = data?.groups || [];
    const found = yearTotals.map((g) => Number(g.key)).filter(Boolean).sort((a, b) => b - a);
    if (found.length) {
      years = found;
      if (!years.includes(state.year)) { state.year = years[0]; loadYear(); }
      renderYears();
    }
    renderSummary();
  }).catch(() => {});

  renderLegend();
  loadDistricts().then((list) => {
    districts = list;
    renderDistrictSelect();
    const centres = drawDistricts();
    if (centres.length && !state.district) map.fitBounds(L.latLngBounds(centres).pad(0.1), { animate: false });
    let wasClose = map.getZoom() >= 8;
    map.on("zoomend", () => {
      const close = map.getZoom() >= 8;
      if (close !== wasClose) drawDistricts();
      wasClose = close;
    });
  }).catch(() => {
    districts = [];
    renderDistrictSelect();
  });
  renderDistrictSelect();
  await loadYear();
  setTimeout(() => map.invalidateSize(), 0);

  return () => {
    aborter?.abort();
    map.stop();
    cluster.clearLayers();
    map.remove();
  };
}
