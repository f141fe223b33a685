"""Partners' pure rules: the origins they may embed the widget on, their public keys and the
embed snippets they paste. No I/O.

An origin is exactly what a browser sends in its `Origin` header (scheme://host[:port]), so the
CORS check is a plain string comparison against the canonical form kept here."""

from __future__ import annotations

import ipaddress
import re
import secrets
import unicodedata
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

# Plain http only where nobody else can listen: the partner's own machine, in development.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?P<host>\[[^\]/]*\]|[^:/?#]*)"  # a bracketed IPv6 address, or a name
    r"(?::(?P<port>[^/?#]*))?"
    r"(?P<rest>.*)$"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_KEY_SUFFIX_BYTES = 3
MAX_KEY_STEM = 40


class InvalidOrigin(ValueError):
    """Not an origin a partner may register; the message says why, for the organiser."""


def parse_origin(raw: str) -> str:
    """The canonical origin (lower-case, no default port) or InvalidOrigin."""
    match = _ORIGIN.match(raw.strip())
    if match is None:
        raise InvalidOrigin(f"{raw!r} is not an origin: write scheme://host[:port]")
    scheme, host, port, rest = (
        match["scheme"].lower(),
        match["host"].lower(),
        match["port"],
        match["rest"],
    )
    if rest:
        raise InvalidOrigin(
            f"{raw!r} has a path, query or fragment: an origin is scheme://host[:port] only"
        )
    if "*" in host:
        raise InvalidOrigin(f"{raw!r} has a wildcard: register each origin")
    if "@" in raw:
        raise InvalidOrigin(f"{raw!r} has a user name: an origin is scheme://host[:port] only")
    if scheme not in DEFAULT_PORTS:
        raise InvalidOrigin(f"{raw!r}: the scheme must be https (or http on localhost)")
    _check_host(raw, host)
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise InvalidOrigin(f"{raw!r}: use https (plain http only for localhost and 127.0.0.1)")
    if port is None:
        return f"{scheme}://{host}"
    if not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidOrigin(f"{raw!r}: the port must be a number from 1 to 65535")
    if int(port) == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"  # browsers leave the default port out of Origin
    return f"{scheme}://{host}:{int(port)}"


def _check_host(raw: str, host: str) -> None:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidOrigin(f"{raw!r}: {host} is not an IPv6 address") from None
        return
    labels = host.split(".")
    # Browsers send internationalised names in their ASCII (punycode) form: so must the origin.
    if not host or not all(_LABEL.match(label) for label in labels):
        raise InvalidOrigin(
            f"{raw!r}: {host or 'the host'} is not a host name (letters, digits, hyphens, dots; "
            "internationalised names in their xn-- form)"
        )
    if labels[-1].isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidOrigin(f"{raw!r}: {host} is not an IPv4 address") from None


def parse_origins(raw: list[str]) -> list[str]:
    """Every origin canonical, each once, in the given order."""
    return list(dict.fromkeys(parse_origin(origin) for origin in raw))


def new_partner_key(name: str) -> str:
    """A readable public key: the name's ASCII letters and digits, and a random suffix so that two
    partners of one name differ. Not a secret: it is on every page that embeds the widget."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:MAX_KEY_STEM].strip("-")
    return f"{stem or 'partner'}-{secrets.token_hex(_KEY_SUFFIX_BYTES)}"


@dataclass(frozen=True)
class EmbedSnippets:
    script: str
    iframe: str


def embed_snippets(public_url: str, *, key: str, slug: str, title: str) -> EmbedSnippets:
    """What a partner pastes into its page: the script widget, whose link is what shows when
    scripts or CORS fail, or an iframe for sites that allow no third-party scripts."""
    base = public_url.rstrip("/")
    slug_part = quote(slug, safe="")
    hosted = escape(f"{base}/c/{slug_part}", quote=True)
    embed = escape(f"{base}/embed/{slug_part}?partner={quote(key, safe='')}", quote=True)
    script = (
        f'<div data-mobilise-widget data-campaign="{escape(slug)}" data-partner="{escape(key)}" '
        f'data-locale="fr" data-color="#5b2a86">\n'
        f'  <a href="{hosted}">{escape(title)}</a>\n'
        f"</div>\n"
        f'<script src="{escape(base, quote=True)}/widget.js" async></script>'
    )
    iframe = (
        f'<iframe src="{embed}" title="{escape(title, quote=True)}" '
        f'width="100%" height="720" style="border:0;max-width:36rem" loading="lazy"></iframe>'
    )
    return EmbedSnippets(script=script, iframe=iframe)


# The pages' own policy (mobilise_runtime.pages), but framed by the partner's sites only.
_EMBED_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)


@dataclass(frozen=True)
class Embed:
    """A campaign's form in a partner's iframe: signups record `partner`; only its `origins`
    may frame the page."""

    partner: str
    origins: tuple[str, ...]

    def headers(self) -> dict[str, str]:
        ancestors = " ".join(self.origins) or "'none'"
        return {"Content-Security-Policy": _EMBED_POLICY.format(ancestors=ancestors)}
