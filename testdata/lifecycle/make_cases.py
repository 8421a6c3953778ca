#!/usr/bin/env python3
"""Writes cases.json and expected/: each lifecycle command, its exit code and its output, as
refundkit prints them. Run after a deliberate change of behaviour, then read the diff:
  cargo build -p refundkit-cli && python3 make_cases.py ../../target/debug/refundkit"""
import json, os, subprocess, sys

NOW = ["--now", "1795428100"]
W = "../yandex-pay/webhook/"
cases = [
    ("rbs: a lost refund.do is reconciled through getOrderStatusExtended.do (5)", ["rbs", "next", "--refund", "rbs.refund.http", "--lost"] + NOW),
    ("rbs: the status request of a refund", ["rbs", "status", "--refund", "rbs.refund.http"]),
    ("rbs: a status answer states the order", ["rbs", "status", "rbs.status-grown.json"]),
    ("rbs: refundedAmount grown by the refund is done (0)", ["rbs", "next", "--refund", "rbs.refund.http", "--sent", "rbs.status.http", "--refunded-before", "0"] + NOW + ["rbs.status-grown.json"]),
    ("rbs: refundedAmount unchanged a minute after refund.do left: the refund may be sent again (4)", ["rbs", "next", "--refund", "rbs.refund.http", "--sent", "rbs.status.http", "--refunded-before", "0", "--refund-sent-at", "1795428000"] + NOW + ["rbs.status-unchanged.json"]),
    ("rbs: a stated refusal (3)", ["rbs", "next", "--refund", "rbs.refund.http"] + NOW + ["rbs.refund-refused.json"]),
    ("robokassa: an accepted Create waits on GetState (4)", ["robokassa", "next", "--refund", "robokassa.refund.http"] + NOW + ["robokassa.create-accepted.json"]),
    ("robokassa: a lost Create is checked by hand, never resent (5)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--lost"] + NOW),
    ("robokassa: processing asks GetState again (4)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--sent", "robokassa.status.http"] + NOW + ["robokassa.state-processing.json"]),
    ("robokassa: finished is done (0)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--sent", "robokassa.status.http"] + NOW + ["robokassa.state-finished.json"]),
    ("robokassa: the GetState request", ["robokassa", "status", "--request-id", "ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b"]),
    ("robokassa: the OpStateExt request", ["robokassa", "op-key", "--login", "demo-shop", "--invoice-id", "7814822027", "--password2-file", "password2.txt"]),
    ("robokassa: the OpStateExt answer gives the OpKey", ["robokassa", "op-key", "../robokassa/op-state/paid.xml"]),
    ("robokassa: an OpStateExt refusal (3)", ["robokassa", "op-key", "../robokassa/op-state/signature-error.xml"]),
    ("yandex-pay: a PENDING refund waits on the operation status (4)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http"] + NOW + ["yandex-pay.operation-pending.json"]),
    ("yandex-pay: the operation status request", ["yandex-pay", "status", "--refund", "yandex-pay.refund.http"]),
    ("yandex-pay: SUCCESS is done (0)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http", "--sent", "yandex-pay.status.http"] + NOW + ["yandex-pay.operation-success.json"]),
    ("yandex-pay: DUPLICATE_EXTERNAL_OPERATION_ID is looked up (5)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http", "--status", "400"] + NOW + ["yandex-pay.duplicate.json"]),
    ("yandex-pay: a lost answer repeats under the same externalOperationId (4)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http", "--lost"] + NOW),
    ("yandex-pay: an authentic notification (0)", ["yandex-pay", "webhook", "--jwks", W + "jwks.json"] + NOW + [W + "operation-success.jwt"]),
    ("yandex-pay: an expired notification is refused (1)", ["yandex-pay", "webhook", "--jwks", W + "jwks.json", "--now", "1795430000", W + "operation-success.jwt"]),
    ("yookassa: status 1 resends the identical request in a minute (4)", ["yookassa", "next", "--refund", "yookassa.refund.http"] + NOW + ["yookassa.in-progress.xml"]),
    ("yookassa: a lost answer resends the identical request (4)", ["yookassa", "next", "--refund", "yookassa.refund.http", "--lost", "--attempts", "3"] + NOW),
    ("yookassa: status 0 for another clientOrderId is not this refund (5)", ["yookassa", "next", "--refund", "yookassa.refund.http"] + NOW + ["../yookassa/responses/seed-done.xml"]),
    ("yookassa: error 405 is refused, not correctable (3)", ["yookassa", "next", "--refund", "yookassa.refund.http"] + NOW + ["yookassa.refused-405.xml"]),
    ("rbs: refundedAmount unchanged too soon after refund.do left: ask again later (5)", ["rbs", "next", "--refund", "rbs.refund.http", "--sent", "rbs.status.http", "--refunded-before", "0", "--refund-sent-at", "1795428080"] + NOW + ["rbs.status-unchanged.json"]),
    ("rbs: refundedAmount unchanged with no time of refund.do: a person checks (5)", ["rbs", "next", "--refund", "rbs.refund.http", "--sent", "rbs.status.http", "--refunded-before", "0"] + NOW + ["rbs.status-unchanged.json"]),
    ("rbs: error 7 system error is reconciled through the status, not refused (5)", ["rbs", "next", "--refund", "rbs.refund.http"] + NOW + ["rbs.refund-system-error.json"]),
    ("robokassa: GetState about another requestId is not this refund (5)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--sent", "robokassa.status.http"] + NOW + ["robokassa.state-another-request.json"]),
    ("robokassa: GetState finished for another amount is not this refund (5)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--sent", "robokassa.status.http"] + NOW + ["robokassa.state-another-amount.json"]),
    ("robokassa: provider text with control characters prints as one line (5)", ["robokassa", "next", "--refund", "robokassa.refund.http", "--sent", "robokassa.status.http"] + NOW + ["robokassa.state-control-characters.json"]),
    ("yandex-pay: SUCCESS for another amount is not this refund (5)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http", "--sent", "yandex-pay.status.http"] + NOW + ["yandex-pay.operation-another-amount.json"]),
    ("yandex-pay: a 503 with a reasonCode is no refusal: the same externalOperationId again (4)", ["yandex-pay", "next", "--refund", "yandex-pay.refund.http", "--status", "503"] + NOW + ["yandex-pay.unavailable.json"]),
    ("yookassa: status 0 for this clientOrderId is done (0)", ["yookassa", "next", "--refund", "yookassa.refund.http"] + NOW + ["yookassa.done.xml"]),
    ("yookassa: an impossible --now is a usage error (2)", ["yookassa", "next", "--refund", "yookassa.refund.http", "--now", "2026-02-30T00:00:00Z", "yookassa.done.xml"]),
    ("yookassa: the listReturns request", ["yookassa", "status", "--shop-id", "6689", "--from", "2026-11-22T00:00:00.000+03:00", "--till", "2026-11-23T00:00:00.000+03:00", "--request-dt", "2026-11-23T10:00:00.000+03:00"]),
]
binary = sys.argv[1]
os.makedirs("expected", exist_ok=True)
out = []
for i, (name, args) in enumerate(cases):
    run = subprocess.run([binary] + args, capture_output=True)
    path = f"expected/{i:02}.out"
    open(path, "wb").write(run.stdout)
    out.append({"name": name, "args": args, "exit": run.returncode, "stdout": path})
open("cases.json", "w").write(json.dumps({"cases": out}, indent=1, ensure_ascii=False) + "\n")
