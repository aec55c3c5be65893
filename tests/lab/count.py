#!/usr/bin/env python3
"""Recounts, from the lab recordings, the counts written in tests/lab/expected.toml.

For every recording (tests/lab/snmprec/*.snmprec) it counts:
  interfaces      distinct ifIndex in ifTable (1.3.6.1.2.1.2.2.1) and ifXTable (1.3.6.1.2.1.31.1.1.1)
  ipv4_addresses  distinct IPv4 addresses in the row index of ipAddrTable (1.3.6.1.2.1.4.20.1)
                  and ipAddressTable (1.3.6.1.2.1.4.34.1, address types ipv4(1) and ipv4z(3))
  ipv6_addresses  distinct IPv6 addresses in the row index of ipAddressTable (types ipv6(2), ipv6z(4))
  lldp_neighbours rows of lldpRemTable (1.0.8802.1.1.2.1.4.1.1, index timeMark.localPort.remIndex)
  cdp_neighbours  rows of cdpCacheTable (1.3.6.1.4.1.9.9.23.1.2.1.1, index ifIndex.deviceIndex)

Usage:
  tests/lab/count.py            print the counts of every recording
  tests/lab/count.py --check    compare them with tests/lab/expected.toml; exit 1 on a difference
Python 3 standard library only (tomllib needs Python 3.11 for --check).
"""
import pathlib
import sys

LAB = pathlib.Path(__file__).resolve().parent
SNMPREC = LAB / "snmprec"

IF_TABLE = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_TABLE = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
IP_ADDR_TABLE = (1, 3, 6, 1, 2, 1, 4, 20, 1)
IP_ADDRESS_TABLE = (1, 3, 6, 1, 2, 1, 4, 34, 1)
LLDP_REM_TABLE = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)
CDP_CACHE_TABLE = (1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1)

FIELDS = ("interfaces", "ipv4_addresses", "ipv6_addresses", "lldp_neighbours", "cdp_neighbours")


def oids(path):
    """Yields every OID of a recording as a tuple of ints."""
    with open(path, "rb") as f:
        for line in f:
            oid = line.split(b"|", 1)[0].strip()
            if oid:
                yield tuple(int(x) for x in oid.split(b"."))


def row_index(oid, table):
    """The row index of a table cell (table.column.index...), or None."""
    n = len(table)
    if len(oid) > n + 1 and oid[:n] == table:
        return oid[n + 1:]
    return None


def ip_address_table_key(index):
    """(family, address bytes) of an ipAddressTable row index: type.length.address."""
    addr_type, rest = index[0], index[1:]
    if rest and rest[0] == len(rest) - 1:  # the length octet (absent only in broken agents)
        rest = rest[1:]
    if addr_type in (1, 3):
        return 4, rest[:4]
    if addr_type in (2, 4):
        return 6, rest[:16]
    return None


def count(path):
    if_indexes, v4, v6, lldp, cdp = set(), set(), set(), set(), set()
    for oid in oids(path):
        for table in (IF_TABLE, IFX_TABLE):
            idx = row_index(oid, table)
            if idx is not None:
                if_indexes.add(idx)
        idx = row_index(oid, IP_ADDR_TABLE)
        if idx is not None and len(idx) == 4:
            v4.add(idx)
        idx = row_index(oid, IP_ADDRESS_TABLE)
        if idx is not None:
            key = ip_address_table_key(idx)
            if key and key[0] == 4:
                v4.add(key[1])
            elif key:
                v6.add(key[1])
        idx = row_index(oid, LLDP_REM_TABLE)
        if idx is not None:
            lldp.add(idx[:3])
        idx = row_index(oid, CDP_CACHE_TABLE)
        if idx is not None:
            cdp.add(idx[:2])
    # The unspecified address (0.0.0.0, ::) is not an address of the device.
    v4 = {a for a in v4 if a not in ((0, 0, 0, 0), "0.0.0.0")}
    return dict(zip(FIELDS, map(len, (if_indexes, v4, v6, lldp, cdp))))


def main():
    counts = {p.name: count(p) for p in sorted(SNMPREC.glob("*.snmprec"))}
    if sys.argv[1:] == ["--check"]:
        import tomllib

        expected = tomllib.loads((LAB / "expected.toml").read_text())
        devices = expected["device"]
        bad = 0
        seen = set()
        for dev in devices:
            name = dev["file"]
            seen.add(name)
            if name not in counts:
                print(f"{dev['address']}: no recording {name}")
                bad += 1
                continue
            for field in FIELDS:
                if dev.get(field) != counts[name][field]:
                    print(f"{dev['address']} {name}: {field} = {dev.get(field)} in expected.toml, "
                          f"{counts[name][field]} in the recording")
                    bad += 1
        for name in sorted(set(counts) - seen):
            print(f"{name}: not in expected.toml")
            bad += 1
        print(f"{len(devices)} devices checked, {bad} difference(s)")
        return 1 if bad else 0
    if sys.argv[1:]:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print("file\t" + "\t".join(FIELDS))
    for name, c in counts.items():
        print(name + "\t" + "\t".join(str(c[f]) for f in FIELDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
