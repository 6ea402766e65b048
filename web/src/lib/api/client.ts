// The one configured API client: generated types, bearer token, silent refresh.
import createClient from "openapi-fetch";
import { getLocale } from "$lib/paraglide/runtime";
import type { components, paths } from "./schema";
import { authorizedFetch, TokenRefresher } from "./refresher";

export type Schemas = components["schemas"];

/** The session store hears of every renewed token (with its user) and of a session's end. */
export const sessionHooks: {
  renewed?: (tokens: Schemas["TokenRead"]) => void;
  ended?: () => void;
} = {};

export const refresher: TokenRefresher<Schemas["TokenRead"]> = new TokenRefresher({
  renew: async (): Promise<Schemas["TokenRead"] | null> => {
    // The refresh cookie (HttpOnly, path /auth) goes with this same-origin request.
    const { data, response } = await api.POST("/auth/refresh", {});
    if (data) return data;
    if (response.status === 401 || response.status === 422) return null;
    throw new Error(`refresh failed: ${response.status}`);
  },
  // The user is told only once the token is in place: screens it wakes send it at once.
  onChange: (issued) => {
    if (issued === null) sessionHooks.ended?.();
    else sessionHooks.renewed?.(issued);
  },
});

const send = authorizedFetch(refresher);

// Every request says which language the app speaks (the one chosen in Settings, not only
// the browser's): the mail auth sends (verification, reset) is written in it.
export const api = createClient<paths>({
  baseUrl: "",
  fetch: (request) => {
    request.headers.set("Accept-Language", getLocale());
    return send(request);
  },
});
