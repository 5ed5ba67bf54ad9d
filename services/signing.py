"""The office's digital signature on issued letters (PAdES, with pyHanko), and the check of a signed PDF."""

import asyncio
import io
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509
from flask import current_app
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, pkcs11, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from services.errors import ServiceError

T = TypeVar("T")

# The field the office's signature sits in: invisible, the letter's own text says how to verify it.
FIELD = "PavatiSignature"


class SignerUnavailable(ServiceError):
    """The office's certificate is configured but cannot be used: nothing is issued unsigned by accident."""

    status = 503


@dataclass(frozen=True)
class Signed:
    """A PDF as signed, and whose certificate signed it (the certificate's subject, as people read it)."""

    pdf: bytes
    signer: str


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's last signature says: `intact` (the signed bytes are unchanged), `whole_file` (nothing was
    added after signing), `valid` (both, and the certificate chains to a trusted root), who signed it and when
    (as the signer's own clock says: no timestamp authority vouches for it)."""

    intact: bool
    valid: bool
    whole_file: bool
    signer: str
    signed_at: datetime | None


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """pyHanko's work, which is asyncio inside, run to its end from plain code. Its own blocking calls start an
    event loop with asyncio.run, which fails in a thread where one already runs (a worker or a test harness
    built on asyncio): there the work goes to a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def is_configured(config: Mapping[str, Any]) -> bool:
    """Whether the office signs its letters: a PKCS#12 file or a PKCS#11 token is named."""
    return bool(config.get("SIGNING_P12") or config.get("SIGNING_PKCS11_MODULE"))


def sign(pdf: bytes) -> Signed:
    """The PDF with the office's PAdES baseline signature (/ETSI.CAdES.detached) appended as an
    incremental update, so every byte before it stays as rendered."""
    config = current_app.config
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=config.get("SIGNING_REASON") or None,
        location=config.get("SIGNING_LOCATION") or config.get("LETTER_PLACE") or None,
        contact_info=config.get("CELL_CONTACT_EMAIL") or None,
    )
    with office_signer(config) as signer:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = _run(lambda: signers.async_sign_pdf(writer, meta, signer=signer))
        except Exception as exc:  # a key the token refuses, a certificate not fit for signing...
            raise SignerUnavailable(f"The office's certificate could not sign the letter: {exc}") from exc
        assert signer.signing_cert is not None
        return Signed(pdf=out.getvalue(), signer=_name(signer.signing_cert))


@contextmanager
def office_signer(config: Mapping[str, Any]) -> Iterator[signers.Signer]:
    """The signer the settings name; SignerUnavailable, saying what to fix, if it cannot be loaded."""
    if config.get("SIGNING_P12"):
        yield _pkcs12_signer(config["SIGNING_P12"], config.get("SIGNING_P12_PASSWORD"))
    elif config.get("SIGNING_PKCS11_MODULE"):
        with _pkcs11_signer(config) as signer:
            yield signer
    else:
        raise SignerUnavailable("No signing certificate is configured (SIGNING_P12 or SIGNING_PKCS11_MODULE).")


def _pkcs12_signer(path: str, password: str | None) -> signers.SimpleSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SignerUnavailable(f"The signing certificate file SIGNING_P12 cannot be read: {exc.strerror}.") from exc
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=password.encode() if password else None)
    except ValueError as exc:
        raise SignerUnavailable(
            "The signing certificate file SIGNING_P12 cannot be opened: check SIGNING_P12_PASSWORD."
        ) from exc


@contextmanager
def _pkcs11_signer(config: Mapping[str, Any]) -> Iterator[signers.Signer]:
    """The key on a PKCS#11 token (the USB DSC a signatory holds, or an HSM). It cannot be tested here without
    a token, so it stays this small: pyHanko opens the session, finds the key and certificate by label, and
    the session is closed after each letter (the token may be pulled out between letters)."""
    missing = [key for key in ("SIGNING_PKCS11_TOKEN_LABEL", "SIGNING_PKCS11_PIN") if not config.get(key)]
    if not (config.get("SIGNING_PKCS11_KEY_LABEL") or config.get("SIGNING_PKCS11_CERT_LABEL")):
        missing.append("SIGNING_PKCS11_KEY_LABEL")
    if missing:
        raise SignerUnavailable(f"The signing token is not fully configured: set {', '.join(missing)}.")
    try:
        session = pkcs11.open_pkcs11_session(
            config["SIGNING_PKCS11_MODULE"],
            token_criteria=TokenCriteria(label=config["SIGNING_PKCS11_TOKEN_LABEL"]),
            user_pin=config["SIGNING_PKCS11_PIN"],
        )
    except Exception as exc:  # no module at that path, no such token, a wrong PIN
        raise SignerUnavailable(f"The signing token cannot be opened: {exc}") from exc
    try:
        yield pkcs11.PKCS11Signer(
            session,
            key_label=config.get("SIGNING_PKCS11_KEY_LABEL") or None,
            cert_label=config.get("SIGNING_PKCS11_CERT_LABEL") or config.get("SIGNING_PKCS11_KEY_LABEL"),
        )
    finally:
        session.close()


def trust_roots(path: str | None) -> list[x509.Certificate]:
    """The certificates a signature must chain to (PEM or DER, several in one file); none if no file is set."""
    if not path:
        return []
    try:
        return list(load_certs_from_pemder_data(Path(path).read_bytes()))
    except (OSError, ValueError) as exc:
        raise SignerUnavailable(f"The trusted roots file SIGNING_TRUST_ROOTS cannot be read: {exc}") from exc


def verify(pdf: bytes, roots: Sequence[x509.Certificate | bytes]) -> SignatureCheck | None:
    """The check of the PDF's last signature against `roots` (DER or PEM bytes, or certificates); None if it
    carries none. Nothing is fetched: no revocation lists or OCSP from the network."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    if not reader.embedded_signatures:
        return None
    embedded = reader.embedded_signatures[-1]
    anchors = [root if isinstance(root, x509.Certificate) else _certificate(root) for root in roots]
    # With no roots, pyHanko would fall back to the system's TLS roots: an empty list trusts nothing instead.
    context = ValidationContext(trust_roots=anchors, allow_fetching=False)
    # No analysis of what later revisions changed (its cost grows with what a crafted upload piles on): a
    # letter of ours has nothing after its signature, so anything there makes it not valid.
    status = _run(lambda: async_validate_pdf_signature(embedded, context, skip_diff=True))
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SignatureCheck(
        intact=status.intact,
        valid=status.bottom_line and whole_file,
        whole_file=whole_file,
        signer=_name(status.signing_cert),
        signed_at=status.signer_reported_dt,
    )


def _certificate(data: bytes) -> x509.Certificate:
    return next(iter(load_certs_from_pemder_data(data)))


def _name(certificate: x509.Certificate) -> str:
    """The signer as a person reads it: the common name, with the organisation where there is one."""
    subject = certificate.subject.native
    parts = [subject.get("common_name"), subject.get("organization_name")]
    return ", ".join(str(part) for part in parts if part) or certificate.subject.human_friendly
