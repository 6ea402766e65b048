"""Second factors as a person's devices hold them, for the tests: an authenticator app
(TOTP, computed with pyotp from the secret setup returned) and a software passkey (an
ES256 key that answers WebAuthn's create() and get() as a browser and authenticator do
together, with "none" attestation). A real browser's authenticator is tested in
tests/e2e/browser with Chromium's virtual authenticator.
"""

import hashlib
import json
import secrets
import struct
import time
from base64 import urlsafe_b64encode
from typing import Any

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

STEP_SECONDS = 30
# Flags of authenticatorData: user present, user verified, attested credential data.
UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class AuthenticatorApp:
    """The codes an app shows for `secret`. The server accepts each 30 s step's code once
    and a step either side of its own, so this hands out the oldest step still accepted
    and never used: up to three codes at once without waiting for the clock."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step: int | None = None

    def code(self) -> str:
        """A fresh code, as a person would type the one on screen."""
        now = time.time()
        current = int(now // STEP_SECONDS)
        # The step before is accepted only while the server's clock is in this step; a
        # second left is too little margin for the request to arrive.
        first = current - 1 if STEP_SECONDS - now % STEP_SECONDS > 3 else current
        for step in range(first, current + 2):
            if self.last_step is None or step > self.last_step:
                self.last_step = step
                return self.totp.generate_otp(step)
        raise AssertionError("every code of this minute is used: take a recovery code")

    def last_code(self) -> str:
        """The code accepted last: a replay."""
        assert self.last_step is not None
        return self.totp.generate_otp(self.last_step)

    def wrong_code(self) -> str:
        """A code of no step the server would accept now."""
        current = int(time.time() // STEP_SECONDS)
        accepted = {self.totp.generate_otp(step) for step in range(current - 2, current + 3)}
        while (code := f"{secrets.randbelow(10**6):06d}") in accepted:
            pass
        return code


class SoftPasskey:
    """One discoverable credential for `origin`'s relying party, answering the JSON
    options the server sends with what `PublicKeyCredential.toJSON()` would give."""

    def __init__(self, origin: str, rp_id: str) -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0
        self.user_handle: str | None = None

    def _rp_id_hash(self, options_rp_id: str | None) -> bytes:
        # A browser refuses options for another site; so does this authenticator.
        assert options_rp_id in (None, self.rp_id), f"options for {options_rp_id}"
        return hashlib.sha256(self.rp_id.encode()).digest()

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        ).encode()

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # EC2 key (kty 2), ES256 (alg -7), P-256 (crv 1), x and y.
        return encode_cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """navigator.credentials.create(): a new credential, "none" attestation."""
        assert options["authenticatorSelection"]["residentKey"] == "required"
        self.user_handle = options["user"]["id"]
        attested = (
            bytes(16)  # AAGUID: none for a software authenticator
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_public_key()
        )
        auth_data = (
            self._rp_id_hash(options["rp"].get("id"))
            + bytes([UP | UV | AT])
            + struct.pack(">I", self.sign_count)
            + attested
        )
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict[str, Any], *, count: int | None = None) -> dict[str, Any]:
        """navigator.credentials.get(): an assertion signed over the challenge; `count`
        overrides the signature counter (a cloned authenticator's would lag)."""
        allowed = options.get("allowCredentials") or []
        assert not allowed or b64url(self.credential_id) in [c["id"] for c in allowed]
        self.sign_count = self.sign_count + 1 if count is None else count
        auth_data = (
            self._rp_id_hash(options.get("rpId"))
            + bytes([UP | UV])
            + struct.pack(">I", self.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], None)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
