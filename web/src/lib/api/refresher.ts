// Keeps the access token in memory only and renews it from the HttpOnly refresh cookie:
// shortly before it expires, and at most once per failed request (a 401).

export interface IssuedToken {
  access_token: string;
  expires_in: number;
}

export interface RefresherOptions<T extends IssuedToken> {
  /** Trades the refresh cookie for a new token, or null when the session is gone. */
  renew: () => Promise<T | null>;
  /** Told about every change once the token is in place (so requests it triggers carry
   * it): what was issued, or null when signed out. */
  onChange?: (issued: T | null) => void;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** Renew this long before expiry: a quarter of the lifetime, at most a minute. */
export function renewDelayMs(expiresInSeconds: number): number {
  const margin = Math.min(60, expiresInSeconds / 4);
  return Math.max(1, expiresInSeconds - margin) * 1000;
}

export class TokenRefresher<T extends IssuedToken = IssuedToken> {
  token: string | null = null;
  private inflight: Promise<string | null> | null = null;
  private timer: unknown = null;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: RefresherOptions<T>) {
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer =
      options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** A token from sign-in, sign-up or a refresh: keep it and plan its renewal. */
  accept(issued: T): void {
    this.token = issued.access_token;
    this.cancelTimer();
    this.timer = this.setTimer(() => void this.refresh(), renewDelayMs(issued.expires_in));
    this.options.onChange?.(issued);
  }

  /** Forget the token (sign-out, or a refresh the server refused). */
  clear(): void {
    this.cancelTimer();
    const had = this.token !== null;
    this.token = null;
    if (had) this.options.onChange?.(null);
  }

  /** One renewal at a time: callers that arrive while one runs share its result. */
  refresh(): Promise<string | null> {
    this.inflight ??= this.renewOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async renewOnce(): Promise<string | null> {
    let issued: T | null = null;
    try {
      issued = await this.options.renew();
    } catch {
      // The network failed: keep the token we have, a later request tries again.
      return this.token;
    }
    if (issued === null) {
      this.clear();
      return null;
    }
    this.accept(issued);
    return this.token;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }
}

/**
 * A fetch that sends the bearer token and, on a 401, renews the token once and replays
 * the request. Requests to /auth/refresh itself are never retried.
 */
export function authorizedFetch<T extends IssuedToken>(
  refresher: TokenRefresher<T>,
  send: (request: Request) => Promise<Response> = (request) => fetch(request),
): (request: Request) => Promise<Response> {
  const withToken = (request: Request, token: string | null) => {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  };
  return async (request) => {
    const replay = request.clone();
    const sentWith = refresher.token;
    const response = await send(withToken(request, sentWith));
    if (response.status !== 401 || !sentWith || new URL(request.url).pathname === "/auth/refresh") {
      return response;
    }
    const renewed = refresher.token !== sentWith ? refresher.token : await refresher.refresh();
    return renewed ? send(withToken(replay, renewed)) : response;
  };
}
