import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KafkaDecodeError, KafkaWireError, type RecordMetadata } from '../../../src/index.js';
import { decodeResponse } from '../../../src/protocol/frame.js';
import { ProduceApi } from '../../../src/protocol/produce.js';
import type { ApiName, LoggedRequest, Rule } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { prng } from '../../harness/prng.js';
import { cleanup, producerFor, startCluster, within } from './harness.js';

// The response path fuzzed end to end: for its first rounds a fake broker answers Produce, Metadata and
// ApiVersions with random mutations of the valid response (bytes flipped, cut short with or without a
// close, extended, a random size prefix, a random body behind an intact header), then behaves. Whatever
// it sent, every record must settle within deliveryTimeoutMs, either delivered or rejected with a
// KafkaWireError; nothing may be stored twice; a delivered record must really be stored; and once the
// broker behaves, records sent afterwards are delivered (unless a mutation looked like a fatal error).
// Seeded: a failure names its seed; HOSTILE_FUZZ_SEED=<seed> replays that one scenario alone.

afterEach(cleanup);

type Random = () => number;
const below = (random: Random, n: number) => Math.floor(random() * n);
const randomBytes = (random: Random, n: number) =>
  Buffer.from(Array.from({ length: n }, () => below(random, 256)));

interface Mutation {
  name: string;
  bytes: Buffer;
  close: boolean;
}

/** One random mutation of the valid response frame `r` (size prefix included). */
function mutate(random: Random, r: Uint8Array): Mutation {
  const frame = Buffer.from(r);
  switch (below(random, 7)) {
    case 0: {
      // A few bytes flipped anywhere, the size prefix and correlation id included.
      const flips = 1 + below(random, 3);
      for (let i = 0; i < flips; i++) frame[below(random, frame.length)]! ^= 1 + below(random, 255);
      return { name: `${flips} byte(s) flipped`, bytes: frame, close: false };
    }
    case 1: {
      // Bytes flipped in the body only, so framing holds and the decoder meets them.
      const flips = 1 + below(random, 4);
      for (let i = 0; i < flips && frame.length > 8; i++) {
        frame[8 + below(random, frame.length - 8)]! ^= 1 + below(random, 255);
      }
      return { name: `${flips} body byte(s) flipped`, bytes: frame, close: false };
    }
    case 2: {
      const cut = below(random, frame.length);
      return {
        name: `cut to ${cut} of ${frame.length} bytes, then closed`,
        bytes: frame.subarray(0, cut),
        close: true,
      };
    }
    case 3: {
      const cut = below(random, frame.length);
      return {
        name: `cut to ${cut} of ${frame.length} bytes, left open`,
        bytes: frame.subarray(0, cut),
        close: false,
      };
    }
    case 4: {
      // Extra bytes after the frame (the start of a frame nobody asked for), or inside it with a fixed-up size.
      const extra = randomBytes(random, 1 + below(random, 32));
      if (random() < 0.5)
        return { name: `${extra.length} bytes appended`, bytes: Buffer.concat([frame, extra]), close: false };
      const longer = Buffer.concat([frame, extra]);
      longer.writeInt32BE(longer.length - 4, 0);
      return { name: `body extended by ${extra.length} bytes`, bytes: longer, close: false };
    }
    case 5: {
      const size = random() < 0.5 ? below(random, 2 ** 32) | 0 : frame.length - 4 + below(random, 17) - 8;
      frame.writeInt32BE(size, 0);
      return { name: `size prefix ${size}`, bytes: frame, close: false };
    }
    default: {
      // Size and correlation id intact, the rest random.
      randomBytes(random, frame.length - 8).copy(frame, 8);
      return { name: 'random body', bytes: frame, close: false };
    }
  }
}

const text = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
  );

/**
 * What of a Produce response decides a batch's fate: per partition its error code, the records it names and
 * the leader it points to. Offsets, times and throttling are left out: a lie there reports a wrong offset
 * but cannot make a record be written twice or not at all.
 */
function fate(response: unknown): string {
  const r = response as {
    responses: Array<{ name?: string; topicId?: string; partitionResponses: Array<Record<string, unknown>> }>;
  };
  return text(
    r.responses.map((t) => [
      t.name ?? t.topicId,
      t.partitionResponses.map((p) => [p.index, p.errorCode, p.recordErrors, p.currentLeader]),
    ]),
  );
}

/**
 * Whether `bytes` start with a well-formed Produce response to `request` that tells another fate than the
 * true response `r`: a lie no client can detect (Kafka responses carry no checksum; TCP's is what protects
 * them in real life). Exactly-once cannot be promised against such a broker, only typed errors and no hang.
 * (Lies in Metadata or ApiVersions can misroute requests, but every retry keeps its sequence, so they are
 * held to the full check.)
 */
function isFatefulLie(request: LoggedRequest, r: Uint8Array, bytes: Uint8Array): boolean {
  if (request.api !== 'Produce' || bytes.length < 8) return false;
  const size = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readInt32BE(0);
  if (size < 4 || size > bytes.length - 4) return false;
  try {
    const told = decodeResponse(ProduceApi, request.version, bytes.subarray(4, 4 + size));
    const truth = decodeResponse(ProduceApi, request.version, r.subarray(4));
    return told.correlationId === truth.correlationId && fate(told.response) !== fate(truth.response);
  } catch {
    return false;
  }
}

/**
 * A response whose frame is intact but whose body does not decode closes the connection and is retried
 * (src/net/connection.ts), so exactly-once is checked in those scenarios too.
 */
const DECODE_ERRORS_ARE_RETRIED = true;

const REQUEST_TIMEOUT_MS = 300;
const DELIVERY_TIMEOUT_MS = 3_000;
const SCENARIOS = Number(process.env.HOSTILE_FUZZ_SCENARIOS ?? 16);

/** How many scenarios had their exactly-once checked, and why the others could not be. */
const tally = { checked: 0, lied: 0, decodeFailure: 0 };

async function scenario(seed: number): Promise<void> {
  const random = prng(seed);
  const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
  const applied: string[] = [];
  let lied = false;
  const rounds: Array<[ApiName, number]> = [
    ['Produce', 2 + below(random, 6)],
    ['Metadata', below(random, 3)],
    ['ApiVersions', below(random, 2)],
  ];
  const rules: Rule[] = [];
  for (const [api, times] of rounds) {
    if (times === 0) continue;
    const rule = cluster.onRequest(
      { api, times },
      {
        raw: (r: Uint8Array, request: LoggedRequest) => {
          const m = mutate(random, r);
          const lie = r.length > 0 && isFatefulLie(request, r, m.bytes);
          lied ||= lie;
          applied.push(`${request.api}: ${m.name}${lie ? ' (a lie about its fate)' : ''}`);
          return { bytes: m.bytes, close: m.close };
        },
      },
    );
    rules.push(rule);
  }
  // Mangled answers make warnings on purpose: kept, not printed.
  const producer = producerFor(cluster, {
    logger: keptWarnings().logger,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    socketConnectionSetupTimeoutMs: 500,
    maxBlockMs: DELIVERY_TIMEOUT_MS,
  });
  const context = () => `seed ${seed}; mutations: ${applied.join(' | ') || 'none'}`;

  const sendWave = (wave: string, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const value = `${wave}-${i}`;
      return { value, promise: producer.send({ topic: 't', partition: i % 2, value }) };
    });
  const early = [...sendWave('w0', 6)];
  // A second wave while the first may still be retrying.
  await new Promise<void>((resolve) => setImmediate(resolve));
  early.push(...sendWave('w1', 6));
  const settle = (sent: typeof early) =>
    within(
      Promise.allSettled(sent.map((s) => s.promise)),
      DELIVERY_TIMEOUT_MS + 2_000,
      `every record to settle (${context()})`,
    );
  const earlyOutcomes = await settle(early);

  // More records, which may meet the mutations the first waves left unused.
  const late = sendWave('w2', 4);
  const lateOutcomes = await settle(late);

  const rejections = [...earlyOutcomes, ...lateOutcomes].flatMap((o) =>
    o.status === 'rejected' ? [o.reason as Error] : [],
  );
  const decodeFailure = rejections.some(
    (e) => e.cause instanceof KafkaDecodeError || e instanceof KafkaDecodeError,
  );
  const unknowable = lied || (decodeFailure && !DECODE_ERRORS_ARE_RETRIED);
  tally[unknowable ? (lied ? 'lied' : 'decodeFailure') : 'checked']++;
  const stored = [...cluster.values('t', 0), ...cluster.values('t', 1)];
  const counts = new Map<string | null, number>();
  for (const v of stored) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (process.env.HOSTILE_FUZZ_DEBUG) {
    for (const p of [0, 1])
      console.log(
        p,
        cluster
          .records('t', p)
          .map(
            (r) =>
              `${Buffer.from(r.value!).toString()}@${r.offset} pid=${r.producerId} e=${r.producerEpoch} s=${r.sequence} req=${r.requestIndex}`,
          ),
      );
    console.log(
      cluster.requests
        .map(
          (r) =>
            `${r.index} ${r.api} n${r.nodeId} c${r.connection} ${r.outcome} ${r.produce?.partitions.map((p) => `${p.partition}:${p.batches.map((b) => `e${b.producerEpoch}s${b.baseSequence}x${b.records.length}`)}=>${p.result?.errorName}`) ?? ''}`,
        )
        .join('\n'),
    );
    console.log(
      [...earlyOutcomes, ...lateOutcomes]
        .map((o) =>
          o.status === 'fulfilled' ? `ok ${o.value.partition}@${o.value.offset}` : `ERR ${String(o.reason)}`,
        )
        .join('\n'),
    );
  }
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  if (!unknowable) expect(duplicates, `stored twice (${context()})`).toEqual([]);

  let fatal = false;
  [...early, ...late].forEach((s, i) => {
    const outcome = i < early.length ? earlyOutcomes[i]! : lateOutcomes[i - early.length]!;
    if (outcome.status === 'fulfilled') {
      const metadata: RecordMetadata = outcome.value;
      if (!unknowable)
        expect(counts.get(s.value), `${s.value} resolved but is not stored (${context()})`).toBe(1);
      expect(metadata.topic).toBe('t');
    } else {
      const error = outcome.reason as Error;
      expect(error, `${s.value} rejected with ${String(error)} (${context()})`).toBeInstanceOf(
        KafkaWireError,
      );
      if ((error as KafkaWireError).fatal || (error.cause as KafkaWireError | undefined)?.fatal) fatal = true;
    }
  });
  if (!fatal && !lied) {
    // From now on the broker behaves.
    for (const rule of rules) rule.remove();
    const after = sendWave('w3', 4);
    const afterOutcomes = await settle(after);
    const failed = afterOutcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => String((o as PromiseRejectedResult).reason));
    expect(failed, `records sent once the broker behaves (${context()})`).toEqual([]);
    const storedAfter = [...cluster.values('t', 0), ...cluster.values('t', 1)];
    for (const s of after) expect(storedAfter.filter((v) => v === s.value)).toHaveLength(1);
  }
}

describe('fuzzed responses', () => {
  afterAll(() => {
    // The fuzz must not become vacuous: with decode errors retried, most scenarios check exactly-once in
    // full (47 of 60 measured with the fix applied); until then at least some do.
    if (process.env.HOSTILE_FUZZ_SEED !== undefined) return;
    const total = tally.checked + tally.lied + tally.decodeFailure;
    // A quarter keeps this from flaking on timing (which requests a mutation hits) on a loaded machine.
    const needed = DECODE_ERRORS_ARE_RETRIED ? Math.ceil(total / 4) : 1;
    expect(tally.checked, `scenarios checked in full: ${JSON.stringify(tally)}`).toBeGreaterThanOrEqual(
      needed,
    );
  });
  const only = process.env.HOSTILE_FUZZ_SEED;
  const seeds = only === undefined ? Array.from({ length: SCENARIOS }, (_, i) => 0x5eed + i) : [Number(only)];
  it.each(seeds)(
    'seed %i: every record delivered once or rejected with a typed error, no crash, no hang',
    (seed) => scenario(seed),
    (DELIVERY_TIMEOUT_MS + 2_000) * 3,
  );
});
