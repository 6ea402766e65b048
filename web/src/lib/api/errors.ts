// Turns a failed call into a sentence a person can act on.

/** The platform's one error shape, {"error": {"code", "message"}}, read defensively. */
export function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}

export function serverMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === "string" ? error.message : undefined;
}

const BY_CODE: Record<string, string> = {
  quota_exceeded: "You have used all your storage. Delete some photos in Media, then try again.",
  file_too_large: "That photo is larger than the upload limit. Choose a smaller one.",
  image_too_large: "That photo has too many pixels. Choose a smaller one.",
  unsupported_media_type: "That file is not a photo we can read. Choose a JPEG, PNG, WebP or GIF.",
  last_sign_in_method: "This is your only way to sign in, so it cannot be removed.",
  blocked: "You can't do that: one of you has blocked the other.",
  wrong_password: "That password is not right. Type the password you sign in with.",
  recent_sign_in_required:
    "For your safety, sign out and sign in again, then delete your account within 10 minutes.",
};

const BY_STATUS: Record<number, string> = {
  401: "Your session has ended. Please sign in again.",
  403: "You are not allowed to do that.",
  404: "That was not found. It may have been deleted.",
  413: "That file is too large. Choose a smaller one.",
  415: "That file is not a photo we can read. Choose a JPEG, PNG, WebP or GIF.",
  429: "Too many attempts. Wait a minute, then try again.",
  502: "A service we depend on did not answer. Try again in a moment.",
  503: "The platform is busy or restarting. Try again in a moment.",
  504: "That took too long. Try again in a moment.",
};

export function describeError(status: number, body: unknown): string {
  const code = errorCode(body);
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (BY_STATUS[status]) return BY_STATUS[status];
  return serverMessage(body) ?? `Something went wrong (${status}). Try again.`;
}

export const NETWORK_ERROR = "You seem to be offline: nothing reached the server. Check your connection and try again.";

/** What an OAuth callback's ?error= code means, and what to do about it. */
export const OAUTH_ERRORS: Record<string, string> = {
  access_denied: "You cancelled the sign-in at the provider. Try again, or use your password.",
  account_exists:
    "An account with this email already exists. Sign in with your password, then link the provider in Settings.",
  identity_in_use:
    "That provider account is already linked to another account here. Sign in with it instead, or unlink it there first.",
  provider_already_linked:
    "You already have an account of that provider linked. Unlink it in Settings first to link another.",
  invalid_state: "The sign-in took too long or was started in another tab. Please try again.",
  invalid_provider_response: "The provider sent an answer we could not verify. Please try again.",
  provider_error: "The provider refused the sign-in. Please try again in a moment.",
  provider_unavailable: "The provider could not be reached. Try again in a moment, or use your password.",
  provider_not_configured: "Sign-in with that provider is not available on this server. Use your password.",
  meta_not_connected: "Connect your Meta account first, then pick an Instagram account.",
  meta_reconnect_required: "Your Meta connection expired. Connect again to continue.",
};

export function oauthErrorMessage(code: string): string {
  return OAUTH_ERRORS[code] ?? "Sign-in did not complete. Please try again.";
}
