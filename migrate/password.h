/*
 * Kafka's dynamic password configs (zk-layout.md §2.10, migration.md §4.3): which broker
 * config keys hold encrypted values, and decrypting them as Kafka's EncryptingPasswordEncoder
 * does (PBKDF2 key from password.encoder.secret, then the stored cipher with its IV).
 */
#ifndef MIGRATE_PASSWORD_H
#define MIGRATE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "kraft/error.h"

/* True when the config name ends with one of the dynamic password config names. */
bool mg_config_is_password(const char *name);

/* True when value has the encoder's CSV shape (an encryptedPassword element). */
bool mg_password_looks_encrypted(const char *value);

/*
 * Decrypts one stored value ("keyFactoryAlgorithm:...,salt:...,encryptedPassword:...").
 * Supports PBKDF2WithHmacSHA512/SHA256/SHA1 and AES/CBC/PKCS5Padding, AES/GCM/NoPadding.
 * On success *plain is a malloc'd NUL-terminated UTF-8 string (the caller frees it after
 * wiping). Errors never include the secret or the plaintext.
 */
int mg_password_decrypt(const char *encoded, const char *secret, char **plain, kr_error *err);

/* The inverse, for tests and dual-write: CBC with a random 256-byte salt and IV, the
 * default algorithms (keyLength 128, iterations 4096). Returns a malloc'd CSV string. */
int mg_password_encrypt(const char *plain, const char *secret, int iterations, char **encoded,
                        kr_error *err);

#endif
