/* Kafka's EncryptingPasswordEncoder, decrypt side (and an encrypt for tests). */
#include "migrate/password.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkread/text.h"

static const char *const PASSWORD_SUFFIXES[] = {
    "ssl.keystore.password", "ssl.key.password",          "ssl.truststore.password",
    "ssl.keystore.key",      "ssl.keystore.certificate.chain", "ssl.truststore.certificates",
    "sasl.jaas.config",
};

bool mg_config_is_password(const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof PASSWORD_SUFFIXES / sizeof *PASSWORD_SUFFIXES; i++) {
        size_t s = strlen(PASSWORD_SUFFIXES[i]);
        if (n >= s && !strcmp(name + n - s, PASSWORD_SUFFIXES[i])) return true;
    }
    return false;
}

bool mg_password_looks_encrypted(const char *value) {
    return value && strstr(value, "encryptedPassword:") != NULL;
}

#define MAX_PARAMS 16

typedef struct csv_param {
    char *key, *value;
} csv_param;

/* Csv.parseCsvMap: split on ',', each element at its last ':'. */
static int parse_csv(char *text, csv_param *out, int *n, kr_error *err) {
    *n = 0;
    for (char *save = NULL, *el = strtok_r(text, ",", &save); el; el = strtok_r(NULL, ",", &save)) {
        while (*el == ' ') el++;
        char *colon = strrchr(el, ':');
        if (!colon) return kr_fail(err, KR_ERR_INVALID, "element without ':' in the encoded password");
        if (*n >= MAX_PARAMS) return kr_fail(err, KR_ERR_INVALID, "too many elements in the encoded password");
        *colon = '\0';
        out[(*n)++] = (csv_param){el, colon + 1};
    }
    return 0;
}

static const char *param(const csv_param *p, int n, const char *key) {
    for (int i = 0; i < n; i++)
        if (!strcmp(p[i].key, key)) return p[i].value;
    return NULL;
}

static bool parse_int(const char *s, int lo, int hi, int *out) {
    int32_t v;
    if (!s || !zr_parse_i32(s, &v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static const EVP_MD *kdf_digest(const char *alg) {
    if (!alg || !strcmp(alg, "PBKDF2WithHmacSHA512")) return EVP_sha512();
    if (!strcmp(alg, "PBKDF2WithHmacSHA256")) return EVP_sha256();
    if (!strcmp(alg, "PBKDF2WithHmacSHA1")) return EVP_sha1();
    return NULL;
}

static const EVP_CIPHER *aes_cipher(const char *alg, int key_bits, bool *gcm) {
    *gcm = false;
    if (!strcmp(alg, "AES/CBC/PKCS5Padding")) {
        return key_bits == 128 ? EVP_aes_128_cbc() : key_bits == 192 ? EVP_aes_192_cbc()
             : key_bits == 256 ? EVP_aes_256_cbc() : NULL;
    }
    if (!strcmp(alg, "AES/GCM/NoPadding")) {
        *gcm = true;
        return key_bits == 128 ? EVP_aes_128_gcm() : key_bits == 192 ? EVP_aes_192_gcm()
             : key_bits == 256 ? EVP_aes_256_gcm() : NULL;
    }
    return NULL;
}

/* Java's String.length(): UTF-16 code units of valid UTF-8 (4-byte sequences count 2). */
static long utf16_length(const unsigned char *s, size_t n) {
    long units = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] & 0xC0) == 0x80) continue;
        units += (s[i] >= 0xF0) ? 2 : 1;
    }
    return units;
}

static bool b64(const char *s, uint8_t **out, size_t *n) {
    return s && zr_base64_decode(s, strlen(s), false, false, out, n);
}

int mg_password_decrypt(const char *encoded, const char *secret, char **plain, kr_error *err) {
    *plain = NULL;
    if (!secret) return kr_fail(err, KR_ERR_INVALID, "no password.encoder.secret");
    char *text = strdup(encoded);
    if (!text) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    csv_param p[MAX_PARAMS];
    int np = 0, rc = parse_csv(text, p, &np, err);
    uint8_t *salt = NULL, *ct = NULL, *iv = NULL, *out = NULL;
    size_t salt_n = 0, ct_n = 0, iv_n = 0;
    EVP_CIPHER_CTX *cctx = NULL;
    uint8_t key[32];
    if (rc) goto done;
    const char *kdf = param(p, np, "keyFactoryAlgorithm");
    const char *calg = param(p, np, "cipherAlgorithm");
    int key_bits, iterations, pw_len, tag_bits = 128;
    if (!calg || !parse_int(param(p, np, "keyLength"), 1, 256, &key_bits) ||
        !parse_int(param(p, np, "iterations"), 1, 100000000, &iterations) ||
        !parse_int(param(p, np, "passwordLength"), 0, 1 << 24, &pw_len)) {
        rc = kr_fail(err, KR_ERR_INVALID, "encoded password lacks cipherAlgorithm, keyLength, "
                     "iterations or passwordLength");
        goto done;
    }
    const EVP_MD *md = kdf_digest(kdf);
    bool gcm;
    const EVP_CIPHER *cipher = aes_cipher(calg, key_bits, &gcm);
    if (!md || !cipher) {
        rc = kr_fail(err, KR_ERR_UNSUPPORTED, "unsupported password encoding %s / %s (keyLength %d)",
                     kdf ? kdf : "PBKDF2WithHmacSHA512", calg, key_bits);
        goto done;
    }
    if (gcm && param(p, np, "authenticationTagLength") &&
        !parse_int(param(p, np, "authenticationTagLength"), 96, 128, &tag_bits)) {
        rc = kr_fail(err, KR_ERR_INVALID, "bad authenticationTagLength in the encoded password");
        goto done;
    }
    if (!b64(param(p, np, "salt"), &salt, &salt_n) ||
        !b64(param(p, np, "encryptedPassword"), &ct, &ct_n) ||
        !b64(param(p, np, "initializationVector"), &iv, &iv_n)) {
        rc = kr_fail(err, KR_ERR_INVALID, "salt, encryptedPassword or initializationVector missing "
                     "or not base64 in the encoded password");
        goto done;
    }
    if ((!gcm && iv_n != 16) || (gcm && (iv_n == 0 || iv_n > 64)) || (gcm && ct_n < (size_t)tag_bits / 8)) {
        rc = kr_fail(err, KR_ERR_INVALID, "bad initializationVector or ciphertext length in the "
                     "encoded password");
        goto done;
    }
    /* PBEKeySpec: the secret's chars as UTF-8 bytes. */
    if (!PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, (int)salt_n, iterations, md,
                           key_bits / 8, key)) {
        rc = kr_fail(err, KR_ERR_INVALID, "PBKDF2 failed");
        goto done;
    }
    out = malloc(ct_n + 33);
    cctx = EVP_CIPHER_CTX_new();
    if (!out || !cctx) {
        rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
        goto done;
    }
    int len1 = 0, len2 = 0;
    size_t body = gcm ? ct_n - (size_t)tag_bits / 8 : ct_n;
    bool ok = EVP_DecryptInit_ex(cctx, cipher, NULL, NULL, NULL) == 1;
    if (ok && gcm) ok = EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_IVLEN, (int)iv_n, NULL) == 1;
    ok = ok && EVP_DecryptInit_ex(cctx, NULL, NULL, key, iv) == 1;
    ok = ok && EVP_DecryptUpdate(cctx, out, &len1, ct, (int)body) == 1;
    if (ok && gcm)
        ok = EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_TAG, tag_bits / 8, ct + body) == 1;
    ok = ok && EVP_DecryptFinal_ex(cctx, out + len1, &len2) == 1;
    if (!ok) {
        rc = kr_fail(err, KR_ERR_INVALID, "password could not be decoded (wrong "
                     "password.encoder.secret or corrupt value)");
        goto done;
    }
    size_t n = (size_t)len1 + (size_t)len2;
    out[n] = '\0';
    if (memchr(out, '\0', n) || utf16_length(out, n) != pw_len) {
        rc = kr_fail(err, KR_ERR_INVALID, "password could not be decoded, sanity check of length "
                     "failed (wrong password.encoder.secret?)");
        goto done;
    }
    *plain = (char *)out;
    out = NULL;
done:
    OPENSSL_cleanse(key, sizeof key);
    if (out) OPENSSL_cleanse(out, ct_n + 33);
    free(out);
    EVP_CIPHER_CTX_free(cctx);
    free(salt);
    free(ct);
    free(iv);
    OPENSSL_cleanse(text, strlen(encoded));
    free(text);
    return rc;
}

int mg_password_encrypt(const char *plain, const char *secret, int iterations, char **encoded,
                        kr_error *err) {
    *encoded = NULL;
    uint8_t salt[256], iv[16], key[16];
    size_t n = strlen(plain);
    uint8_t *ct = malloc(n + 32);
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    char *s_salt = NULL, *s_ct = NULL, *s_iv = NULL;
    int rc = 0, l1 = 0, l2 = 0;
    if (!ct || !cctx) {
        rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(iv, sizeof iv) != 1 ||
        !PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, sizeof salt, iterations, EVP_sha512(),
                           sizeof key, key) ||
        EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key, iv) != 1 ||
        EVP_EncryptUpdate(cctx, ct, &l1, (const uint8_t *)plain, (int)n) != 1 ||
        EVP_EncryptFinal_ex(cctx, ct + l1, &l2) != 1) {
        rc = kr_fail(err, KR_ERR_INVALID, "encryption failed");
        goto done;
    }
    s_salt = zr_base64_encode(salt, sizeof salt);
    s_ct = zr_base64_encode(ct, (size_t)(l1 + l2));
    s_iv = zr_base64_encode(iv, sizeof iv);
    size_t cap = strlen(s_salt) + strlen(s_ct) + strlen(s_iv) + 256;
    *encoded = s_salt && s_ct && s_iv ? malloc(cap) : NULL;
    if (!*encoded) {
        rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(*encoded, cap,
             "keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,"
             "keyLength:128,salt:%s,iterations:%d,encryptedPassword:%s,passwordLength:%ld,"
             "initializationVector:%s",
             s_salt, iterations, s_ct, utf16_length((const unsigned char *)plain, n), s_iv);
done:
    OPENSSL_cleanse(key, sizeof key);
    EVP_CIPHER_CTX_free(cctx);
    free(ct);
    free(s_salt);
    free(s_ct);
    free(s_iv);
    return rc;
}
