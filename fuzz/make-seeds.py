#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/: a handful of inputs per target, most of them
taken from tests/vectors/usersig-v2-official.json. Run from anywhere; the
files are committed, so this only needs running when the layouts change.
"""
import base64
import json
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
VEC = json.load(open(os.path.join(ROOT, "tests", "vectors", "usersig-v2-official.json")))
VECTORS = VEC["vectors"]


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def unwrap(sig):
    b = sig.replace("*", "+").replace("-", "/").replace("_", "=")
    return base64.b64decode(b)


# A spread of vectors: every library, plain, userbuf, numeric and string rooms.
PICK = ["pub-001", "pub-011", "pub-015", "pub-017", "pub-019", "pub-026",
        "pub-030", "pub-032", "pub-034", "pub-036", "pub-038", "pub-039", "pub-043"]
picked = [v for v in VECTORS if v["id"] in PICK]

for v in picked:
    put("inspect", v["id"], v["usersig"])
    put("verify", v["id"], v["usersig"])
    put("json_fast_path", v["id"], v["decoded_json_text"])
    if v["room_id"] is not None or v["room_str"] is not None:
        put("privmap", v["id"], bytes.fromhex(v["userbuf_hex"]))
    if v["id"] in ("pub-001", "pub-017", "pub-032"):
        put("inflate_differential", v["id"] + "-zlib", b"\x01" + unwrap(v["usersig"]))
    if v["id"] in ("pub-001", "pub-026"):
        put("inflate_differential", v["id"] + "-doc", b"\x00" + v["decoded_json_text"].encode())
put("verify", "standard-alphabet",
    picked[0]["usersig"].replace("*", "+").replace("-", "/").replace("_", "="))
put("verify", "unpadded", picked[0]["usersig"].rstrip("_"))
put("json_fast_path", "go-newline", picked[7]["decoded_json_text"] + "\n")
put("json_fast_path", "escaped",
    picked[0]["decoded_json_text"].replace('"xiaojun"', '"\\u0078iaojun"'))
put("json_fast_path", "duplicate",
    picked[0]["decoded_json_text"].replace('"TLS.sig"', '"TLS.identifier": "x", "TLS.sig"'))
put("inflate_differential", "bomb", b"\x01" + zlib.compress(b" " * 20000, 9))
put("inflate_differential", "empty", b"\x00")


def spec(flags, app, time, expire, userbuf, ident, room=b"", extra=b""):
    """The claims layout the sign_verify and tamper harnesses decode."""
    out = bytes([flags]) + struct.pack(">IQQ", app, time, expire)
    out += struct.pack(">H", len(userbuf)) + userbuf
    out += struct.pack(">H", len(ident)) + ident
    return out + room + extra


specs = {
    "plain": spec(0x00, 1400000000, 1700000000, 86399, b"", b"xiaojun"),
    "stored": spec(0x01, 1400000000, 1700000000, 86399, b"", b"xiaojun"),
    "zlib": spec(0x02, 1400000000, 1700000000, 86399, b"", b"xiaojun"),
    "userbuf": spec(0x04, 1400123456, 1712345678, 7199, b"\x00\x01\x02\xff", b"user_002"),
    "privmap-id": spec(0x08, 20000001, 1650000000, 7199, b"", b"teacher-7",
                       b"\x00" + struct.pack(">I", 1234) + struct.pack(">I", 255)),
    "privmap-str": spec(0x08, 20000001, 1650000000, 7199, b"", b"teacher-7",
                        b"\x01\x07class-7" + struct.pack(">I", 42)),
    "unicode-key": spec(0x10, 1400000000, 1700000000, 86399, b"", "小军".encode(),
                        b"", b"\x0ckey with spaces"),
    "invalid": spec(0x60, 0, 2**64 - 1, 2**64 - 1, b"", b"a\nb"),
}
for name, s in specs.items():
    put("sign_verify", name, s)
    if name in ("plain", "stored", "zlib", "userbuf", "privmap-str"):
        put("inflate_differential", "sig-" + name, b"\x02" + s)
# tamper: claims, then a layer byte and mutations (op, position u16, value).
for name in ["plain", "userbuf", "privmap-str"]:
    s = specs[name]
    put("tamper", name + "-outer", s + b"\x00" + b"\x01\x00\x10\x04" + b"\x04\x00\x30\x00")
    put("tamper", name + "-zlib", s + b"\x01" + b"\x00\x00\x08\x01")
    put("tamper", name + "-json-dup", s + b"\x02" + b"\x06\x00\x01\x00")
    put("tamper", name + "-json-escape", s + b"\x02" + b"\x07\x00\x20\x00")

put("privmap", "empty", b"")
put("privmap", "account-type", bytes.fromhex("000001" "61") + struct.pack(">IIIII", 1, 2, 3, 255, 9))

# Login crate.
def rest(status, body):
    return struct.pack(">H", status) + body.encode()

put("rest_response", "ok", rest(200, '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'))
put("rest_response", "fail", rest(200, '{"ActionStatus":"FAIL","ErrorCode":70107,"ErrorInfo":"not imported","RequestId":"r-1"}'))
put("rest_response", "overload", rest(200, '{"ActionStatus":"FAIL","ErrorCode":60022,"ErrorInfo":"overload","WaitingTime":5}'))
put("rest_response", "online", rest(200, '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","QueryResult":[{"To_Account":"a","Status":"Online","Detail":[{"Platform":"Web","Status":"Online"}]}]}'))
put("rest_response", "fail-accounts", rest(200, '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","FailAccounts":["a","b"]}'))
put("rest_response", "status-502", rest(502, "<html>bad gateway</html>"))

def cb(now, query):
    return struct.pack(">Q", now) + query.encode()

SIGN = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
put("callback_query", "signed", cb(1669872112, f"SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json&ClientIP=1.2.3.4&OptPlatform=Web&Sign={SIGN}&RequestTime=1669872112"))
put("callback_query", "url", cb(1669872150, f"https://example.com/im?SdkAppid=1&CallbackCommand=State.StateChange&Sign={SIGN}&RequestTime=1669872112#x"))
put("callback_query", "stale", cb(1669872300, f"SdkAppid=1&CallbackCommand=C&Sign={SIGN}&RequestTime=1669872112"))
put("callback_query", "unsigned", cb(0, "SdkAppid=1400000000&CallbackCommand=State.StateChange"))
put("callback_query", "body", cb(0, '{"CallbackCommand":"State.StateChange","EventTime":1669872112000,"Info":{"Action":"Login","To_Account":"a","Reason":"Register"},"KickedDevice":[{"Platform":"Web"}]}'))

for s in ["multipleAccount", "TIM.TYPES.KICKED_OUT_MULT_DEVICE", "userSigExpired", "REST_API_Kick",
          "3", "70001", " 2 ", "60022", "6206"]:
    put("kick_and_code", s.strip().replace(".", "_") or "space", s)

put("lifecycle", "login-ready-logout", bytes([0, 0, 1, 0, 7, 0, 5, 0]))
put("lifecycle", "login-kicked", bytes([0, 1, 1, 0, 3, 1, 0, 0, 1, 0, 3, 2]))
put("lifecycle", "login-expired", bytes([0, 0, 1, 0, 4, 0, 8, 0]))
put("lifecycle", "login-failed-destroy", bytes([0, 0, 2, 1, 7, 0, 6, 0, 7, 1]))
put("lifecycle", "repeat-and-pending", bytes([0, 0, 0, 0, 1, 0, 0, 1, 1, 0]))

put("instances", "one-web", bytes([0, 0, 0] + [0] * 8 + [0, 0, 10, 0, 1, 10, 2, 0]))
put("instances", "three-web-kick", bytes([2, 3, 1] + [0, 0, 0, 1, 2, 3, 4, 5] + [0, 0, 9, 0, 1, 9, 0, 2, 9, 0, 4, 9, 3, 0]))
put("instances", "expire", bytes([1, 1, 0] + [0, 5, 0, 5, 1, 2, 3, 4] + [0, 0, 0, 0, 1, 0, 4, 0, 100, 5, 0, 1]))
put("instances", "destroy", bytes([0, 2, 1] + [0] * 8 + [0, 0, 20, 5, 0, 0, 0, 0, 20]))
