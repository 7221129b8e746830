"""Which addresses the fetcher may connect to.

The fetcher opens any URL a stranger types, so every address it would connect
to passes through `is_blocked` first. The blocklist is explicit (not
`ipaddress.is_private`, whose meaning shifts between Python versions), and
IPv4 addresses hidden inside IPv6 (mapped, compatible, 6to4, Teredo, NAT64)
are unwrapped and checked as IPv4 too. Host names written as odd numeric
spellings (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) are read the
way `inet_aton` would read them, because that is how the OS resolver would
connect to them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_V4: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved
        "255.255.255.255/32",
    )
)

BLOCKED_V6: tuple[ipaddress.IPv6Network, ...] = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/128",
        "::1/128",
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)

_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765

_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")
_LOOKS_NUMERIC = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read `host` as `inet_aton` would: 1 to 4 parts, each decimal, octal (0..) or hex (0x..).

    `127.1` is 127.0.0.1, `2130706433` and `0x7f000001` are too, `0177.0.0.1` is octal.
    Returns None when `host` is not a numeric IPv4 spelling at all.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def ends_in_number(host: str) -> bool:
    """True when a host's last label is numeric, so it can only be an (invalid) IPv4 spelling.

    The WHATWG URL standard rejects such hosts rather than looking them up as names.
    """
    labels = host.rstrip(".").split(".")
    return bool(labels) and bool(_LOOKS_NUMERIC.match(labels[-1]))


def parse_ip(text: str) -> IPAddress | None:
    """An IP address written in any form a URL host or a resolver answer may use, else None.

    Accepts `[v6]` brackets, an IPv6 zone (`fe80::1%eth0`, dropped) and the odd IPv4
    spellings of `parse_ipv4`. One trailing dot is ignored, as resolvers ignore it.
    """
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        host = host.split("%", 1)[0]
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    if host.endswith("."):
        host = host[:-1]
    return parse_ipv4(host)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    number = int(address)
    low32 = ipaddress.IPv4Address(number & 0xFFFFFFFF)
    if address in _COMPATIBLE or address in _TRANSLATED or any(address in net for net in _NAT64):
        found.append(low32)
    if address in _SIXTOFOUR and address.sixtofour is not None:
        found.append(address.sixtofour)
    if address in _TEREDO:
        server = ipaddress.IPv4Address((number >> 64) & 0xFFFFFFFF)
        client = ipaddress.IPv4Address(~number & 0xFFFFFFFF)
        found.extend((server, client))
    return found


def is_blocked(address: IPAddress) -> bool:
    """True when `address` is not a public unicast address the fetcher may connect to."""
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in net for net in BLOCKED_V4)
    if any(address in net for net in BLOCKED_V6):
        return True
    return any(is_blocked(inner) for inner in embedded_ipv4(address))


def any_blocked(addresses: Iterable[IPAddress]) -> bool:
    """True if any of the addresses is blocked (one private answer taints a name)."""
    return any(is_blocked(address) for address in addresses)


def normalise_host(host: str) -> str:
    """A host as compared against the allowlist: lower case, no trailing dot, IPs canonical."""
    address = parse_ip(host)
    if address is not None:
        return str(address)
    return host.strip().strip("[]").rstrip(".").lower()


def parse_allow_entry(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]:port` or a bare IPv6 address -> (normalised host, port or None)."""
    entry = entry.strip()
    port: int | None = None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"bad port in allow entry {entry!r}")
        port = int(port_text)
    else:
        host = entry
    return normalise_host(host), port


def is_allowed(host: str, port: int, allow: Iterable[str]) -> tuple[bool, bool]:
    """(exempt from the private-network block, exempt from the port restriction) for host:port.

    A `host` entry exempts the host on any allowed port; a `host:port` entry exempts that
    port as well. Malformed entries exempt nothing.
    """
    wanted = normalise_host(host)
    network_ok = port_ok = False
    for entry in allow:
        try:
            entry_host, entry_port = parse_allow_entry(entry)
        except ValueError:
            continue
        if entry_host != wanted:
            continue
        if entry_port is None:
            network_ok = True
        elif entry_port == port:
            network_ok = port_ok = True
    return network_ok, port_ok
