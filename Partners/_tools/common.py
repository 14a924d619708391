"""Helpers for the fixture generator: valid identifiers (GB 32100 USCC, GB 11714 org code, GB 11643 resident id)
and file writers. Deterministic: the same names always give the same codes."""
import hashlib, json, os

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_check(body8):
    def val(c):
        return int(c) if c.isdigit() else ord(c) - 55
    s = sum(val(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    c = 11 - s % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(body17):
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def uscc(name, region, kind="91"):
    """A valid USCC for `name`: kind (authority+type), region (6 digits), org code from a hash of the name."""
    h = hashlib.sha256(name.encode()).hexdigest().upper()
    digits = "".join(str(int(c, 16) % 10) for c in h[:8])
    if kind.startswith("1"):
        digits = "MB" + digits[2:]  # government bodies' org codes often start with MB
    org = digits + org_check(digits)
    body = kind + region + org
    return body + uscc_check(body)


def bad_check(code):
    """The same code with a wrong check character."""
    last = code[-1]
    alt = USCC_ALPHABET[(USCC_ALPHABET.index(last) + 7) % 31] if last in USCC_ALPHABET else "0"
    return code[:-1] + alt


RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def ric(region, birth, seq):
    body = region + birth + "%03d" % seq
    s = sum(int(c) * w for c, w in zip(body, RIC_WEIGHTS))
    return body + "10X98765432"[s % 11]


def masked(n):
    return n[:10] + "****" + n[14:]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_json(path, obj):
    write(path, (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def csv_line(values, delimiter=","):
    out = []
    for v in values:
        v = str(v)
        if any(c in v for c in [delimiter, '"', "\n", "\r"]):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return delimiter.join(out)


def partner(root, slug, zh, en, province, region, mode, subscriptions, dialects, pull=None):
    obj = {
        "id": slug,
        "names": {"zh": zh, "en": en},
        "province": province,
        "regionCode": region,
        "transport": {"mode": mode, "endpoint": f"https://127.0.0.1:9443/partners/{slug}/g60"},
        "subscriptions": subscriptions,
        "dialects": {k: f"dialects/{k}.json" for k in dialects},
    }
    if pull:
        obj["transport"]["pull"] = pull
    write_json(os.path.join(root, slug, "partner.json"), obj)
    for kind, d in dialects.items():
        write_json(os.path.join(root, slug, "dialects", f"{kind}.json"), d)


def fixture(root, slug, name, kind, input_name, data, description, expected_error=None):
    base = os.path.join(root, slug, "fixtures", name)
    obj = {"kind": kind, "input": input_name, "description": description}
    if expected_error:
        obj["expectedError"] = expected_error
    write_json(os.path.join(base, "fixture.json"), obj)
    write(os.path.join(base, input_name), data)
