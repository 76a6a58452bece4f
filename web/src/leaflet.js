// Leaflet with the marker-cluster plugin (a UMD build that looks for a global L).
import L from "leaflet";
import "leaflet/dist/leaflet.css";

window.L = L;
await import("leaflet.markercluster");
await import("leaflet.markercluster/dist/MarkerCluster.css");

export default L;

let configPromise = null;

/** Runtime settings from /config.json (tile server URL etc.); no tiles when it is empty or missing. */
export function mapConfig() {
  configPromise ||= fetch("/config.json")
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  return configPromise;
}

/** A map on a plain background, with tiles only when a tile URL is configured. */
export async function createMap(el, options = {}) {
  const config = await mapConfig();
  const map = L.map(el, { preferCanvas: true, zoomControl: true, maxZoom: 18, minZoom: 4, ...options });
  map.setView(config.mapCenter || [52.3, 70.0], config.mapZoom || 6);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 18, attribution: config.tileAttribution || "" }).addTo(map);
  }
  map.attributionControl.setPrefix(false);
  return map;
}

/** One point to put a marker on: the point itself, or the middle vertex of a road's line. */
export function featureLatLng(geometry) {
  if (!geometry) return null;
  const { type, coordinates: c } = geometry;
  let pair = null;
  if (type === "Point") pair = c;
  else if (type === "LineString") pair = c[Math.floor(c.length / 2)];
  else if (type === "MultiLineString") pair = c[0]?.[Math.floor(c[0].length / 2)];
  else if (type === "Polygon") pair = c[0]?.[0];
  else if (type === "MultiPoint") pair = c[0];
  return pair ? [pair[1], pair[0]] : null;
}
