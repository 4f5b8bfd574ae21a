// kafkajs 2.2.4 admin client against the controllers (non-flexible versions only,
// strict about Metadata: any topic or partition error fails the whole response).
// Usage: NODE_PATH=<dir with node_modules> node kafkajs_admin.js BOOTSTRAP EXPECTED_IMAGE_JSON
// Prints TAP-like lines; exits 1 when a check failed, 2 on a crash.
'use strict';
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const WAIT_MS = 30000; // generous: a loaded 2-core machine
let failed = false;
const ok = (name) => console.log(`ok - ${name}`);
const notOk = (name, detail) => {
  failed = true;
  console.log(`not ok - ${name}`);
  if (detail !== undefined) String(detail).split('\n').slice(0, 20).forEach((l) => console.log(`#   ${l}`));
};
const check = (name, cond, detail) => (cond ? ok(name) : notOk(name, detail));
const sameSet = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

async function main() {
  const [bootstrap, expectedPath] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const kafka = new Kafka({
    clientId: 'zk2kraft-test',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: WAIT_MS,
    requestTimeout: WAIT_MS,
    retry: { retries: 8 },
  });
  const admin = kafka.admin();
  await admin.connect();

  const want = expected.topics.map((t) => t.name);
  // The previous client's topic deletion reaches every controller as it applies the
  // commit: allow a bounded settle time, then the list must be exact.
  let names = await admin.listTopics();
  for (let attempt = 0; attempt < 50 && !sameSet(names, want); attempt++) {
    await new Promise((r) => setTimeout(r, 200));
    names = await admin.listTopics();
  }
  check(`listTopics lists exactly the expected image's ${want.length} topics`, sameSet(names, want),
    `missing ${want.filter((n) => !names.includes(n))}; extra ${names.filter((n) => !want.includes(n))}`);

  const md = await admin.fetchTopicMetadata({ topics: want });
  const byName = new Map(md.topics.map((t) => [t.name, t]));
  const key = (p) => JSON.stringify([p.partition !== undefined ? p.partition : p.partitionId, p.leader, p.replicas, p.isr]);
  const bad = expected.topics.filter((t) => {
    const got = byName.get(t.name);
    if (!got) return true;
    const a = got.partitions.map(key).sort();
    const b = t.partitions.map(key).sort();
    return a.join() !== b.join();
  }).map((t) => t.name);
  check('fetchTopicMetadata: every partition\'s leader, replicas and ISR as in the expected image',
    bad.length === 0, `differ: ${bad.slice(0, 10)}`);

  const cluster = await admin.describeCluster();
  check('describeCluster names a controller among the brokers',
    cluster.brokers.some((b) => b.nodeId === cluster.controller), JSON.stringify(cluster));

  const name = 'kafkajs-created';
  const created = await admin.createTopics({
    topics: [{ topic: name, numPartitions: 4, replicationFactor: 3 }],
    waitForLeaders: true,
    timeout: WAIT_MS,
  });
  check(`createTopics ${name} (4 partitions, replication 3; waits for leaders)`, created === true, created);
  // Controllers apply a commit independently (as brokers do): another controller may
  // answer UNKNOWN_TOPIC_OR_PARTITION for a moment. Retry for a bounded time.
  let after = null;
  for (let attempt = 0; attempt < 50 && !after; attempt++) {
    try {
      after = await admin.fetchTopicMetadata({ topics: [name] });
    } catch (e) {
      if (attempt === 49) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const parts = after.topics[0].partitions;
  check('the new topic has 4 partitions of 3 replicas, each with a leader',
    parts.length === 4 && parts.every((p) => p.replicas.length === 3 && p.leader >= 0), JSON.stringify(parts));
  let listed = await admin.listTopics();
  for (let attempt = 0; attempt < 50 && !listed.includes(name); attempt++) {
    await new Promise((r) => setTimeout(r, 200)); /* every controller applies the commit */
    listed = await admin.listTopics();
  }
  check('listTopics now includes it', listed.includes(name));

  await admin.disconnect();
  return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
  console.log(`not ok - kafkajs admin: ${e && e.name}: ${e && e.message}`);
  process.exit(2);
});
