#!/usr/bin/env python3
# Makes values in the format of Kafka's EncryptingPasswordEncoder (zk-layout.md §2.10) without
# zk2kraft's code: PBKDF2-HMAC-SHA512 from Python's hashlib, AES-128-CBC from the openssl CLI.
# Usage: kafka_password_vector.py SECRET PASSWORD... (one encoded value per line)
#        kafka_password_vector.py --decrypt SECRET VALUE  (the plaintext; AES-CBC only)
import base64, hashlib, os, subprocess, sys
# Kafka EncryptingPasswordEncoder format, made with Python's hashlib PBKDF2 + the openssl CLI (AES-128-CBC, PKCS#7)
def enc(secret, plain, salt, iv, iters=4096):
    key = hashlib.pbkdf2_hmac('sha512', secret.encode(), salt, iters, 16)
    ct = subprocess.run(['openssl','enc','-aes-128-cbc','-K',key.hex(),'-iv',iv.hex()], input=plain.encode(), capture_output=True, check=True).stdout
    return ("keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,"
            f"salt:{base64.b64encode(salt).decode()},iterations:{iters},encryptedPassword:{base64.b64encode(ct).decode()},"
            f"passwordLength:{len(plain.encode('utf-16-le'))//2},initializationVector:{base64.b64encode(iv).decode()}")
def dec(secret, value):
    f = dict(kv.split(':', 1) for kv in value.split(','))
    key = hashlib.pbkdf2_hmac('sha512', secret.encode(), base64.b64decode(f['salt']), int(f['iterations']),
                              int(f['keyLength']) // 8)
    out = subprocess.run(['openssl', 'enc', '-d', '-aes-128-cbc', '-K', key.hex(), '-iv',
                          base64.b64decode(f['initializationVector']).hex()],
                         input=base64.b64decode(f['encryptedPassword']), capture_output=True, check=True).stdout
    return out.decode()
if sys.argv[1] == '--decrypt':
    print(dec(sys.argv[2], sys.argv[3]))
    sys.exit(0)
secret = sys.argv[1]
for i, p in enumerate(sys.argv[2:]):
    salt = hashlib.sha256(f"salt{i}{p}".encode()).digest() * 8   # 256 bytes, deterministic
    iv = hashlib.md5(f"iv{i}{p}".encode()).digest()
    print(enc(secret, p, salt, iv))
