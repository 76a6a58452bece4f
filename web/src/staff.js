// The institution staff's session: a bearer token kept for this browser tab only.
const KEY = "ashyq.staff.token";
// The page of the appeal list the staff member came from, for the appeal page's way back.
const LIST_KEY = "ashyq.staff.list";

export function staffToken() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (claims.exp && claims.exp * 1000 < Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
  } catch { /* an opaque token: let the server judge it */ }
  return token;
}

export function setStaffToken(token) {
  if (token) sessionStorage.setItem(KEY, token);
  else {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(LIST_KEY);
  }
}

export function rememberPortalList(url) {
  sessionStorage.setItem(LIST_KEY, url);
}

export function portalListUrl() {
  const url = sessionStorage.getItem(LIST_KEY);
  return url && /^\/portal(\?|$)/.test(url) ? url : "/portal";
}
