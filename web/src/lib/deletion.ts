// The access token an account was deleted with, kept in memory for the goodbye screen.
// Deleting revokes the account's tokens at every service within seconds, and the first
// screen that then asks social or media something (the notifications badge) gets a 401,
// fails to refresh and drops the session's token; GET /auth/me/deletion still answers to
// this one, so the goodbye screen follows the deletion with it.
let token: string | null = null;

export const deletion = {
  remember(value: string | null): void {
    token = value;
  },
  /** The token, once: the goodbye screen takes it and nothing else can. */
  take(): string | null {
    const value = token;
    token = null;
    return value;
  },
};
