#!/usr/bin/env python3
"""Writes an snmpsim recording (.snmprec) as an snmp_fuzz input.

  snmprec_to_seed.py RECORDING OUT [ROWS]

Keeps what the decoders and the classifier read (system group, IF-MIB, IP-MIB,
ENTITY-MIB, HOST-RESOURCES, LLDP, CDP, and the enterprise subtree the rules
probe), at most ROWS (default 6) rows per table column, so a seed stays small.
The encoding is described at the top of snmp_fuzz.cc.
"""
import sys

PREFIXES = [
    "1.3.6.1.2.1.1.", "1.3.6.1.2.1.2.2.1.", "1.3.6.1.2.1.31.1.1.1.", "1.3.6.1.2.1.4.20.1.",
    "1.3.6.1.2.1.4.22.1.", "1.3.6.1.2.1.4.34.1.", "1.3.6.1.2.1.4.35.1.", "1.3.6.1.2.1.47.1.1.1.1.",
    "1.3.6.1.2.1.25.", "1.0.8802.1.1.2.1.", "1.3.6.1.4.1.9.9.23.1.2.1.1.", "1.3.6.1.4.1.",
]
# snmprec tag -> ValueType index in snmp/varbind.h.
TYPES = {2: 0, 4: 1, 5: 2, 6: 3, 64: 4, 65: 5, 66: 6, 67: 7, 68: 8, 70: 9}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def oid(text):
    arcs = [int(a) for a in text.strip(".").split(".") if a]
    if len(arcs) > 32:
        return None
    return bytes([len(arcs)]) + b"".join(varint(a) for a in arcs)


def main():
    path, out_path = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    per_column = {}
    out = bytearray()
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\r\n")
        if not line or line.startswith("#"):
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            continue
        name, tag, value = parts
        prefix = next((p for p in PREFIXES if name.startswith(p)), None)
        if prefix is None:
            continue
        rest = name[len(prefix):].split(".")
        column = prefix + rest[0]
        per_column[column] = per_column.get(column, 0) + 1
        if per_column[column] > rows:
            continue
        is_hex = tag.endswith("x")
        try:
            number = int(tag.rstrip("x"))
        except ValueError:
            continue
        if number not in TYPES:
            continue
        raw = bytes.fromhex(value) if is_hex else value.encode("latin-1")
        key = oid(name)
        if key is None:
            continue
        kind = TYPES[number]
        record = key + bytes([kind])
        if kind in (0, 5, 6, 7, 9):
            try:
                n = int(raw)
            except ValueError:
                continue
            if kind == 0:
                n = n << 1 if n >= 0 else ((-n - 1) << 1) | 1
            record += varint(n & (2**64 - 1))
        elif kind in (1, 4, 8):
            if kind == 4 and not is_hex:
                try:
                    raw = bytes(int(x) for x in value.split("."))
                except ValueError:
                    pass
            record += varint(len(raw)) + raw
        elif kind == 3:
            value_oid = oid(raw.decode("latin-1"))
            if value_oid is None:
                continue
            record += value_oid
        out += record
    open(out_path, "wb").write(out)


if __name__ == "__main__":
    main()
