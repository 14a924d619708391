#!/usr/bin/env python3
"""Generates N-row penalty files in the benchmark partner's four formats (csv, jsonl, json, xml) plus a GBK CSV.
Usage: generate.py N OUTDIR"""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Partners", "_tools"))
from common import uscc

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
AUTH = "嘉兴市市场监督管理局"
AC = uscc(AUTH, "330400", "11")
# A pool of valid subject codes (computing a checksum per row would dominate generation time).
POOL = [(f"嘉兴测试{i:04d}贸易有限公司", uscc(f"bench{i}", "330402")) for i in range(1000)]
COLS = ["MC", "DM", "WSH", "LB", "NR", "FK", "RQ", "YXQ", "JG", "JGDM"]


def row(i):
    name, code = POOL[i % len(POOL)]
    return [name, code, f"嘉市监罚〔2024〕{i}号", "罚款", "罚款人民币贰仟元整", "2000.00", "2024-05-12", "2025-05-12", AUTH, AC]


def csvline(v):
    return ",".join(v) + "\n"


with open(os.path.join(out, "rows.csv"), "w", encoding="utf-8") as f:
    f.write(csvline(COLS))
    for i in range(n):
        f.write(csvline(row(i)))
with open(os.path.join(out, "rows-gbk.csv"), "w", encoding="gbk") as f:
    f.write(csvline(COLS))
    for i in range(n):
        f.write(csvline(row(i)))
with open(os.path.join(out, "rows.jsonl"), "w", encoding="utf-8") as f:
    for i in range(n):
        f.write(json.dumps(dict(zip(COLS, row(i))), ensure_ascii=False) + "\n")
with open(os.path.join(out, "rows.json"), "w", encoding="utf-8") as f:
    f.write('{"code":0,"data":{"records":[\n')
    for i in range(n):
        f.write(("," if i else "") + json.dumps(dict(zip(COLS, row(i))), ensure_ascii=False) + "\n")
    f.write("]}}\n")
with open(os.path.join(out, "rows.xml"), "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Rows xmlns="urn:bench">\n')
    for i in range(n):
        f.write("<R>" + "".join(f"<{c}>{v}</{c}>" for c, v in zip(COLS, row(i))) + "</R>\n")
    f.write("</Rows>\n")
