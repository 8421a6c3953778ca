#!/usr/bin/env python3
"""A reference consumer of refundkit's portable test vectors, in Python's standard library
alone: an implementation written apart from refundkit's Rust code, to prove that the suite
and its harness contract can be run by someone else.

    refundkit vectors export suite/
    refundkit vectors check --harness "python3 examples/python/refundkit_harness.py" suite/

It reads one `*_test.json` file on stdin and writes {"results": [...]} on stdout: for each
test {"tcId", "result", "output"} with what it computed, or {"tcId", "skipped": why}.

What it implements:
- Robokassa refund tokens: a compact JWT, HMAC-SHA-256/384/512 with Password3 over the
  base64url header {"alg":"HS256","typ":"JWT"} and the payload's bytes.
- RBS refund.do form bodies (the REST API): fields in the refund page's order, every byte but
  A-Z a-z 0-9 - . _ ~ percent-encoded, jsonParams and refundItems as compact JSON.
- RBS refund.do answers: success only when stated (errorCode 0 or absent and no error marker,
  at a 2xx status), every error spelling a refusal, anything else malformed.
Everything else is skipped, with the reason.
"""
import base64
import hashlib
import hmac
import json
import sys
import urllib.parse


class Raw(str):
    """A JSON number, kept as the text it was written as."""


def strict_object(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"{key} given twice")
        seen.add(key)
    return dict(pairs)


def loads(text):
    return json.loads(
        text, object_pairs_hook=strict_object, parse_int=Raw, parse_float=Raw,
        parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)),
    )


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- Robokassa: tokens ----------------------------------------------------------------------

HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def robokassa_token(test):
    given = test["input"]
    if not isinstance(given["payload"], str):
        return skip("the payload is not UTF-8 text")
    alg = given["alg"]
    header = json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode()
    signing_input = b64url(header) + "." + b64url(given["payload"].encode("utf-8"))
    signature = hmac.new(given["password3"].encode("utf-8"), signing_input.encode("ascii"),
                         HASHES[alg]).digest()
    if "headerAndPayload" in test["expected"]:
        return done("valid", {"headerAndPayload": signing_input})
    return done("valid", {"token": signing_input + "." + b64url(signature)})


# --- RBS: refund.do bodies ------------------------------------------------------------------

FORM_ORDER = ["userName", "password", "token", "orderId", "amount", "currency", "jsonParams",
              "language", "refundItems", "orderBundle"]


def compact(value):
    if any(isinstance(v, Raw) and not v.lstrip("-").isdigit() for v in walk(value)):
        raise NotImplementedError("a number that is not an integer")
    return json.dumps(integers(value), separators=(",", ":"), ensure_ascii=False)


def integers(value):
    """The value with its numbers (all integers here) as Python ints."""
    if isinstance(value, dict):
        return {k: integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integers(v) for v in value]
    if isinstance(value, Raw):
        return int(value)
    return value


def walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def rbs_encode(test):
    given = test["input"]
    if given["api"] != "rest":
        return skip("Sber's ecom JSON body is not implemented here")
    if test["result"] == "invalid" or "form" not in test["expected"]:
        return skip("the refund page's validation rules are not implemented here")
    fields = loads(given["fields"])
    unknown = set(fields) - set(FORM_ORDER)
    if unknown:
        return skip(f"fields not implemented here: {sorted(unknown)}")
    pairs = []
    try:
        for name in FORM_ORDER:
            if name not in fields:
                continue
            value = fields[name]
            if name == "refundItems":
                value = compact({"items": value})
            elif name == "jsonParams":
                value = compact(value)
            elif isinstance(value, (dict, list)):
                value = compact(value)
            pairs.append(f"{name}={urllib.parse.quote(str(value), safe='')}")
    except NotImplementedError as why:
        return skip(str(why))
    return done(None, {"form": "&".join(pairs)})


# --- RBS: refund.do answers -----------------------------------------------------------------

VOCABULARY = ["errorCode", "errorMessage", "ErrorCode", "ErrorMessage", "error", "success"]
FOREIGN = ["orderStatus", "orderNumber", "paymentAmountInfo", "actionCode",
           "actionCodeDescription", "attributes", "cardAuthInfo", "merchantOrderParams",
           "formUrl", "requestId", "status", "data", "reasonCode"]


class Malformed(Exception):
    pass


def code_of(value):
    """A code: a string (trimmed, not empty) or a number (as written); null is none."""
    if value is None:
        return None
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        if not value.strip():
            raise Malformed("an empty code")
        return value.strip()
    raise Malformed("a code that is neither a string nor a number")


def text_of(value):
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(value, Raw):
        return value
    raise Malformed("a message that is not a string")


def is_zero(code):
    return code != "" and set(code) == {"0"}


def read_rbs_answer(status, body):
    try:
        answer = loads(body)
    except (ValueError, RecursionError) as why:
        raise Malformed(f"not JSON: {why}")
    if not isinstance(answer, dict):
        raise Malformed("not one JSON object")
    if any(name in answer for name in FOREIGN):
        raise Malformed("another method's answer")
    if answer and not any(name in answer for name in VOCABULARY):
        raise Malformed("none of an RBS answer's members")
    zero = success_flag = False
    errors, code, message = 0, None, None

    def error(c):
        nonlocal errors, code
        errors += 1
        if code is None:
            code = c

    for name in VOCABULARY:
        if name not in answer:
            continue
        value = answer[name]
        if name in ("errorCode", "ErrorCode"):
            c = code_of(value)
            if c is not None:
                if is_zero(c):
                    zero = True
                else:
                    error(c)
        elif name in ("errorMessage", "ErrorMessage"):
            message = message if message is not None else text_of(value)
        elif name == "error":
            if value is None:
                continue
            if isinstance(value, str) and not isinstance(value, Raw):
                error(None)
                message = message if message is not None else value
                continue
            if not isinstance(value, dict):
                raise Malformed("error is neither a string nor an object")
            c = code_of(value.get("code"))
            for key in ("message", "description"):
                message = message if message is not None else text_of(value.get(key))
            if c is not None and is_zero(c):
                zero = True
            else:
                error(c)
        elif name == "success":
            if value is True:
                success_flag = True
            elif value is False:
                error(None)
            elif value is not None:
                raise Malformed("success is not a boolean")
    if errors:
        if zero or success_flag:
            raise Malformed("states both success and an error")
        return {"verdict": "refused", "code": code, "text": message}
    if not 200 <= status < 300:
        raise Malformed("an error status without an error code")
    if success_flag and not zero:
        raise Malformed("success: true is not how refund.do states success")
    return {"verdict": "success", "code": None, "text": None}


def rbs_response(test):
    given = test["input"]
    if not isinstance(given["body"], str):
        return done("invalid", {"verdict": "malformed", "code": None, "text": None})
    try:
        reading = read_rbs_answer(given["httpStatus"], given["body"])
    except Malformed:
        reading = {"verdict": "malformed", "code": None, "text": None}
    return done("invalid" if reading["verdict"] == "malformed" else "valid", reading)


def rbs_transcript(test):
    """A recorded exchange: its refund.do answers read as above; other methods skipped."""
    if test["input"]["method"] != "refund.do":
        return skip(f"{test['input']['method']} answers are not implemented here")
    return rbs_response(test)


# --- the contract ---------------------------------------------------------------------------

def done(result, output):
    answer = {"output": output}
    if result is not None:
        answer["result"] = result
    return answer


def skip(why):
    return {"skipped": why}


OPERATIONS = {
    ("robokassa", "token"): robokassa_token,
    ("rbs", "encode"): rbs_encode,
    ("rbs", "response"): rbs_response,
    ("rbs", "transcript"): rbs_transcript,
}


def main():
    suite = json.load(sys.stdin)
    if suite.get("schema") != "refundkit_vectors_v1.json":
        sys.exit(f"not a refundkit vector file: {suite.get('schema')!r}")
    run = OPERATIONS.get((suite["provider"], suite["operation"]))
    results = []
    for test in suite["tests"]:
        if run is None:
            answer = skip(f"{suite['provider']} {suite['operation']} is not implemented here")
        else:
            answer = run(test)
        results.append({"tcId": test["tcId"], **answer})
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
