// Who is signed in. The access token itself lives only in the refresher's memory.
import { api, refresher, sessionHooks, type Schemas } from "./api/client";

class Session {
  user = $state<Schemas["UserRead"] | null>(null);
  /** False until the first refresh from the cookie has answered. */
  ready = $state(false);

  /** On load: a refresh cookie (from an earlier visit or an OAuth callback) signs us in. */
  async restore(): Promise<void> {
    await refresher.refresh();
    this.ready = true;
  }

  /** The user is set by the renewed hook, once requests carry the new token. */
  signedIn(tokens: Schemas["TokenRead"]): void {
    refresher.accept(tokens);
  }

  async reloadUser(): Promise<void> {
    const { data } = await api.GET("/auth/me");
    if (data) this.user = data;
  }

  async signOut(everywhere = false): Promise<void> {
    if (everywhere) await api.POST("/auth/logout-all");
    else await api.POST("/auth/logout");
    this.forget();
  }

  forget(): void {
    refresher.clear();
    this.user = null;
  }
}

export const session = new Session();

sessionHooks.renewed = (tokens) => {
  session.user = tokens.user;
};
sessionHooks.ended = () => {
  session.user = null;
};
