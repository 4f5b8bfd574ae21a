/*
 * The ZooKeeper side of dual-write (spec migration.md §8, docs/dual-write.md):
 * one session that creates /migration and the persistent top-level paths,
 * claims ZooKeeper controllership for a KRaft leader (§8.2) and executes
 * write plans (zk_ops.h) as fenced multi-ops (§8.3).
 *
 * Fencing: every multi checks /controller_epoch's znode version (learnt by the
 * claim) and /migration's (learnt by each write of it). A BADVERSION on either
 * means another controller owns ZooKeeper now: the call returns MG_ZK_FENCED,
 * never retried. The writer never asks anybody whether it is still the leader:
 * ZooKeeper's versions are the authority.
 *
 * ACLs of created znodes follow the full path (zk-layout.md §3, one deliberate
 * difference: with an authenticated session the SCRAM / broker-config / token
 * znodes are creator-only even when set_acl is false).
 *
 * Chunks of a plan are pipelined (up to MG_ZK_PIPELINE_WINDOW multis in flight,
 * each fenced); the last one, which sets /migration, is sent after all others
 * succeeded. A failed chunk and everything after it are redone in order.
 *
 * Not thread-safe: one thread (the dual-write driver) uses a writer.
 */
#ifndef MIGRATE_ZK_WRITER_H
#define MIGRATE_ZK_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/logger.h"
#include "migrate/zk_ops.h"

/* Returned (and set as err->code) when another controller moved /controller_epoch or
 * wrote /migration: this writer must stop writing until it claims again. */
#define MG_ZK_FENCED 100

#define MG_ZK_MULTI_MAX_OPS 500             /* ops per multi, fencing ops included */
#define MG_ZK_MULTI_MAX_BYTES (512u * 1024) /* znode data per multi */
#define MG_ZK_MAX_DEPTH 64                  /* bound on parents created / children deleted */
#define MG_ZK_PIPELINE_WINDOW 8             /* multis in flight */

typedef struct mg_zk_writer_options {
    const char *connect;    /* host:port[,...][/chroot] */
    int session_timeout_ms; /* 0 = 18000 */
    const char *auth;       /* "digest:user:password" or NULL; secret, never logged */
    bool set_acl;           /* zookeeper.set.acl */
    int32_t node_id;        /* kraft_controller_id / brokerid written */
    uint32_t write_delay_ms; /* test-only fault injection: sleep before each fenced multi */
    int max_retries;        /* per multi on connection loss / session expiry; 0 = 5 */
    int pipeline;           /* 1 = one multi at a time; else up to MG_ZK_PIPELINE_WINDOW in flight */
    kr_logger log;
} mg_zk_writer_options;

/* /migration as last read or written (migration.md §1.3). */
typedef struct mg_zk_migration {
    int32_t controller_id, controller_epoch; /* kraft_controller_id / _epoch */
    int64_t metadata_offset;                 /* kraft_metadata_offset */
    int32_t metadata_epoch;                  /* kraft_metadata_epoch */
    int32_t zk_version;                      /* znode version, -2 = unknown */
} mg_zk_migration;

typedef struct mg_zk_exec_stats {
    int64_t ops;           /* plan ops executed */
    int64_t multis;        /* multi-ops sent successfully */
    int64_t fallback_ops;  /* ops redone one by one after a NODEEXISTS / NONODE / NOTEMPTY */
    int64_t bytes;         /* znode data written */
    int64_t retries;       /* after connection loss or session expiry */
} mg_zk_exec_stats;

typedef struct mg_zk_writer mg_zk_writer;

/* Opens the session (waits until connected and authenticated), creates the
 * persistent top-level paths and /migration when missing (§8.1), reads /migration. */
int mg_zk_writer_open(const mg_zk_writer_options *o, mg_zk_writer **out, kr_error *err);
void mg_zk_writer_close(mg_zk_writer *w);

/* Re-reads /migration into the writer's state. */
int mg_zk_writer_read_migration(mg_zk_writer *w, kr_error *err);
const mg_zk_migration *mg_zk_writer_migration(const mg_zk_writer *w);

/* §8.2 for Raft leader epoch kraft_epoch: refuses (MG_ZK_FENCED) when /controller
 * holds a kraftControllerEpoch >= kraft_epoch; a lost race (BADVERSION, NONODE,
 * NODEEXISTS) is KR_ERR_INVALID (retry later). On success writes /migration
 * unconditionally with this node's id and kraft_epoch (offset unchanged) and
 * learns its version. *zk_controller_epoch (may be NULL) gets the new epoch. */
int mg_zk_writer_claim(mg_zk_writer *w, int32_t kraft_epoch, int32_t *zk_controller_epoch, kr_error *err);
bool mg_zk_writer_claimed(const mg_zk_writer *w);

/* Executes `ops` in fenced multis and, in the last one, sets /migration's
 * offset/epoch to offset/offset_epoch (with the claim's id and epoch). An empty
 * plan still writes /migration. Returns KR_OK, MG_ZK_FENCED or another error
 * (already retried; the plan may be re-executed: every op is idempotent). */
int mg_zk_writer_execute(mg_zk_writer *w, const mg_zk_ops *ops, int64_t offset, int32_t offset_epoch,
                         mg_zk_exec_stats *st, kr_error *err);

/* Tests only: the current session handle (a zhandle_t *), to expire it from outside. */
void *mg_zk_writer_session(mg_zk_writer *w);

/* The ACL rule, exposed for tests: 0 world ALL, 1 creator ALL, 2 creator ALL + world READ. */
int mg_zk_acl_kind(bool authenticated, bool set_acl, const char *path);

#endif
