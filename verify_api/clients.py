"""Who the client is, for the rate limits: the peer address, or what the configured trusted proxies report.

`CERTLEDGER_TRUSTED_PROXIES` lists addresses or networks (comma-separated, e.g. `10.0.0.5, 10.1.0.0/16`);
none by default. Only a peer on that list may name the client, in `X-Forwarded-For`: the list is read
from the right (the nearest hop first), skipping trusted proxies, and the first address that is not
one of them is the client. From any other peer the header is ignored, loopback included: a spoofed
header buys no new bucket. The server must hand the application the real peer (`certledger serve`
runs uvicorn with its own proxy-header handling off).

An IPv6 client is its /64: one host usually holds the whole prefix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(spec: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.5, 10.1.0.0/16, ::1` as networks; ValueError naming the entry that is neither."""
    networks = []
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def bucket_name(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The text a client's bucket is keyed by: the address, or its /64 for IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class ClientAddresses:
    def __init__(self, trusted: Iterable[IPNetwork] = ()) -> None:
        self.trusted = tuple(trusted)

    @classmethod
    def of(cls, spec: str) -> ClientAddresses:
        return cls(parse_proxies(spec))

    def _trusts(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address.version == n.version and address in n for n in self.trusted)

    def client(self, peer: str | None, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """The bucket key text of a request from `peer` with these (ASGI) headers."""
        if not peer:
            return "unknown"
        address = _address(peer)
        if address is None:
            return peer  # not an IP (a Unix socket, the test client): the name itself
        if not self.trusted or not self._trusts(address):
            return bucket_name(address)
        hops = [h for name, value in headers if name == b"x-forwarded-for"
                for h in value.decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):
            hop_address = _address(hop)
            if hop_address is None:
                return "invalid"  # a trusted proxy passed on garbage: one bucket for all of it
            if not self._trusts(hop_address):
                return bucket_name(hop_address)
            address = hop_address
        return bucket_name(address)  # every hop is a trusted proxy: the farthest one is the client
