#!/usr/bin/env bash
# Test material for `refundkit serve`'s MWS endpoint: a CA, the server's certificate for
# 127.0.0.1 and localhost, and a shop's client certificate (as YooKassa issues one for mutual
# TLS). P-256 keys, ten years. Not credentials of anyone.
set -euo pipefail
cd "$(dirname "$0")"
days=3650
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days $days -subj "/CN=refundkit-sim test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
for who in server client; do
  openssl ecparam -name prime256v1 -genkey -noout -out $who.key.sec1
  openssl pkcs8 -topk8 -nocrypt -in $who.key.sec1 -out $who.key
  rm $who.key.sec1
done
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days $days -sha256 -extfile server.ext -out server.crt
openssl req -new -key client.key -subj "/CN=sample shop (refundkit-sim)" -out client.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days $days -sha256 -extfile client.ext -out client.crt
rm -f server.csr client.csr server.ext client.ext ca.srl
