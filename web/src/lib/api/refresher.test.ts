import { describe, expect, it, vi } from "vitest";
import { authorizedFetch, renewDelayMs, TokenRefresher, type IssuedToken } from "./refresher";

function manualTimers() {
  const timers: { run: () => void; ms: number; cleared: boolean }[] = [];
  return {
    timers,
    setTimer: (run: () => void, ms: number) => {
      const timer = { run, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => {
      (timer as { cleared: boolean }).cleared = true;
    },
  };
}

const issued = (token: string, expires_in = 900): IssuedToken => ({ access_token: token, expires_in });

describe("renewDelayMs", () => {
  it("renews a minute early for long-lived tokens", () => {
    expect(renewDelayMs(900)).toBe(840_000);
  });
  it("renews a quarter early for short-lived ones", () => {
    expect(renewDelayMs(20)).toBe(15_000);
  });
  it("never schedules below a second", () => {
    expect(renewDelayMs(0)).toBe(1000);
  });
});

describe("TokenRefresher", () => {
  it("plans a renewal when it accepts a token, and runs it on time", async () => {
    const clock = manualTimers();
    const renew = vi.fn().mockResolvedValue(issued("second"));
    const refresher = new TokenRefresher({ renew, ...clock });
    refresher.accept(issued("first", 20));
    expect(refresher.token).toBe("first");
    expect(clock.timers[0].ms).toBe(15_000);
    clock.timers[0].run();
    await vi.waitFor(() => expect(refresher.token).toBe("second"));
    expect(clock.timers[0].cleared).toBe(true);
    expect(clock.timers).toHaveLength(2);
  });

  it("shares one renewal between callers that arrive together", async () => {
    let resolve!: (value: IssuedToken) => void;
    const renew = vi.fn(() => new Promise<IssuedToken>((r) => (resolve = r)));
    const refresher = new TokenRefresher({ renew, ...manualTimers() });
    const first = refresher.refresh();
    const second = refresher.refresh();
    resolve(issued("new"));
    expect(await first).toBe("new");
    expect(await second).toBe("new");
    expect(renew).toHaveBeenCalledTimes(1);
    // Once settled, a later call renews again.
    renew.mockResolvedValueOnce(issued("newer"));
    expect(await refresher.refresh()).toBe("newer");
  });

  it("tells the listener of a renewal only once requests carry the new token", async () => {
    const seen: (string | null)[] = [];
    const refresher: TokenRefresher = new TokenRefresher({
      renew: async () => issued("renewed"),
      onChange: () => seen.push(refresher.token),
      ...manualTimers(),
    });
    await refresher.refresh();
    expect(seen).toEqual(["renewed"]);
  });

  it("signs out when the server refuses the refresh", async () => {
    const onChange = vi.fn();
    const refresher = new TokenRefresher({ renew: async () => null, onChange, ...manualTimers() });
    refresher.accept(issued("first"));
    expect(await refresher.refresh()).toBeNull();
    expect(refresher.token).toBeNull();
    expect(onChange).toHaveBeenLastCalledWith(null);
  });

  it("keeps the token through a network failure", async () => {
    const refresher = new TokenRefresher({
      renew: () => Promise.reject(new TypeError("offline")),
      ...manualTimers(),
    });
    refresher.accept(issued("first"));
    expect(await refresher.refresh()).toBe("first");
  });
});

describe("authorizedFetch", () => {
  const ok = () => new Response("{}", { status: 200 });
  const unauthorized = () => new Response("{}", { status: 401 });

  it("sends the bearer token", async () => {
    const refresher = new TokenRefresher({ renew: async () => null, ...manualTimers() });
    refresher.accept(issued("tok"));
    const send = vi.fn(async (_: Request) => ok());
    await authorizedFetch(refresher, send)(new Request("http://app/feed"));
    expect(send.mock.calls[0][0].headers.get("Authorization")).toBe("Bearer tok");
  });

  it("renews once on a 401 and replays the request with its body", async () => {
    const refresher = new TokenRefresher({ renew: async () => issued("fresh"), ...manualTimers() });
    refresher.accept(issued("stale"));
    const seen: [string | null, string][] = [];
    const send = vi.fn(async (request: Request) => {
      seen.push([request.headers.get("Authorization"), await request.text()]);
      return seen.length === 1 ? unauthorized() : ok();
    });
    const response = await authorizedFetch(refresher, send)(
      new Request("http://app/posts/1/comments", { method: "POST", body: '{"content":"hi"}' }),
    );
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      ["Bearer stale", '{"content":"hi"}'],
      ["Bearer fresh", '{"content":"hi"}'],
    ]);
  });

  it("gives up after one retry", async () => {
    const refresher = new TokenRefresher({ renew: async () => issued("fresh"), ...manualTimers() });
    refresher.accept(issued("stale"));
    const send = vi.fn(async () => unauthorized());
    const response = await authorizedFetch(refresher, send)(new Request("http://app/feed"));
    expect(response.status).toBe(401);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it("does not retry without a session, nor the refresh call itself", async () => {
    const renew = vi.fn(async () => issued("fresh"));
    const refresher = new TokenRefresher({ renew, ...manualTimers() });
    const send = vi.fn(async () => unauthorized());
    await authorizedFetch(refresher, send)(new Request("http://app/feed"));
    refresher.accept(issued("stale"));
    await authorizedFetch(refresher, send)(new Request("http://app/auth/refresh", { method: "POST" }));
    expect(renew).not.toHaveBeenCalled();
    expect(send).toHaveBeenCalledTimes(2);
  });
});
