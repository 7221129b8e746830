"""bot.netguard: the address blocklist, IPv4-in-IPv6 unwrapping and odd address spellings."""

from __future__ import annotations

import ipaddress

import pytest

from bot.netguard import (
    embedded_ipv4,
    ends_in_number,
    is_allowed,
    is_blocked,
    normalise_host,
    parse_allow_entry,
    parse_ip,
    parse_ipv4,
)


@pytest.mark.parametrize(
    "spelling",
    ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1",
     "0x7f.0.0.1", "0x7f.1", "017700000001", "127.000.000.001"],
)
def test_loopback_spellings_read_as_inet_aton_reads_them(spelling: str) -> None:
    assert parse_ipv4(spelling) == ipaddress.IPv4Address("127.0.0.1")


def test_zero_and_metadata_decimal_forms_are_parsed() -> None:
    assert parse_ipv4("0") == ipaddress.IPv4Address("0.0.0.0")
    assert parse_ipv4("2852039166") == ipaddress.IPv4Address("169.254.169.254")
    assert parse_ipv4("0xa9fea9fe") == ipaddress.IPv4Address("169.254.169.254")


@pytest.mark.parametrize("text", ["example.com", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "4294967296",
                                  "1.2.3.x", "", "1..2", "0x1g"])
def test_non_addresses_are_not_parsed_as_ipv4(text: str) -> None:
    assert parse_ipv4(text) is None


def test_numeric_last_label_is_recognised() -> None:
    assert ends_in_number("1.2.3.256")
    assert ends_in_number("foo.0x10")
    assert not ends_in_number("example.com")
    assert not ends_in_number("3com.com")


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1",
     "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
     "198.51.100.7", "203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255",
     "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "100::1", "2001:db8::1",
     "2001:2::1", "64:ff9b::808:808"],
)
def test_private_and_special_addresses_are_blocked(address: str) -> None:
    assert is_blocked(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1",
                                     "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::1"])
def test_public_addresses_are_not_blocked(address: str) -> None:
    assert not is_blocked(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address, inner",
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),  # mapped
        ("::ffff:7f00:1", "127.0.0.1"),
        ("::127.0.0.1", "127.0.0.1"),  # compatible
        ("::ffff:0:a00:1", "10.0.0.1"),  # SIIT translated
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
        ("64:ff9b:1::c0a8:101", "192.168.1.1"),  # local-use NAT64
    ],
)
def test_ipv4_hidden_in_ipv6_is_unwrapped(address: str, inner: str) -> None:
    assert ipaddress.IPv4Address(inner) in embedded_ipv4(ipaddress.IPv6Address(address))
    assert is_blocked(ipaddress.IPv6Address(address))


def test_teredo_client_address_is_the_inverted_last_32_bits() -> None:
    # Teredo client 127.0.0.1 is stored inverted: ~0x7f000001 = 0x80fffffe.
    address = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:80ff:fffe")
    assert ipaddress.IPv4Address("127.0.0.1") in embedded_ipv4(address)
    assert ipaddress.IPv4Address("65.54.227.120") in embedded_ipv4(address)
    assert is_blocked(address)


def test_mapped_public_address_is_allowed() -> None:
    assert not is_blocked(ipaddress.IPv6Address("::ffff:8.8.8.8"))


@pytest.mark.parametrize(
    "text, expected",
    [("[::1]", "::1"), ("[::ffff:127.0.0.1]", "::ffff:7f00:1"), ("fe80::1%eth0", "fe80::1"),
     ("127.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("[0:0:0:0:0:ffff:7f00:1]", "::ffff:7f00:1")],
)
def test_parse_ip_accepts_url_and_resolver_forms(text: str, expected: str) -> None:
    assert parse_ip(text) == ipaddress.ip_address(expected)


def test_parse_ip_rejects_names() -> None:
    assert parse_ip("localhost") is None
    assert parse_ip("[not-an-ip]") is None


def test_hosts_are_normalised_for_comparison() -> None:
    assert normalise_host("Example.COM.") == "example.com"
    assert normalise_host("127.1") == "127.0.0.1"
    assert normalise_host("[::1]") == "::1"


@pytest.mark.parametrize(
    "entry, expected",
    [("example.com", ("example.com", None)), ("127.0.0.1:8080", ("127.0.0.1", 8080)),
     ("[::1]:8443", ("::1", 8443)), ("::1", ("::1", None)), ("LocalHost", ("localhost", None))],
)
def test_allow_entries_are_parsed(entry: str, expected: tuple[str, int | None]) -> None:
    assert parse_allow_entry(entry) == expected


def test_host_entry_exempts_the_network_block_but_not_the_port() -> None:
    assert is_allowed("intranet.local", 8080, ["intranet.local"]) == (True, False)


def test_host_port_entry_exempts_both_only_on_that_port() -> None:
    assert is_allowed("127.0.0.1", 8080, ["127.0.0.1:8080"]) == (True, True)
    assert is_allowed("127.0.0.1", 8081, ["127.0.0.1:8080"]) == (False, False)
    assert is_allowed("127.1", 8080, ["127.0.0.1:8080"]) == (True, True)


def test_unlisted_and_malformed_entries_exempt_nothing() -> None:
    assert is_allowed("10.0.0.1", 80, ["10.0.0.2", "10.0.0.1:http", ""]) == (False, False)
