/* AlterUserScramCredentials planner (Kafka 3.9 ScramControlManager; spec
 * kafka-api.md §11.4): the server derives StoredKey and ServerKey from the
 * client's SaltedPassword and never stores or echoes the salted password. */
#include <stdlib.h>

#include "kraft/client_write_internal.h"
#include "kraft/metadata_version.h"
#include "kraft/scram.h"

#define SALT_MAX_BYTES 256 /* kr_scram_credential's salt buffer */

typedef kr_AlterUserScramCredentialsRequest_ScramCredentialDeletion deletion;
typedef kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion upsertion;
typedef kr_AlterUserScramCredentialsResponse_AlterUserScramCredentialsResult user_result;

static bool credential_exists(const kr_image *img, kr_str user, int8_t mechanism) {
    for (int32_t i = 0; i < img->scram.n; i++)
        if (img->scram.v[i].mechanism == mechanism && kr_str_eq_c(user, img->scram.v[i].user)) return true;
    return false;
}

static int16_t check_common(kr_str name, int8_t mechanism, bool duplicate, kr_str *msg) {
    if (name.len <= 0) {
        *msg = kr_str_c("Username must not be empty");
        return KR_KAFKA_UNACCEPTABLE_CREDENTIAL;
    }
    if (kr_scram_hash_len(mechanism) == 0) {
        *msg = kr_str_c("Unknown SCRAM mechanism");
        return KR_KAFKA_UNSUPPORTED_SASL_MECHANISM;
    }
    if (duplicate) {
        *msg = kr_str_c("A user credential cannot be altered twice in the same request");
        return KR_KAFKA_DUPLICATE_RESOURCE;
    }
    return KR_KAFKA_NONE;
}

static int16_t check_upsertion(const upsertion *u, bool duplicate, kr_str *msg, kr_arena *arena) {
    int16_t code = check_common(u->Name, u->Mechanism, duplicate, msg);
    if (code) return code;
    if (u->Iterations < KR_SCRAM_MIN_ITERATIONS) {
        *msg = kr_str_c("Too few iterations");
        return KR_KAFKA_UNACCEPTABLE_CREDENTIAL;
    }
    if (u->Iterations > KR_SCRAM_MAX_ITERATIONS) {
        *msg = kr_str_c("Too many iterations");
        return KR_KAFKA_UNACCEPTABLE_CREDENTIAL;
    }
    if (u->Salt.len <= 0 || u->Salt.len > SALT_MAX_BYTES) {
        *msg = kr_wr_fmt(arena, "The salt must be 1 to %d bytes long", SALT_MAX_BYTES);
        return KR_KAFKA_UNACCEPTABLE_CREDENTIAL;
    }
    size_t h = kr_scram_hash_len(u->Mechanism);
    if (u->SaltedPassword.len != (int32_t)h) {
        *msg = kr_wr_fmt(arena, "The salted password must be %zu bytes long for this mechanism", h);
        return KR_KAFKA_UNACCEPTABLE_CREDENTIAL;
    }
    return KR_KAFKA_NONE;
}

/* The user's result slot (users in order of first appearance). */
static int32_t user_slot(kr_strmap *users, user_result *res, int32_t *n, kr_str name) {
    kr_str key = name.len >= 0 ? name : KR_STR_EMPTY;
    const void *k = key.len ? (const void *)key.ptr : "";
    int32_t i = kr_strmap_get(users, k, (size_t)key.len);
    if (i >= 0) return i;
    i = (*n)++;
    if (!kr_strmap_put(users, k, (size_t)key.len, i)) return -1;
    kr_AlterUserScramCredentialsResponse_AlterUserScramCredentialsResult_init(&res[i]);
    res[i].User = key;
    res[i].ErrorMessage = KR_STR_NULL;
    return i;
}

static void set_error(user_result *r, int16_t code, kr_str msg) {
    if (r->ErrorCode) return; /* the first error of a user is reported */
    r->ErrorCode = code;
    r->ErrorMessage = msg;
}

static int add_upsertion(kr_write_plan *plan, kr_arena *arena, const upsertion *u, kr_error *err) {
    kr_scram_credential cred;
    int rc = kr_scram_keys_from_salted(u->Mechanism, u->SaltedPassword.ptr, &cred, err);
    if (rc != KR_OK) return rc;
    size_t h = kr_scram_hash_len(u->Mechanism);
    uint8_t *keys = kr_arena_alloc(arena, 2 * h);
    if (!keys) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterUserScramCredentials");
    memcpy(keys, cred.stored_key, h);
    memcpy(keys + h, cred.server_key, h);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    kr_UserScramCredentialRecord *r = &rec.u.UserScramCredentialRecord;
    r->Name = u->Name;
    r->Mechanism = u->Mechanism;
    r->Salt = u->Salt;
    r->StoredKey = (kr_bytes){keys, (int32_t)h};
    r->ServerKey = (kr_bytes){keys + h, (int32_t)h};
    r->Iterations = u->Iterations;
    rc = kr_plan_add(plan, arena, &rec, err);
    memset(&cred, 0, sizeof cred);
    return rc;
}

int kr_plan_AlterUserScramCredentials(const kr_write_ctx *ctx, const kr_image *img,
                                      const kr_AlterUserScramCredentialsRequest *req, int16_t version,
                                      kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t nd = req->Deletions.n > 0 ? req->Deletions.n : 0, nu = req->Upsertions.n > 0 ? req->Upsertions.n : 0;
    int32_t total = nd + nu;
    kr_AlterUserScramCredentialsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    user_result *res = kr_wr_calloc(arena, (size_t)total, sizeof *res);
    int32_t *slot = kr_wr_calloc(arena, (size_t)total, sizeof *slot); /* operation -> user result */
    kr_bytes *keys = kr_wr_calloc(arena, (size_t)total, sizeof *keys);
    bool *dup = kr_wr_calloc(arena, (size_t)total, sizeof *dup);
    if (!resp || !res || !slot || !keys || !dup)
        return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterUserScramCredentials");
    kr_AlterUserScramCredentialsResponse_init(resp);
    kr_plan_start(plan, KR_API_ALTER_USER_SCRAM_CREDENTIALS, version, resp);
    /* (user, mechanism) named twice anywhere in the request is a duplicate. */
    for (int32_t i = 0; i < total; i++) {
        kr_str name = i < nd ? req->Deletions.v[i].Name : req->Upsertions.v[i - nd].Name;
        int8_t mech = i < nd ? req->Deletions.v[i].Mechanism : req->Upsertions.v[i - nd].Mechanism;
        keys[i] = kr_wr_key(arena, mech, name);
    }
    if (!kr_wr_mark_duplicates(keys, total, dup))
        return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterUserScramCredentials");
    kr_strmap users = {0};
    int32_t users_n = 0;
    int rc = KR_OK;
    for (int32_t i = 0; i < total && rc == KR_OK; i++) {
        kr_str name = i < nd ? req->Deletions.v[i].Name : req->Upsertions.v[i - nd].Name;
        slot[i] = user_slot(&users, res, &users_n, name);
        if (slot[i] < 0) {
            rc = kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterUserScramCredentials");
            break;
        }
        kr_str msg = KR_STR_NULL;
        int16_t code;
        if (!kr_mv_has_scram(ctx->metadata_version)) {
            code = KR_KAFKA_UNSUPPORTED_VERSION;
            msg = kr_str_c("The current metadata.version does not support SCRAM");
        } else if (i < nd) {
            const deletion *d = &req->Deletions.v[i];
            code = check_common(d->Name, d->Mechanism, dup[i], &msg);
            if (!code && !credential_exists(img, d->Name, d->Mechanism)) {
                code = KR_KAFKA_RESOURCE_NOT_FOUND;
                msg = kr_str_c("Attempt to delete a user credential that does not exist");
            }
        } else {
            code = check_upsertion(&req->Upsertions.v[i - nd], dup[i], &msg, arena);
        }
        if (code) set_error(&res[slot[i]], code, msg);
    }
    kr_strmap_free(&users);
    for (int32_t i = 0; total > KR_WRITE_MAX_RECORDS && i < total; i++)
        set_error(&res[slot[i]], KR_KAFKA_POLICY_VIOLATION, kr_str_c("Excessively large number of records per request."));
    /* A user with any failed operation changes nothing (Kafka's per-user outcome). */
    for (int32_t i = 0; i < total && rc == KR_OK; i++) {
        if (res[slot[i]].ErrorCode) continue;
        if (i < nd) {
            kr_metadata_record rec;
            kr_metadata_record_init(&rec, KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD, 0);
            rec.u.RemoveUserScramCredentialRecord.Name = req->Deletions.v[i].Name;
            rec.u.RemoveUserScramCredentialRecord.Mechanism = req->Deletions.v[i].Mechanism;
            rc = kr_plan_add(plan, arena, &rec, err);
        } else {
            rc = add_upsertion(plan, arena, &req->Upsertions.v[i - nd], err);
        }
    }
    resp->Results = (kr_AlterUserScramCredentialsResponse_AlterUserScramCredentialsResult_array){res, users_n};
    return rc;
}
