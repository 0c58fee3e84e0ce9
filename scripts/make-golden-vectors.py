#!/usr/bin/env python3
"""Writes the golden callback vectors under Tests/PaySyncGatewaysTests/Fixtures/callbacks.

Signatures are made here with openssl (SHA256withRSA) and Python's hmac, independently of the
Swift code they test. Keys: Tests/PaySyncGatewaysTests/Fixtures/keys (made with openssl genrsa).
Run from the repository root: python3 scripts/make-golden-vectors.py
"""
import base64, hashlib, hmac, json, os, subprocess

ROOT = "Tests/PaySyncGatewaysTests/Fixtures"
OUT = f"{ROOT}/callbacks"
os.makedirs(OUT, exist_ok=True)

def rsa_sign(text: bytes, key="gateway-pkcs1.pem") -> str:
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{ROOT}/keys/{key}"], input=text, capture_output=True, check=True).stdout
    return base64.b64encode(sig).decode()

def sorted_pairs(pairs, skip_empty):
    kept = [(k, v) for k, v in pairs if v is not None and not (skip_empty and v == "")]
    return "&".join(f"{k}={v}" for k, v in sorted(kept, key=lambda kv: kv[0].encode()))

def write(name, data: bytes):
    with open(f"{OUT}/{name}", "wb") as f:
        f.write(data)

# CodePay: flat JSON, sorted non-empty pairs but sign.
codepay = [("merchant_no", "M100"), ("merchant_order_no", "A-1001"), ("trans_no", "CP9001"), ("trans_type", "sale"),
           ("trans_status", "2"), ("order_amount", "100.10"), ("price_currency", "USD"),
           ("trans_end_time", "2026-11-24 16:40:39"), ("attach", ""), ("sign_type", "RSA2")]
for key, name in [("gateway-pkcs1.pem", "codepay-payment.json"), ("gateway-old-pkcs1.pem", "codepay-payment-old-key.json")]:
    sign = rsa_sign(sorted_pairs(codepay, True).encode(), key)
    write(name, json.dumps(dict(codepay + [("sign", sign)]), separators=(",", ":")).encode())

# PayBy: signature over the raw body, in the sign header. The amount is a JSON number 100.10.
payby = b'{"notify_timestamp":1795538439123,"notify_id":"N-0001","acquireOrder":{"orderNo":"PB123","merchantOrderNo":"A-1001","status":"PAID_SUCCESS","totalAmount":{"currency":"AED","amount":100.10},"partnerId":"200000001"}}'
write("payby-payment.json", payby)
write("payby-payment.sign", rsa_sign(payby).encode())

# NewPay: data.sign over data's members; nested orderAmt as compact JSON; "" kept.
data = [("appId", "app1"), ("payStatus", "SUCCESS"), ("payMethod", "1"), ("orderType", "ONLINE"),
        ("orderAmt", '{"value":"25000","currency":"LAK"}'), ("mchOrderNo", "A-1001"), ("newpayOrderNo", "NP1"),
        ("subject", "T-shirt"), ("settlementStatus", "0"), ("paytime", "1795538439000"), ("attach", "")]
sign = rsa_sign(sorted_pairs(data, False).encode())
newpay = ('{"success":true,"message":"ok","code":"0","timestamp":1795538439123,"data":{"appId":"app1","payStatus":"SUCCESS",'
          '"payMethod":1,"orderType":"ONLINE","orderAmt":{"value":"25000","currency":"LAK"},"mchOrderNo":"A-1001",'
          '"newpayOrderNo":"NP1","subject":"T-shirt","settlementStatus":0,"paytime":1795538439000,"attach":"","sign":"' + sign + '"}}')
write("newpay-payment.json", newpay.encode())

# PayZApp: HMAC-SHA256 over the sorted at-* headers plus the body's members, Base64.
headers = {"at-access-key": "AK1", "at-mno": "MNO1", "at-nonce": "5f0c6a1e2b3d4c5e6f708192a3b4c5d6",
           "at-signature-method": "HmacSHA256", "at-timestamp": "1795538439"}
body_pairs = [("type", "payin"), ("outTradeNo", "A-1001"), ("tradeNo", "PZ77"), ("tradeAmount", "10010"),
              ("currency", "INR"), ("tradeStatus", "SUCCESS"), ("channelCode", "UPI"), ("attach", "")]
text = sorted_pairs(list(headers.items()) + body_pairs, False)
headers["at-signature"] = base64.b64encode(hmac.new(b"payzapp-secret-1", text.encode(), hashlib.sha256).digest()).decode()
body = b'{"type":"payin","outTradeNo":"A-1001","tradeNo":"PZ77","tradeAmount":10010,"currency":"INR","tradeStatus":"SUCCESS","channelCode":"UPI","attach":""}'
write("payzapp-payment.json", body)
write("payzapp-payment.headers.json", json.dumps(headers, indent=1).encode())
print("wrote", sorted(os.listdir(OUT)))
