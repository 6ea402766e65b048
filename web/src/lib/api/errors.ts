// Turns a failed call into a sentence a person can act on, in their language: the API's
// error codes and HTTP statuses each have a message in the catalogs (web/messages/).
import { m } from "$lib/paraglide/messages";

type Message = () => string;

/** The platform's one error shape, {"error": {"code", "message"}}, read defensively. */
export function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}

export function serverMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === "string" ? error.message : undefined;
}

const BY_CODE: Record<string, Message> = {
  quota_exceeded: m.error_quota_exceeded,
  file_too_large: m.error_file_too_large,
  image_too_large: m.error_image_too_large,
  unsupported_media_type: m.error_unsupported_media_type,
  last_sign_in_method: m.error_last_sign_in_method,
  blocked: m.error_blocked,
  wrong_password: m.error_wrong_password,
  recent_sign_in_required: m.error_recent_sign_in_required,
  invalid_credentials: m.error_invalid_credentials,
  username_taken: m.error_username_taken,
  email_taken: m.error_email_taken,
  media_in_use: m.error_media_in_use,
  corrupt_image: m.error_corrupt_image,
  cannot_follow_self: m.error_cannot_follow_self,
  private_account: m.error_private_account,
  analysis_already_active: m.error_analysis_already_active,
  instagram_session_invalid: m.error_instagram_session_invalid,
  instagram_private_account: m.error_instagram_private_account,
  instagram_user_not_found: m.error_instagram_user_not_found,
  instagram_checkpoint: m.error_instagram_checkpoint,
  instagram_session_expired: m.error_instagram_session_expired,
  instagram_rate_limited: m.error_instagram_rate_limited,
  instagram_unavailable: m.error_instagram_unavailable,
  invalid_code: m.error_invalid_code,
  invalid_passkey: m.error_invalid_passkey,
  invalid_challenge: m.error_invalid_challenge,
  passkey_exists: m.error_passkey_exists,
  too_many_attempts: m.error_too_many_attempts,
  totp_already_enabled: m.error_totp_already_enabled,
  totp_not_enabled: m.error_totp_not_enabled,
  totp_not_set_up: m.error_totp_not_set_up,
};

/** The sentence for an error code the platform reports outside a response (a failed scan). */
export function describeCode(code: string, fallback: string): string {
  return BY_CODE[code]?.() ?? fallback;
}

const BY_STATUS: Record<number, Message> = {
  401: m.error_401,
  403: m.error_403,
  404: m.error_404,
  413: m.error_413,
  415: m.error_unsupported_media_type,
  429: m.error_429,
  502: m.error_502,
  503: m.error_503,
  504: m.error_504,
};

export function describeError(status: number, body: unknown): string {
  const code = errorCode(body);
  // A form the server refused: which field and why is in its message (not translated).
  if (code === "validation_error" || (status === 422 && !code))
    return m.error_validation({ detail: serverMessage(body) ?? "" });
  const byCode = code ? BY_CODE[code] : undefined;
  if (byCode) return byCode();
  const byStatus = BY_STATUS[status];
  if (byStatus) return byStatus();
  return m.error_unknown({ status });
}

export const NETWORK_ERROR: Message = m.error_network;

/** What an OAuth callback's ?error= code means, and what to do about it. */
const OAUTH_ERRORS: Record<string, Message> = {
  access_denied: m.oauth_access_denied,
  account_exists: m.oauth_account_exists,
  identity_in_use: m.oauth_identity_in_use,
  provider_already_linked: m.oauth_provider_already_linked,
  invalid_state: m.oauth_invalid_state,
  invalid_provider_response: m.oauth_invalid_provider_response,
  provider_error: m.oauth_provider_error,
  provider_unavailable: m.oauth_provider_unavailable,
  provider_not_configured: m.oauth_provider_not_configured,
  meta_not_connected: m.oauth_meta_not_connected,
  meta_reconnect_required: m.oauth_meta_reconnect_required,
};

export function oauthErrorMessage(code: string): string {
  return (OAUTH_ERRORS[code] ?? m.oauth_unknown)();
}
