// The fake Kafka cluster for producer unit tests; see cluster.ts for what it does on its own. In short:
//
//   const cluster = await FakeCluster.start({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
//   cluster.onProduce({ topic: 't', partition: 0 }, { error: 'NOT_LEADER_OR_FOLLOWER', currentLeader: { leaderId: 1 } });
//   cluster.onProduce({ topic: 't', times: Infinity, when: (p) => p.recordCount > 2 }, { error: 'MESSAGE_TOO_LARGE' });
//   cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'drop-mid-response'); // or 'drop', 'no-response', { delayMs }
//   cluster.onRequest({ api: 'ApiVersions' }, { raw: (r) => r.subarray(0, 7), close: true }); // any bytes back
//   cluster.onInitProducerId({ error: 'CLUSTER_AUTHORIZATION_FAILED' }); // or { producerEpoch: 32767 }
//   cluster.forgetProducers('t');                       // idempotence state lost (see idempotence.unknownProducer)
//   cluster.records('t', 0)[0].sequence;                // producer id, epoch and sequence of what it stored
//   cluster.setLeader('t', 0, 2);                       // the old leader now answers NOT_LEADER_OR_FOLLOWER + hint
//   await cluster.waitForRequests((r) => r.api === 'Metadata', 3);
//   cluster.values('t', 0);                             // what it stored, in offset order
//   cluster.produced('t', 0);                           // every attempt for t-0 and how it was answered
//   await cluster.close();
export * from './cluster.js';
