"""The secrets Pavati hands out (API tokens, officers' links) are stored only as these digests."""

import hashlib


def digest(token: str) -> str:
    """The SHA-256 of a token, as kept in the database and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()
