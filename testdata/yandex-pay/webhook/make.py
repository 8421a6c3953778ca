#!/usr/bin/env python3
"""Rebuilds this directory's notification vectors with the openssl CLI and python3's standard
library only (no refundkit code): a test P-256 key, its JWKS, and notifications signed ES256
(openssl's DER ECDSA signature converted to the raw r||s that JWS uses).

Run from this directory: python3 make.py. ECDSA signatures are randomised, so each run writes
different tokens; the committed ones are what the tests read."""
import base64, json, subprocess

def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def der_to_raw(der):
    # SEQUENCE { INTEGER r, INTEGER s }, short lengths (a P-256 signature is < 128 bytes).
    assert der[0] == 0x30
    i = 2
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\x00")
        out += v.rjust(32, b"\x00")
        i += 2 + n
    return out

subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem"], check=True)
subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.p8.der"], check=True)
pub = subprocess.run(["openssl", "ec", "-in", "key.pem", "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
point = pub[-65:]
assert point[0] == 4
jwks = {"keys": [
    {"kty": "RSA", "kid": "rsa-key-skipped", "n": "AQAB", "e": "AQAB"},
    {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "1-merchant-api",
     "x": b64(point[1:33]), "y": b64(point[33:])}]}
open("jwks.json", "w").write(json.dumps(jwks, indent=2) + "\n")

def token(header, payload):
    signing_input = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", "key.pem"], input=signing_input.encode(), check=True, capture_output=True).stdout
    return signing_input + "." + b64(der_to_raw(der))

operation = {"merchantId": "5bd1f8e6-6b55-4d6b-8b2e-5a2a6cf43d1b", "event": "OPERATION_STATUS_UPDATED",
             "eventTime": "2026-11-23T10:00:00+00:00",
             "operation": {"operationId": "5d32f295", "externalOperationId": "refund-42", "orderId": "order-42",
                           "status": "SUCCESS", "operationType": "REFUND"}}
order = {"merchantId": "5bd1f8e6-6b55-4d6b-8b2e-5a2a6cf43d1b", "event": "ORDER_STATUS_UPDATED",
         "eventTime": "2026-11-23T10:00:00+00:00", "order": {"orderId": "order-42", "paymentStatus": "PARTIALLY_REFUNDED"}}
# The docs' example header, with numbers; and the docs' description, with numeric strings.
open("operation-success.jwt", "w").write(token({"alg": "ES256", "exp": 1795428300, "iat": 1795428000, "kid": "1-merchant-api", "typ": "JWT"}, operation) + "\n")
open("order-strings.jwt", "w").write(token({"alg": "ES256", "exp": "1795428300", "iat": "1795428000", "kid": "1-merchant-api", "typ": "JWT"}, order) + "\n")
