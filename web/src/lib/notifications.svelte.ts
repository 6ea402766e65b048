// The unread count the navigation shows: asked again on every screen change and every
// half minute while the tab is visible, so a new like shows up without a reload.
import { api } from "./api/client";

const POLL_MS = 30_000;

class Unread {
  count = $state(0);
  private asked = 0;

  async refresh(): Promise<void> {
    // Only the newest question's answer counts: an older one can arrive later, and stale.
    const asking = ++this.asked;
    try {
      const { data } = await api.GET("/notifications/unread-count");
      if (data && asking === this.asked) this.count = data.count;
    } catch {
      // Offline: the badge keeps its last count; the screens say what failed.
    }
  }

  /** Signed out: no count, and no answer still on its way may set one. */
  reset(): void {
    this.asked++;
    this.count = 0;
  }

  /** Polls while signed in; the returned function stops it. */
  watch(): () => void {
    this.refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") this.refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }
}

export const unread = new Unread();
