// A single-page app: every screen renders in the browser, from the fallback index.html.
export const ssr = false;
export const prerender = false;
