// Navigation without a page load; main.js re-renders on "ashyq:navigate".
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event("ashyq:navigate"));
  window.scrollTo(0, 0);
}
