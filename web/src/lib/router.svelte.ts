// A small history-API router: the path is state, links are ordinary <a href>.

class Location {
  path = $state(window.location.pathname);
  search = $state(window.location.search);

  sync(): void {
    this.path = window.location.pathname;
    this.search = window.location.search;
  }
}

export const location = new Location();

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  location.sync();
  window.scrollTo(0, 0);
}

export function query(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

/** Same-origin link clicks stay in the app instead of reloading the page. */
export function interceptLinks(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element).closest("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || anchor.dataset.external !== undefined) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

window.addEventListener("popstate", () => location.sync());

/** Matches "/posts/:id" against a path: the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const found = new RegExp(`^${source}/?$`).exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
}
