#include "kraft/raft_wire.h"

#include <string.h>

#include "kraft/partition_metadata.h"
#include "kraft/record_batch.h"

#define ALLOC(a, T) ((T *)kr_arena_alloc((a), sizeof(T)))

int16_t kr_raft_wire_api_key(enum kr_raft_msg_type type) {
    switch (type) {
    case KR_MSG_VOTE_REQUEST:
    case KR_MSG_VOTE_RESPONSE: return KR_API_VOTE;
    case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST:
    case KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE: return KR_API_BEGIN_QUORUM_EPOCH;
    case KR_MSG_END_QUORUM_EPOCH_REQUEST:
    case KR_MSG_END_QUORUM_EPOCH_RESPONSE: return KR_API_END_QUORUM_EPOCH;
    case KR_MSG_FETCH_REQUEST:
    case KR_MSG_FETCH_RESPONSE: return KR_API_FETCH;
    case KR_MSG_FETCH_SNAPSHOT_REQUEST:
    case KR_MSG_FETCH_SNAPSHOT_RESPONSE: return KR_API_FETCH_SNAPSHOT;
    }
    return -1;
}

int16_t kr_raft_wire_request_version(int16_t api_key) {
    switch (api_key) {
    case KR_API_FETCH: return 16; /* topic ids, tagged ReplicaState */
    case KR_API_VOTE: return 0;
    case KR_API_BEGIN_QUORUM_EPOCH: return 0;
    case KR_API_END_QUORUM_EPOCH: return 0;
    case KR_API_FETCH_SNAPSHOT: return 0;
    default: return -1;
    }
}

static kr_str topic_name(void) { return kr_str_c(KR_METADATA_TOPIC); }

/* ---------- requests out ---------- */

static void *vote_request(const kr_raft_msg *m, kr_str cid, kr_arena *a) {
    kr_VoteRequest *q = ALLOC(a, kr_VoteRequest);
    kr_VoteRequest_TopicData *t = ALLOC(a, kr_VoteRequest_TopicData);
    kr_VoteRequest_PartitionData *p = ALLOC(a, kr_VoteRequest_PartitionData);
    if (!q || !t || !p) return NULL;
    kr_VoteRequest_init(q);
    kr_VoteRequest_TopicData_init(t);
    kr_VoteRequest_PartitionData_init(p);
    const kr_vote_request *v = &m->u.vote_req;
    q->ClusterId = cid;
    q->VoterId = v->voter_id;
    p->CandidateEpoch = v->candidate_epoch;
    p->CandidateId = v->candidate_id;
    p->LastOffsetEpoch = v->last_offset_epoch;
    p->LastOffset = v->last_offset;
    t->TopicName = topic_name();
    t->Partitions = (kr_VoteRequest_PartitionData_array){p, 1};
    q->Topics = (kr_VoteRequest_TopicData_array){t, 1};
    return q;
}

static void *begin_request(const kr_raft_msg *m, kr_str cid, kr_arena *a) {
    kr_BeginQuorumEpochRequest *q = ALLOC(a, kr_BeginQuorumEpochRequest);
    kr_BeginQuorumEpochRequest_TopicData *t = ALLOC(a, kr_BeginQuorumEpochRequest_TopicData);
    kr_BeginQuorumEpochRequest_PartitionData *p = ALLOC(a, kr_BeginQuorumEpochRequest_PartitionData);
    if (!q || !t || !p) return NULL;
    kr_BeginQuorumEpochRequest_init(q);
    kr_BeginQuorumEpochRequest_TopicData_init(t);
    kr_BeginQuorumEpochRequest_PartitionData_init(p);
    q->ClusterId = cid;
    q->VoterId = m->u.begin_req.voter_id;
    p->LeaderId = m->u.begin_req.leader_id;
    p->LeaderEpoch = m->u.begin_req.leader_epoch;
    t->TopicName = topic_name();
    t->Partitions = (kr_BeginQuorumEpochRequest_PartitionData_array){p, 1};
    q->Topics = (kr_BeginQuorumEpochRequest_TopicData_array){t, 1};
    return q;
}

static void *end_request(const kr_raft_msg *m, kr_str cid, kr_arena *a) {
    const kr_end_quorum_epoch_request *e = &m->u.end_req;
    kr_EndQuorumEpochRequest *q = ALLOC(a, kr_EndQuorumEpochRequest);
    kr_EndQuorumEpochRequest_TopicData *t = ALLOC(a, kr_EndQuorumEpochRequest_TopicData);
    kr_EndQuorumEpochRequest_PartitionData *p = ALLOC(a, kr_EndQuorumEpochRequest_PartitionData);
    int32_t *succ = kr_arena_alloc(a, sizeof(int32_t) * (e->preferred_successors_count + 1));
    if (!q || !t || !p || !succ) return NULL;
    kr_EndQuorumEpochRequest_init(q);
    kr_EndQuorumEpochRequest_TopicData_init(t);
    kr_EndQuorumEpochRequest_PartitionData_init(p);
    q->ClusterId = cid;
    p->LeaderId = e->leader_id;
    p->LeaderEpoch = e->leader_epoch;
    for (uint32_t i = 0; i < e->preferred_successors_count && i < KR_RAFT_MAX_VOTERS; i++)
        succ[i] = e->preferred_successors[i];
    p->PreferredSuccessors = (kr_array_i32){succ, (int32_t)e->preferred_successors_count};
    t->TopicName = topic_name();
    t->Partitions = (kr_EndQuorumEpochRequest_PartitionData_array){p, 1};
    q->Topics = (kr_EndQuorumEpochRequest_TopicData_array){t, 1};
    return q;
}

static void *fetch_request(const kr_raft_msg *m, kr_str cid, kr_arena *a) {
    const kr_fetch_request *f = &m->u.fetch_req;
    kr_FetchRequest *q = ALLOC(a, kr_FetchRequest);
    kr_FetchRequest_FetchTopic *t = ALLOC(a, kr_FetchRequest_FetchTopic);
    kr_FetchRequest_FetchPartition *p = ALLOC(a, kr_FetchRequest_FetchPartition);
    if (!q || !t || !p) return NULL;
    kr_FetchRequest_init(q);
    kr_FetchRequest_FetchTopic_init(t);
    kr_FetchRequest_FetchPartition_init(p);
    q->ClusterId = cid;
    q->ReplicaState.ReplicaId = f->replica_id;
    q->ReplicaState.ReplicaEpoch = -1;
    q->MaxWaitMs = f->max_wait_ms;
    q->MinBytes = 0;
    q->MaxBytes = f->max_bytes;
    p->Partition = 0;
    p->CurrentLeaderEpoch = f->current_leader_epoch;
    p->FetchOffset = f->fetch_offset;
    p->LastFetchedEpoch = f->last_fetched_epoch;
    p->LogStartOffset = -1;
    p->PartitionMaxBytes = f->max_bytes;
    t->Topic = topic_name();
    t->TopicId = KR_METADATA_TOPIC_ID;
    t->Partitions = (kr_FetchRequest_FetchPartition_array){p, 1};
    q->Topics = (kr_FetchRequest_FetchTopic_array){t, 1};
    return q;
}

static void *fetch_snapshot_request(const kr_raft_msg *m, kr_str cid, kr_arena *a) {
    const kr_fetch_snapshot_request *f = &m->u.snap_req;
    kr_FetchSnapshotRequest *q = ALLOC(a, kr_FetchSnapshotRequest);
    kr_FetchSnapshotRequest_TopicSnapshot *t = ALLOC(a, kr_FetchSnapshotRequest_TopicSnapshot);
    kr_FetchSnapshotRequest_PartitionSnapshot *p = ALLOC(a, kr_FetchSnapshotRequest_PartitionSnapshot);
    if (!q || !t || !p) return NULL;
    kr_FetchSnapshotRequest_init(q);
    kr_FetchSnapshotRequest_TopicSnapshot_init(t);
    kr_FetchSnapshotRequest_PartitionSnapshot_init(p);
    q->ClusterId = cid;
    q->ReplicaId = f->replica_id;
    q->MaxBytes = f->max_bytes;
    p->Partition = 0;
    p->CurrentLeaderEpoch = f->current_leader_epoch;
    p->SnapshotId.EndOffset = f->snapshot_id.end_offset;
    p->SnapshotId.Epoch = f->snapshot_id.epoch;
    p->Position = f->position;
    t->Name = topic_name();
    t->Partitions = (kr_FetchSnapshotRequest_PartitionSnapshot_array){p, 1};
    q->Topics = (kr_FetchSnapshotRequest_TopicSnapshot_array){t, 1};
    return q;
}

void *kr_raft_wire_encode_request(const kr_raft_msg *m, const char *cluster_id, kr_arena *a,
                                  kr_error *err) {
    kr_str cid = kr_str_c(cluster_id);
    void *q = NULL;
    switch (m->type) {
    case KR_MSG_VOTE_REQUEST: q = vote_request(m, cid, a); break;
    case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST: q = begin_request(m, cid, a); break;
    case KR_MSG_END_QUORUM_EPOCH_REQUEST: q = end_request(m, cid, a); break;
    case KR_MSG_FETCH_REQUEST: q = fetch_request(m, cid, a); break;
    case KR_MSG_FETCH_SNAPSHOT_REQUEST: q = fetch_snapshot_request(m, cid, a); break;
    default:
        kr_fail(err, KR_ERR_INVALID, "%s is not a request", kr_raft_msg_type_name(m->type));
        return NULL;
    }
    if (!q) kr_fail(err, KR_ERR_NOMEM, "out of memory");
    return q;
}

/* ---------- requests in ---------- */

static bool cluster_ok(kr_str got, const char *want) {
    return kr_str_is_null(got) || kr_str_eq_c(got, want); /* null: pre-KIP-595 clients */
}

int16_t kr_raft_wire_decode_request(int16_t api_key, int16_t version, const void *req,
                                    const char *cluster_id, int32_t self, kr_raft_msg *out) {
    memset(out, 0, sizeof *out);
    out->to = self;
    switch (api_key) {
    case KR_API_VOTE: {
        const kr_VoteRequest *q = req;
        if (!cluster_ok(q->ClusterId, cluster_id)) return KR_E_INCONSISTENT_CLUSTER_ID;
        if (q->Topics.n != 1 || !kr_str_eq_c(q->Topics.v[0].TopicName, KR_METADATA_TOPIC) ||
            q->Topics.v[0].Partitions.n != 1 || q->Topics.v[0].Partitions.v[0].PartitionIndex != 0)
            return KR_E_INVALID_REQUEST;
        const kr_VoteRequest_PartitionData *p = &q->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_VOTE_REQUEST;
        out->from = p->CandidateId;
        out->u.vote_req = (kr_vote_request){version >= 1 ? q->VoterId : -1, p->CandidateEpoch,
                                            p->CandidateId, p->LastOffsetEpoch, p->LastOffset};
        return 0;
    }
    case KR_API_BEGIN_QUORUM_EPOCH: {
        const kr_BeginQuorumEpochRequest *q = req;
        if (!cluster_ok(q->ClusterId, cluster_id)) return KR_E_INCONSISTENT_CLUSTER_ID;
        if (q->Topics.n != 1 || !kr_str_eq_c(q->Topics.v[0].TopicName, KR_METADATA_TOPIC) ||
            q->Topics.v[0].Partitions.n != 1 || q->Topics.v[0].Partitions.v[0].PartitionIndex != 0)
            return KR_E_INVALID_REQUEST;
        const kr_BeginQuorumEpochRequest_PartitionData *p = &q->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST;
        out->from = p->LeaderId;
        out->u.begin_req = (kr_begin_quorum_epoch_request){version >= 1 ? q->VoterId : -1,
                                                           p->LeaderId, p->LeaderEpoch};
        return 0;
    }
    case KR_API_END_QUORUM_EPOCH: {
        const kr_EndQuorumEpochRequest *q = req;
        if (!cluster_ok(q->ClusterId, cluster_id)) return KR_E_INCONSISTENT_CLUSTER_ID;
        if (q->Topics.n != 1 || !kr_str_eq_c(q->Topics.v[0].TopicName, KR_METADATA_TOPIC) ||
            q->Topics.v[0].Partitions.n != 1 || q->Topics.v[0].Partitions.v[0].PartitionIndex != 0)
            return KR_E_INVALID_REQUEST;
        const kr_EndQuorumEpochRequest_PartitionData *p = &q->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_END_QUORUM_EPOCH_REQUEST;
        out->from = p->LeaderId;
        kr_end_quorum_epoch_request *e = &out->u.end_req;
        e->leader_id = p->LeaderId;
        e->leader_epoch = p->LeaderEpoch;
        if (version >= 1) {
            for (int32_t i = 0; i < p->PreferredCandidates.n && e->preferred_successors_count < KR_RAFT_MAX_VOTERS; i++)
                e->preferred_successors[e->preferred_successors_count++] = p->PreferredCandidates.v[i].CandidateId;
        } else {
            for (int32_t i = 0; i < p->PreferredSuccessors.n && e->preferred_successors_count < KR_RAFT_MAX_VOTERS; i++)
                e->preferred_successors[e->preferred_successors_count++] = p->PreferredSuccessors.v[i];
        }
        return 0;
    }
    case KR_API_FETCH: {
        const kr_FetchRequest *q = req;
        if (!cluster_ok(q->ClusterId, cluster_id)) return KR_E_INCONSISTENT_CLUSTER_ID;
        if (version < 13 || q->Topics.n != 1 ||
            memcmp(&q->Topics.v[0].TopicId, &KR_METADATA_TOPIC_ID, sizeof(kr_uuid)) != 0 ||
            q->Topics.v[0].Partitions.n != 1 || q->Topics.v[0].Partitions.v[0].Partition != 0)
            return KR_E_INVALID_REQUEST;
        const kr_FetchRequest_FetchPartition *p = &q->Topics.v[0].Partitions.v[0];
        int32_t replica = version >= 15 ? q->ReplicaState.ReplicaId : q->ReplicaId;
        out->type = KR_MSG_FETCH_REQUEST;
        out->from = replica;
        int32_t max_bytes = q->MaxBytes;
        if (p->PartitionMaxBytes > 0 && p->PartitionMaxBytes < max_bytes) max_bytes = p->PartitionMaxBytes;
        out->u.fetch_req = (kr_fetch_request){replica, q->MaxWaitMs, max_bytes, p->CurrentLeaderEpoch,
                                              p->FetchOffset, p->LastFetchedEpoch};
        return 0;
    }
    case KR_API_FETCH_SNAPSHOT: {
        const kr_FetchSnapshotRequest *q = req;
        if (!cluster_ok(q->ClusterId, cluster_id)) return KR_E_INCONSISTENT_CLUSTER_ID;
        if (q->Topics.n != 1 || !kr_str_eq_c(q->Topics.v[0].Name, KR_METADATA_TOPIC) ||
            q->Topics.v[0].Partitions.n != 1 || q->Topics.v[0].Partitions.v[0].Partition != 0)
            return KR_E_INVALID_REQUEST;
        const kr_FetchSnapshotRequest_PartitionSnapshot *p = &q->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_FETCH_SNAPSHOT_REQUEST;
        out->from = q->ReplicaId;
        out->u.snap_req = (kr_fetch_snapshot_request){
            q->ReplicaId, q->MaxBytes, p->CurrentLeaderEpoch,
            (kr_snapshot_id){p->SnapshotId.EndOffset, p->SnapshotId.Epoch}, p->Position};
        return 0;
    }
    default: return KR_E_INVALID_REQUEST;
    }
}

/* ---------- responses out ---------- */

static void *vote_response(const kr_raft_msg *m, kr_arena *a) {
    kr_VoteResponse *r = ALLOC(a, kr_VoteResponse);
    kr_VoteResponse_TopicData *t = ALLOC(a, kr_VoteResponse_TopicData);
    kr_VoteResponse_PartitionData *p = ALLOC(a, kr_VoteResponse_PartitionData);
    if (!r || !t || !p) return NULL;
    kr_VoteResponse_init(r);
    kr_VoteResponse_TopicData_init(t);
    kr_VoteResponse_PartitionData_init(p);
    const kr_vote_response *v = &m->u.vote_resp;
    p->ErrorCode = v->error_code;
    p->LeaderId = v->leader_id;
    p->LeaderEpoch = v->leader_epoch;
    p->VoteGranted = v->vote_granted;
    t->TopicName = topic_name();
    t->Partitions = (kr_VoteResponse_PartitionData_array){p, 1};
    r->Topics = (kr_VoteResponse_TopicData_array){t, 1};
    return r;
}

static void *begin_response(const kr_raft_msg *m, kr_arena *a) {
    kr_BeginQuorumEpochResponse *r = ALLOC(a, kr_BeginQuorumEpochResponse);
    kr_BeginQuorumEpochResponse_TopicData *t = ALLOC(a, kr_BeginQuorumEpochResponse_TopicData);
    kr_BeginQuorumEpochResponse_PartitionData *p = ALLOC(a, kr_BeginQuorumEpochResponse_PartitionData);
    if (!r || !t || !p) return NULL;
    kr_BeginQuorumEpochResponse_init(r);
    kr_BeginQuorumEpochResponse_TopicData_init(t);
    kr_BeginQuorumEpochResponse_PartitionData_init(p);
    p->ErrorCode = m->u.begin_resp.error_code;
    p->LeaderId = m->u.begin_resp.leader_id;
    p->LeaderEpoch = m->u.begin_resp.leader_epoch;
    t->TopicName = topic_name();
    t->Partitions = (kr_BeginQuorumEpochResponse_PartitionData_array){p, 1};
    r->Topics = (kr_BeginQuorumEpochResponse_TopicData_array){t, 1};
    return r;
}

static void *end_response(const kr_raft_msg *m, kr_arena *a) {
    kr_EndQuorumEpochResponse *r = ALLOC(a, kr_EndQuorumEpochResponse);
    kr_EndQuorumEpochResponse_TopicData *t = ALLOC(a, kr_EndQuorumEpochResponse_TopicData);
    kr_EndQuorumEpochResponse_PartitionData *p = ALLOC(a, kr_EndQuorumEpochResponse_PartitionData);
    if (!r || !t || !p) return NULL;
    kr_EndQuorumEpochResponse_init(r);
    kr_EndQuorumEpochResponse_TopicData_init(t);
    kr_EndQuorumEpochResponse_PartitionData_init(p);
    p->ErrorCode = m->u.end_resp.error_code;
    p->LeaderId = m->u.end_resp.leader_id;
    p->LeaderEpoch = m->u.end_resp.leader_epoch;
    t->TopicName = topic_name();
    t->Partitions = (kr_EndQuorumEpochResponse_PartitionData_array){p, 1};
    r->Topics = (kr_EndQuorumEpochResponse_TopicData_array){t, 1};
    return r;
}

static void *fetch_response(const kr_raft_msg *m, kr_bytes records, kr_arena *a) {
    const kr_fetch_response *f = &m->u.fetch_resp;
    kr_FetchResponse *r = ALLOC(a, kr_FetchResponse);
    kr_FetchResponse_FetchableTopicResponse *t = ALLOC(a, kr_FetchResponse_FetchableTopicResponse);
    kr_FetchResponse_PartitionData *p = ALLOC(a, kr_FetchResponse_PartitionData);
    if (!r || !t || !p) return NULL;
    kr_FetchResponse_init(r);
    kr_FetchResponse_FetchableTopicResponse_init(t);
    kr_FetchResponse_PartitionData_init(p);
    p->PartitionIndex = 0;
    p->ErrorCode = f->error_code;
    p->HighWatermark = f->high_watermark;
    p->LastStableOffset = -1;
    p->LogStartOffset = f->log_start_offset;
    p->DivergingEpoch.Epoch = f->diverging_epoch.epoch;
    p->DivergingEpoch.EndOffset = f->diverging_epoch.end_offset;
    p->CurrentLeader.LeaderId = f->current_leader.leader_id;
    p->CurrentLeader.LeaderEpoch = f->current_leader.leader_epoch;
    p->SnapshotId.EndOffset = f->snapshot_id.end_offset;
    p->SnapshotId.Epoch = f->snapshot_id.epoch;
    p->Records = records;
    t->Topic = topic_name();
    t->TopicId = KR_METADATA_TOPIC_ID;
    t->Partitions = (kr_FetchResponse_PartitionData_array){p, 1};
    r->Responses = (kr_FetchResponse_FetchableTopicResponse_array){t, 1};
    return r;
}

static void *fetch_snapshot_response(const kr_raft_msg *m, kr_bytes bytes, kr_arena *a) {
    const kr_fetch_snapshot_response *f = &m->u.snap_resp;
    kr_FetchSnapshotResponse *r = ALLOC(a, kr_FetchSnapshotResponse);
    kr_FetchSnapshotResponse_TopicSnapshot *t = ALLOC(a, kr_FetchSnapshotResponse_TopicSnapshot);
    kr_FetchSnapshotResponse_PartitionSnapshot *p = ALLOC(a, kr_FetchSnapshotResponse_PartitionSnapshot);
    if (!r || !t || !p) return NULL;
    kr_FetchSnapshotResponse_init(r);
    kr_FetchSnapshotResponse_TopicSnapshot_init(t);
    kr_FetchSnapshotResponse_PartitionSnapshot_init(p);
    p->Index = 0;
    p->ErrorCode = f->error_code;
    p->SnapshotId.EndOffset = f->snapshot_id.end_offset;
    p->SnapshotId.Epoch = f->snapshot_id.epoch;
    p->CurrentLeader.LeaderId = f->current_leader.leader_id;
    p->CurrentLeader.LeaderEpoch = f->current_leader.leader_epoch;
    p->Size = f->size;
    p->Position = f->position;
    p->UnalignedRecords = bytes;
    t->Name = topic_name();
    t->Partitions = (kr_FetchSnapshotResponse_PartitionSnapshot_array){p, 1};
    r->Topics = (kr_FetchSnapshotResponse_TopicSnapshot_array){t, 1};
    return r;
}

void *kr_raft_wire_encode_response(const kr_raft_msg *m, kr_bytes records, kr_arena *a,
                                   kr_error *err) {
    void *r = NULL;
    switch (m->type) {
    case KR_MSG_VOTE_RESPONSE: r = vote_response(m, a); break;
    case KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE: r = begin_response(m, a); break;
    case KR_MSG_END_QUORUM_EPOCH_RESPONSE: r = end_response(m, a); break;
    case KR_MSG_FETCH_RESPONSE: r = fetch_response(m, records, a); break;
    case KR_MSG_FETCH_SNAPSHOT_RESPONSE: r = fetch_snapshot_response(m, records, a); break;
    default:
        kr_fail(err, KR_ERR_INVALID, "%s is not a response", kr_raft_msg_type_name(m->type));
        return NULL;
    }
    if (!r) kr_fail(err, KR_ERR_NOMEM, "out of memory");
    return r;
}

void *kr_raft_wire_error_response(int16_t api_key, int16_t error_code, kr_arena *a) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    if (!c) return NULL;
    void *r = kr_arena_alloc(a, c->response_size);
    if (!r) return NULL;
    c->response_init(r);
    /* Every KRaft response here starts with ErrorCode, except Fetch and
     * FetchSnapshot (ThrottleTimeMs first). */
    switch (api_key) {
    case KR_API_VOTE: ((kr_VoteResponse *)r)->ErrorCode = error_code; break;
    case KR_API_BEGIN_QUORUM_EPOCH: ((kr_BeginQuorumEpochResponse *)r)->ErrorCode = error_code; break;
    case KR_API_END_QUORUM_EPOCH: ((kr_EndQuorumEpochResponse *)r)->ErrorCode = error_code; break;
    case KR_API_FETCH: ((kr_FetchResponse *)r)->ErrorCode = error_code; break;
    case KR_API_FETCH_SNAPSHOT: ((kr_FetchSnapshotResponse *)r)->ErrorCode = error_code; break;
    default: return NULL;
    }
    return r;
}

/* ---------- responses in ---------- */

static int decode_records(kr_bytes rec, kr_arena *a, kr_fetch_response *f, kr_error *err) {
    f->records = NULL;
    f->records_count = 0;
    if (rec.len <= 0) return KR_OK;
    size_t cap = 16, n = 0;
    kr_raft_batch *v = kr_arena_alloc(a, cap * sizeof *v);
    kr_batch_scanner sc;
    kr_batch_scanner_init(&sc, rec.ptr, (size_t)rec.len, 0, "FetchResponse records");
    kr_batch b;
    enum kr_scan_status st;
    while (v && (st = kr_batch_next(&sc, &b, err)) == KR_SCAN_BATCH) {
        if (n == cap) {
            kr_raft_batch *w = kr_arena_alloc(a, cap * 2 * sizeof *v);
            if (w) memcpy(w, v, n * sizeof *v);
            v = w;
            cap *= 2;
            if (!v) break;
        }
        v[n++] = (kr_raft_batch){b.h.base_offset, kr_batch_last_offset(&b.h), b.h.leader_epoch, b.bytes,
                                 b.size};
    }
    if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    /* A partial batch at the end (the leader's max bytes cut it) is dropped, as Kafka does. */
    if (st == KR_SCAN_ERROR) return err->code;
    f->records = v;
    f->records_count = n;
    return KR_OK;
}

int kr_raft_wire_decode_response(int16_t api_key, const void *resp, kr_arena *a, kr_raft_msg *out,
                                 kr_error *err) {
    switch (api_key) {
    case KR_API_VOTE: {
        const kr_VoteResponse *r = resp;
        if (r->ErrorCode || r->Topics.n != 1 || r->Topics.v[0].Partitions.n != 1)
            return kr_fail(err, KR_ERR_INVALID, "Vote response: top-level error %d", r->ErrorCode);
        const kr_VoteResponse_PartitionData *p = &r->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_VOTE_RESPONSE;
        out->u.vote_resp = (kr_vote_response){p->ErrorCode, p->LeaderId, p->LeaderEpoch, p->VoteGranted};
        return KR_OK;
    }
    case KR_API_BEGIN_QUORUM_EPOCH: {
        const kr_BeginQuorumEpochResponse *r = resp;
        if (r->ErrorCode || r->Topics.n != 1 || r->Topics.v[0].Partitions.n != 1)
            return kr_fail(err, KR_ERR_INVALID, "BeginQuorumEpoch response: top-level error %d", r->ErrorCode);
        const kr_BeginQuorumEpochResponse_PartitionData *p = &r->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE;
        out->u.begin_resp = (kr_quorum_epoch_response){p->ErrorCode, p->LeaderId, p->LeaderEpoch};
        return KR_OK;
    }
    case KR_API_END_QUORUM_EPOCH: {
        const kr_EndQuorumEpochResponse *r = resp;
        if (r->ErrorCode || r->Topics.n != 1 || r->Topics.v[0].Partitions.n != 1)
            return kr_fail(err, KR_ERR_INVALID, "EndQuorumEpoch response: top-level error %d", r->ErrorCode);
        const kr_EndQuorumEpochResponse_PartitionData *p = &r->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_END_QUORUM_EPOCH_RESPONSE;
        out->u.end_resp = (kr_quorum_epoch_response){p->ErrorCode, p->LeaderId, p->LeaderEpoch};
        return KR_OK;
    }
    case KR_API_FETCH: {
        const kr_FetchResponse *r = resp;
        if (r->ErrorCode || r->Responses.n != 1 || r->Responses.v[0].Partitions.n != 1)
            return kr_fail(err, KR_ERR_INVALID, "Fetch response: top-level error %d", r->ErrorCode);
        const kr_FetchResponse_PartitionData *p = &r->Responses.v[0].Partitions.v[0];
        out->type = KR_MSG_FETCH_RESPONSE;
        kr_fetch_response *f = &out->u.fetch_resp;
        memset(f, 0, sizeof *f);
        f->error_code = p->ErrorCode;
        f->high_watermark = p->HighWatermark;
        f->log_start_offset = p->LogStartOffset;
        f->current_leader = (kr_leader_id_and_epoch){p->CurrentLeader.LeaderId, p->CurrentLeader.LeaderEpoch};
        f->diverging_epoch = (kr_epoch_end){p->DivergingEpoch.Epoch, p->DivergingEpoch.EndOffset};
        f->snapshot_id = (kr_snapshot_id){p->SnapshotId.EndOffset, p->SnapshotId.Epoch};
        return decode_records(p->Records, a, f, err);
    }
    case KR_API_FETCH_SNAPSHOT: {
        const kr_FetchSnapshotResponse *r = resp;
        if (r->ErrorCode || r->Topics.n != 1 || r->Topics.v[0].Partitions.n != 1)
            return kr_fail(err, KR_ERR_INVALID, "FetchSnapshot response: top-level error %d", r->ErrorCode);
        const kr_FetchSnapshotResponse_PartitionSnapshot *p = &r->Topics.v[0].Partitions.v[0];
        out->type = KR_MSG_FETCH_SNAPSHOT_RESPONSE;
        kr_fetch_snapshot_response *f = &out->u.snap_resp;
        f->error_code = p->ErrorCode;
        f->snapshot_id = (kr_snapshot_id){p->SnapshotId.EndOffset, p->SnapshotId.Epoch};
        f->current_leader = (kr_leader_id_and_epoch){p->CurrentLeader.LeaderId, p->CurrentLeader.LeaderEpoch};
        f->size = p->Size;
        f->position = p->Position;
        f->unaligned_records = p->UnalignedRecords.len > 0 ? p->UnalignedRecords.ptr : NULL;
        f->unaligned_records_len = p->UnalignedRecords.len > 0 ? (size_t)p->UnalignedRecords.len : 0;
        return KR_OK;
    }
    default: return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d is not a KRaft RPC", api_key);
    }
}

/* ---------- DescribeQuorum ---------- */

static void replica_states(const kr_replica_info *in, size_t n, int32_t leader, int64_t core_now,
                           int64_t wall_now, kr_arena *a, kr_DescribeQuorumResponse_ReplicaState_array *out) {
    kr_DescribeQuorumResponse_ReplicaState *v = kr_arena_alloc(a, (n ? n : 1) * sizeof *v);
    if (!v) return;
    for (size_t i = 0; i < n; i++) {
        kr_DescribeQuorumResponse_ReplicaState_init(&v[i]);
        v[i].ReplicaId = in[i].replica_id;
        v[i].LogEndOffset = in[i].log_end_offset;
        bool self = in[i].replica_id == leader;
        v[i].LastFetchTimestamp = self ? wall_now
                                  : in[i].last_fetch_ms < 0 ? -1
                                                            : wall_now - (core_now - in[i].last_fetch_ms);
        v[i].LastCaughtUpTimestamp = self ? wall_now
                                     : in[i].last_caught_up_ms < 0
                                         ? -1
                                         : wall_now - (core_now - in[i].last_caught_up_ms);
    }
    *out = (kr_DescribeQuorumResponse_ReplicaState_array){v, (int32_t)n};
}

void kr_raft_wire_describe_quorum(const kr_raft *r, const kr_DescribeQuorumRequest *req,
                                  int64_t core_now_ms, int64_t wall_now_ms, kr_arena *a,
                                  kr_DescribeQuorumResponse *out) {
    kr_DescribeQuorumResponse_init(out);
    kr_DescribeQuorumResponse_TopicData *t = ALLOC(a, kr_DescribeQuorumResponse_TopicData);
    kr_DescribeQuorumResponse_PartitionData *p = ALLOC(a, kr_DescribeQuorumResponse_PartitionData);
    if (!t || !p) return;
    kr_DescribeQuorumResponse_TopicData_init(t);
    kr_DescribeQuorumResponse_PartitionData_init(p);
    t->TopicName = topic_name();
    t->Partitions = (kr_DescribeQuorumResponse_PartitionData_array){p, 1};
    out->Topics = (kr_DescribeQuorumResponse_TopicData_array){t, 1};
    kr_quorum_info info;
    if (req->Topics.n != 1 || !kr_str_eq_c(req->Topics.v[0].TopicName, KR_METADATA_TOPIC) ||
        req->Topics.v[0].Partitions.n != 1 || req->Topics.v[0].Partitions.v[0].PartitionIndex != 0) {
        p->ErrorCode = KR_E_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (!kr_raft_describe(r, &info)) {
        p->ErrorCode = KR_E_NOT_LEADER_OR_FOLLOWER;
        p->ErrorMessage = kr_str_c("this controller is not the quorum leader");
        p->LeaderId = kr_raft_leader(r);
        p->LeaderEpoch = kr_raft_epoch(r);
        return;
    }
    p->LeaderId = info.leader_id;
    p->LeaderEpoch = info.leader_epoch;
    p->HighWatermark = info.high_watermark;
    replica_states(info.voters, info.voter_count, info.leader_id, core_now_ms, wall_now_ms, a,
                   &p->CurrentVoters);
    replica_states(info.observers, info.observer_count, info.leader_id, core_now_ms, wall_now_ms, a,
                   &p->Observers);
}
