"""Keeping feeds added from chat away from internal addresses (SSRF).

A chat admin is not the operator: a feed they add must be an http(s) URL
(never a path) whose host resolves only to public addresses.  A host is
refused when ANY of its addresses is loopback, private, link-local,
unique-local, shared (CGNAT), multicast, reserved or unspecified, including
IPv4 inside IPv6 (mapped, 6to4, Teredo, NAT64) and the legacy IPv4 spellings
``0x7f000001``, ``2130706433`` and ``0177.0.0.1`` (the resolver reads those
as 127.0.0.1, and so do we: the check is on resolved addresses).

``FetchGuard.check_url`` gives the early, clear refusal (when subscribing,
before each request and redirect); ``bot.feeds.transport`` repeats the check
at connect time on the addresses it then connects to, so a DNS answer that
changes in between (rebinding) gains nothing.  ``[fetch] allow_private``
names the exceptions: hosts, addresses or networks.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import InvalidSourceError
from bot.feedurls import redact_feed_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class BlockedSourceError(InvalidSourceError):
    """A feed from chat names a path, another scheme, or a host with an internal address."""


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_internal(ip: IPAddress) -> bool:
    """Whether ``ip`` is anything but a public unicast address."""
    inner = embedded_ipv4(ip)
    if inner is not None and is_internal(inner):
        return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def _addresses(infos: Iterable[tuple[object, ...]]) -> list[IPAddress]:
    found: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        if isinstance(sockaddr, tuple) and sockaddr:
            # Drop an IPv6 zone ("fe80::1%eth0"): the address alone decides.
            text = str(sockaddr[0]).split("%", 1)[0]
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                continue
            if address not in found:
                found.append(address)
    return found


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (TCP), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise BlockedSourceError(f"{host[:80]}: cannot resolve the host ({exc})") from None
    addresses = _addresses(infos)
    if not addresses:
        raise BlockedSourceError(f"{host[:80]}: the host has no address")
    return addresses


@dataclass(frozen=True)
class FetchGuard:
    """Which internal hosts and addresses chat feeds may reach (``[fetch] allow_private``)."""

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_allowlist(cls, entries: Iterable[str]) -> FetchGuard:
        """Build from config entries: a host name, an IP address or a network (CIDR)."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            text = entry.strip().strip("[]").lower()
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                hosts.add(text.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        """Whether the operator named this host itself."""
        return host.strip("[]").lower().rstrip(".") in self.allowed_hosts

    def address_allowed(self, ip: IPAddress) -> bool:
        """Whether ``ip`` is public, or inside a network the operator allowed."""
        if any(ip in network for network in self.allowed_networks):
            return True
        inner = embedded_ipv4(ip)
        if inner is not None and any(inner in network for network in self.allowed_networks):
            return True
        return not is_internal(ip)

    def checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        """Resolve ``host`` and return its addresses; refuse if any is internal and not allowed.

        All addresses must pass, not just the first: a resolver may hand out
        another one on the next connection.
        """
        addresses = resolve(host, port)
        if self.host_allowed(host):
            return addresses
        for address in addresses:
            if not self.address_allowed(address):
                # The address itself stays out of the message: it goes to chat, and
                # an internal DNS answer is not the chat admin's to learn.
                raise BlockedSourceError(
                    f"{host[:80]}: refused, the host has an internal address; feeds added from"
                    " chat must be public (the operator can allow it with [fetch] allow_private)"
                )
        return addresses

    def check_url(self, url: str) -> None:
        """Refuse anything but an http(s) URL to a public host (resolving it now)."""
        shown = redact_feed_url(url)[:80]  # the refusal goes to chat and the log
        if "://" not in url:
            raise BlockedSourceError(
                f"{shown}: a feed added from chat must be an http(s) URL, not a file path"
            )
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise BlockedSourceError(f"{shown}: not a valid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise BlockedSourceError(
                f"{shown}: a feed added from chat must be an http(s) URL, not {scheme}:"
            )
        host = parts.hostname
        if not host:
            raise BlockedSourceError(f"{shown}: the URL names no host")
        self.checked_addresses(host, port or (443 if scheme == "https" else 80))
