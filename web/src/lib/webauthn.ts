// Passkeys: the server's WebAuthn options arrive as JSON (binary fields in base64url) and
// the credential goes back as JSON. Browsers that have WebAuthn's own JSON methods
// (PublicKeyCredential.parse*OptionsFromJSON, credential.toJSON()) use them; for the others
// the same conversion is done here, field by field, as the spec defines it.

type Json = Record<string, unknown>;

export function fromBase64url(value: string): ArrayBuffer {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function toBase64url(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const withIds = (list: unknown) =>
  Array.isArray(list) ? list.map((credential: Json) => ({ ...credential, id: fromBase64url(credential.id as string) })) : undefined;

/** The options for navigator.credentials.create() from the server's JSON. */
export function creationOptions(json: PublicKeyCredentialCreationOptionsJSON): PublicKeyCredentialCreationOptions {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  } as PublicKeyCredentialCreationOptions;
}

/** The options for navigator.credentials.get() from the server's JSON. */
export function requestOptions(json: PublicKeyCredentialRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: withIds(json.allowCredentials),
  } as PublicKeyCredentialRequestOptions;
}

/** A new or asserted credential as the JSON the server verifies. */
export function credentialJson(credential: PublicKeyCredential): Json {
  if (typeof credential.toJSON === "function") return credential.toJSON() as Json;
  const response = credential.response;
  const common = { clientDataJSON: toBase64url(response.clientDataJSON) };
  let body: Json;
  if ("attestationObject" in response) {
    const attestation = response as AuthenticatorAttestationResponse;
    body = {
      ...common,
      attestationObject: toBase64url(attestation.attestationObject),
      transports: attestation.getTransports?.() ?? [],
    };
  } else {
    const assertion = response as AuthenticatorAssertionResponse;
    body = {
      ...common,
      authenticatorData: toBase64url(assertion.authenticatorData),
      signature: toBase64url(assertion.signature),
      userHandle: assertion.userHandle ? toBase64url(assertion.userHandle) : null,
    };
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: body,
  };
}

/** Whether this browser can use passkeys at all. */
export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

/** What went wrong in the browser's passkey step (navigator.credentials.create / get):
 * - "cancelled": the person closed the dialog or took too long (nothing happened);
 * - "already": creating one on an authenticator that holds one of this account already
 *   (the server lists them in excludeCredentials);
 * - "failed": anything else the browser refused (no secure context, unsupported, ...);
 * - null: not the browser's refusal (let it propagate). */
export function passkeyFailure(error: unknown): "cancelled" | "already" | "failed" | null {
  if (!(error instanceof DOMException)) return null;
  if (error.name === "NotAllowedError" || error.name === "AbortError") return "cancelled";
  if (error.name === "InvalidStateError") return "already";
  return "failed";
}
