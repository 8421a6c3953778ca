#!/usr/bin/env python3
"""Writes state/, cases.json and expected/: the refund states the cases start from, made by
refundkit itself from the built-in sample order (`plan --state`, then `next` steps), and each
lifecycle command, its exit code and its output, as refundkit prints them. A case that names
`--state FILE` runs on a copy of FILE (next writes the state back). Run after a deliberate
change of behaviour, then read the diff:
  cargo build -p refundkit-cli && python3 make_cases.py ../../target/debug/refundkit"""
import json, os, shutil, subprocess, sys, tempfile

T0 = "1795428000"  # the refund is planned and its first request leaves
T1 = "1795428100"  # the cases decide
NOW = ["--now", T1]
W = "../yandex-pay/webhook/"
MERCHANT = "5bd1f8e6-6b55-4d6b-8b2e-5a2a6cf43d1b"  # the merchantId the test notifications carry
binary = sys.argv[1]


def run(args, check=True):
    out = subprocess.run([binary] + args, capture_output=True)
    if check and out.returncode not in (0, 3, 4, 5):
        sys.exit(f"{args}: exit {out.returncode}\n{out.stderr.decode()}")
    return out


# Each state: the provider, the state it continues (None: planned at T0) and the next steps
# taken on it: ("send", at) acknowledges the due request as leaving; (at, args...) answers it.
STATES = {
    "rbs.refund-sent": ("rbs", None, [("send", T0), (T0, "rbs.status-unchanged.json"), ("send", T0)]),
    "rbs.status-sent": ("rbs", "rbs.refund-sent", [(T0, "--lost"), ("send", T1)]),
    "robokassa.create-sent": ("robokassa", None, [("send", T0)]),
    "robokassa.state-sent": ("robokassa", "robokassa.create-sent", [(T0, "robokassa.create-accepted.json"), ("send", T1)]),
    "yandex-pay.refund-sent": ("yandex-pay", None, [("send", T0)]),
    "yandex-pay.status-sent": ("yandex-pay", "yandex-pay.refund-sent", [(T0, "yandex-pay.operation-pending.json"), ("send", T1)]),
    "yookassa.refund-sent": ("yookassa", None, [("send", T0)]),
    "rbs.planned": ("rbs", None, []),
}
os.makedirs("state", exist_ok=True)
for name, (provider, base, steps) in STATES.items():
    path = f"state/{name}.json"
    if base is None:
        run(["plan", "--provider", provider, "--state", path, "--now", T0])
    else:
        shutil.copy(f"state/{base}.json", path)
    for step in steps:
        if step[0] == "send":
            run([provider, "next", "--state", path, "--send", "--now", step[1]])
        else:
            run([provider, "next", "--state", path, "--now", step[0]] + list(step[1:]))


def state(name):
    return ["--state", f"state/{name}.json"]


cases = [
    ("rbs: a lost refund.do is reconciled through getOrderStatusExtended.do (5)", ["rbs", "next"] + state("rbs.refund-sent") + ["--lost"] + NOW),
    ("rbs: the status request of a refund", ["rbs", "status", "--refund", "rbs.refund.http"]),
    ("rbs: a status answer states the order", ["rbs", "status", "rbs.status-grown.json"]),
    ("rbs: refundedAmount grown by the refund is done (0)", ["rbs", "next"] + state("rbs.status-sent") + NOW + ["rbs.status-grown.json"]),
    ("rbs: refundedAmount unchanged a minute after refund.do left: the refund may be sent again (4)", ["rbs", "next"] + state("rbs.status-sent") + NOW + ["rbs.status-unchanged.json"]),
    ("rbs: a stated refusal (3)", ["rbs", "next"] + state("rbs.refund-sent") + NOW + ["rbs.refund-refused.json"]),
    ("robokassa: an accepted Create waits on GetState (4)", ["robokassa", "next"] + state("robokassa.create-sent") + NOW + ["robokassa.create-accepted.json"]),
    ("robokassa: a lost Create is checked by hand, never resent (5)", ["robokassa", "next"] + state("robokassa.create-sent") + ["--lost"] + NOW),
    ("robokassa: processing asks GetState again (4)", ["robokassa", "next"] + state("robokassa.state-sent") + NOW + ["robokassa.state-processing.json"]),
    ("robokassa: finished is done (0)", ["robokassa", "next"] + state("robokassa.state-sent") + NOW + ["robokassa.state-finished.json"]),
    ("robokassa: the GetState request", ["robokassa", "status", "--request-id", "ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b"]),
    ("robokassa: the OpStateExt request", ["robokassa", "op-key", "--login", "demo-shop", "--invoice-id", "7814822027", "--password2-file", "password2.txt"]),
    ("robokassa: the OpStateExt answer gives the OpKey", ["robokassa", "op-key", "../robokassa/op-state/paid.xml"]),
    ("robokassa: an OpStateExt refusal (3)", ["robokassa", "op-key", "../robokassa/op-state/signature-error.xml"]),
    ("yandex-pay: a PENDING refund waits on the operation status (4)", ["yandex-pay", "next"] + state("yandex-pay.refund-sent") + NOW + ["yandex-pay.operation-pending.json"]),
    ("yandex-pay: the operation status request", ["yandex-pay", "status", "--refund", "yandex-pay.refund.http"]),
    ("yandex-pay: SUCCESS is done (0)", ["yandex-pay", "next"] + state("yandex-pay.status-sent") + NOW + ["yandex-pay.operation-success.json"]),
    ("yandex-pay: DUPLICATE_EXTERNAL_OPERATION_ID is looked up (5)", ["yandex-pay", "next"] + state("yandex-pay.refund-sent") + ["--status", "400"] + NOW + ["yandex-pay.duplicate.json"]),
    ("yandex-pay: a lost answer repeats under the same externalOperationId (4)", ["yandex-pay", "next"] + state("yandex-pay.refund-sent") + ["--lost"] + NOW),
    ("yandex-pay: an authentic notification for this merchant: answer 200 (0)", ["yandex-pay", "webhook", "--jwks", W + "jwks.json", "--merchant-id", MERCHANT] + NOW + [W + "operation-success.jwt"]),
    ("yandex-pay: an expired notification is refused: answer 403 (1)", ["yandex-pay", "webhook", "--jwks", W + "jwks.json", "--now", "1795430000", W + "operation-success.jwt"]),
    ("yookassa: status 1 resends the identical request in a minute (4)", ["yookassa", "next"] + state("yookassa.refund-sent") + NOW + ["yookassa.in-progress.xml"]),
    ("yookassa: a lost answer resends the identical request (4)", ["yookassa", "next"] + state("yookassa.refund-sent") + ["--lost"] + NOW),
    ("yookassa: status 0 for another clientOrderId is not this refund (5)", ["yookassa", "next"] + state("yookassa.refund-sent") + NOW + ["../yookassa/responses/seed-done.xml"]),
    ("yookassa: error 405 is refused, not correctable (3)", ["yookassa", "next"] + state("yookassa.refund-sent") + NOW + ["yookassa.refused-405.xml"]),
    ("rbs: error 7 system error is reconciled through the status, not refused (5)", ["rbs", "next"] + state("rbs.refund-sent") + NOW + ["rbs.refund-system-error.json"]),
    ("robokassa: GetState about another requestId is not this refund (5)", ["robokassa", "next"] + state("robokassa.state-sent") + NOW + ["robokassa.state-another-request.json"]),
    ("robokassa: GetState finished for another amount is not this refund (5)", ["robokassa", "next"] + state("robokassa.state-sent") + NOW + ["robokassa.state-another-amount.json"]),
    ("robokassa: provider text with control characters prints as one line (5)", ["robokassa", "next"] + state("robokassa.state-sent") + NOW + ["robokassa.state-control-characters.json"]),
    ("yandex-pay: SUCCESS for another amount is not this refund (5)", ["yandex-pay", "next"] + state("yandex-pay.status-sent") + NOW + ["yandex-pay.operation-another-amount.json"]),
    ("yandex-pay: a 503 with a reasonCode is no refusal: the same externalOperationId again (4)", ["yandex-pay", "next"] + state("yandex-pay.refund-sent") + ["--status", "503"] + NOW + ["yandex-pay.unavailable.json"]),
    ("yookassa: status 0 for this clientOrderId is done (0)", ["yookassa", "next"] + state("yookassa.refund-sent") + NOW + ["yookassa.done.xml"]),
    ("yookassa: an impossible --now is a usage error (2)", ["yookassa", "next"] + state("yookassa.refund-sent") + ["--now", "2026-02-30T00:00:00Z", "yookassa.done.xml"]),
    ("yookassa: the listReturns request", ["yookassa", "status", "--shop-id", "6689", "--from", "2026-11-22T00:00:00.000+03:00", "--till", "2026-11-23T00:00:00.000+03:00", "--request-dt", "2026-11-23T10:00:00.000+03:00"]),
    ("rbs: the refund's state from plan, and its first request (4)", ["rbs", "next", "--send"] + state("rbs.planned") + ["--now", T0]),
    ("rbs: a refund in flight is answered before anything is sent again (1)", ["rbs", "next", "--send"] + state("rbs.refund-sent") + NOW),
    ("yandex-pay: an authentic notification about another merchant is refused: answer 403 (1)", ["yandex-pay", "webhook", "--jwks", W + "jwks.json", "--merchant-id", "00000000-0000-4000-8000-000000000000"] + NOW + [W + "operation-success.jwt"]),
]
os.makedirs("expected", exist_ok=True)
scratch = tempfile.mkdtemp()
out = []
for i, (name, args) in enumerate(cases):
    args = list(args)
    if "--state" in args:
        at = args.index("--state") + 1
        copy = os.path.join(scratch, f"{i:02}.json")
        shutil.copy(args[at], copy)
        ran = run(args[:at] + [copy] + args[at + 1:], check=False)
    else:
        ran = run(args, check=False)
    path = f"expected/{i:02}.out"
    open(path, "wb").write(ran.stdout)
    out.append({"name": name, "args": args, "exit": ran.returncode, "stdout": path})
shutil.rmtree(scratch)
open("cases.json", "w").write(json.dumps({"cases": out}, indent=1, ensure_ascii=False) + "\n")
