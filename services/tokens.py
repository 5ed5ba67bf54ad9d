"""The secrets Pavati hands out (API tokens, officers' links, staff's password links) are stored only as these
digests; a link's token is derived from the app's secret and a random nonce kept beside the digest."""

import base64
import hashlib
import hmac

from flask import current_app


def digest(token: str) -> str:
    """The SHA-256 of a token, as kept in the database and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def derived(purpose: str, nonce: str) -> str:
    """The token of a link: an HMAC of its random nonce under the app's secret, for one purpose.

    Derived rather than stored, so that an email can be made again (a reminder, a background job
    that takes only ids) while the database holds only the token's digest.
    """
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
