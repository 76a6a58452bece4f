// Districts from the budget service, with tolerant accessors for their id and centre.
import { BUDGET, get, items } from "./api.js";

let cache = null;

export function loadDistricts() {
  cache ||= get(`${BUDGET}/districts`).then(items).catch((err) => { cache = null; throw err; });
  return cache;
}

export function districtId(d) {
  return String(d.id ?? d.kato_prefix ?? d.code ?? "");
}

export function districtCentre(d) {
  const c = d.centre ?? d.center ?? d;
  if (c?.coordinates) return [c.coordinates[1], c.coordinates[0]];
  const lat = c?.lat ?? d.centre_lat ?? d.lat;
  const lon = c?.lon ?? c?.lng ?? d.centre_lon ?? d.lon;
  return lat !== undefined && lon !== undefined ? [Number(lat), Number(lon)] : null;
}

/** The district a map feature / institution belongs to, as an id string. */
export function districtOf(p) {
  const d = p.district_id ?? p.district;
  if (d && typeof d === "object") return districtId(d);
  return d === undefined || d === null ? "" : String(d);
}
