import { afterEach, describe, expect, it, vi } from "vitest";
import { creationOptions, credentialJson, fromBase64url, passkeyFailure, requestOptions, toBase64url } from "./webauthn";

const bytes = (buffer: ArrayBuffer | BufferSource | undefined) => [...new Uint8Array(buffer as ArrayBuffer)];

describe("base64url", () => {
  it("round-trips every byte, without padding, with the URL-safe alphabet", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const encoded = toBase64url(all);
    expect(encoded).not.toMatch(/[+/=]/);
    expect(bytes(fromBase64url(encoded))).toEqual([...all]);
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(bytes(fromBase64url("-_8"))).toEqual([0xfb, 0xff]);
  });
});

describe("without the browser's JSON methods", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("decodes the challenge, the user id and the credential ids", () => {
    vi.stubGlobal("PublicKeyCredential", class {});
    const created = creationOptions({
      challenge: "AQID",
      rp: { name: "Photogram", id: "localhost" },
      user: { id: "BAU", name: "ann", displayName: "ann" },
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      excludeCredentials: [{ type: "public-key", id: "Bgc" }],
    });
    expect(bytes(created.challenge)).toEqual([1, 2, 3]);
    expect(bytes(created.user.id)).toEqual([4, 5]);
    expect(bytes(created.excludeCredentials?.[0].id)).toEqual([6, 7]);
    expect(created.rp.id).toBe("localhost");

    const requested = requestOptions({ challenge: "CAk", rpId: "localhost", userVerification: "preferred" });
    expect(bytes(requested.challenge)).toEqual([8, 9]);
    expect(requested.allowCredentials).toBeUndefined();
    expect(requested.userVerification).toBe("preferred");
  });

  it("encodes an assertion as the server reads it", () => {
    const buffer = (...values: number[]) => new Uint8Array(values).buffer;
    const credential = {
      id: "Bgc",
      rawId: buffer(6, 7),
      type: "public-key",
      authenticatorAttachment: "platform",
      getClientExtensionResults: () => ({}),
      response: { clientDataJSON: buffer(1), authenticatorData: buffer(2), signature: buffer(3), userHandle: buffer(4, 5) },
    } as unknown as PublicKeyCredential;
    expect(credentialJson(credential)).toEqual({
      id: "Bgc",
      rawId: "Bgc",
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: { clientDataJSON: "AQ", authenticatorData: "Ag", signature: "Aw", userHandle: "BAU" },
    });
  });
});

describe("passkeyFailure", () => {
  it("tells a dismissed dialog, a passkey already there and other refusals apart", () => {
    expect(passkeyFailure(new DOMException("closed", "NotAllowedError"))).toBe("cancelled");
    expect(passkeyFailure(new DOMException("aborted", "AbortError"))).toBe("cancelled");
    expect(passkeyFailure(new DOMException("excluded", "InvalidStateError"))).toBe("already");
    expect(passkeyFailure(new DOMException("insecure", "SecurityError"))).toBe("failed");
    expect(passkeyFailure(new TypeError("Failed to fetch"))).toBeNull();
  });
});
