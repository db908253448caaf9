// The faults, each a script that runs beside the load: it waits until some records are out, marks the moment
// the fault starts, does it, undoes it, and returns once the cluster is whole again (every partition's ISR
// back to all replicas: 3 on the plaintext cluster, 1 on the secured one).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTopic, type KafkaCluster, uniqueTopic } from '../../harness/index.js';
import type { SocketCutter } from './socket-cutter.js';
import type { Load } from './workload.js';

export interface FaultContext {
  cluster: KafkaCluster;
  topic: string;
  load: Load;
  cutter: SocketCutter;
  /** Records sent before the first fault: the producer is warm and has requests in flight. */
  warmUpRecords: number;
  /** Call at the moment the (first) fault hits; recovery times count from here. */
  faultStarts(): void;
  /** What happened, for the table's notes. */
  note(text: string): void;
}

export interface FaultCase {
  id: string;
  title: string;
  /** Runs on the fresh topic before any record is sent. */
  prepare?(cluster: KafkaCluster, topic: string): Promise<void>;
  run(ctx: FaultContext): Promise<void>;
}

/** Polls `condition` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export const until = async (
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 120_000,
) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A fault held on purpose for a while (this is the fault's duration, not a wait for a condition). */
export const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function leaders(ctx: FaultContext): Promise<Map<number, number>> {
  const meta = await ctx.cluster.metadata([ctx.topic]);
  const counts = new Map<number, number>();
  for (const p of meta.topics[0]?.partitions ?? [])
    if (p.leaderId >= 0) counts.set(p.leaderId, (counts.get(p.leaderId) ?? 0) + 1);
  return counts;
}

/** The broker leading most partitions of the case's topic, and how many it leads. */
async function busiestLeader(ctx: FaultContext): Promise<[number, number]> {
  const counts = [...(await leaders(ctx)).entries()].sort((a, b) => b[1] - a[1]);
  if (counts.length === 0) throw new Error(`no partition of ${ctx.topic} has a leader`);
  return counts[0]!;
}

/** Until every partition of the topic has a leader and a replica in sync on every broker of the cluster. */
export async function waitForFullIsr(cluster: KafkaCluster, topic: string): Promise<void> {
  const replicas = cluster.nodes.length;
  await until(async () => {
    try {
      const meta = await cluster.metadata([topic]);
      const partitions = meta.topics[0]?.partitions ?? [];
      return (
        partitions.length > 0 && partitions.every((p) => p.leaderId >= 0 && p.isrNodes.length === replicas)
      );
    } catch {
      return false;
    }
  }, `every partition of ${topic} to have ${replicas} in-sync replicas`);
}

/** A fresh 6-partition topic of the case, replicated on every broker (min ISR 2), each replica in sync. */
export async function createCaseTopic(cluster: KafkaCluster, prefix: string): Promise<string> {
  const replicas = cluster.nodes.length;
  const topic = uniqueTopic(prefix);
  await createTopic({
    topic,
    partitions: 6,
    replicationFactor: replicas,
    configs: { 'min.insync.replicas': String(Math.min(2, replicas)) },
    bootstrap: cluster.bootstrapServers,
  });
  await waitForFullIsr(cluster, topic);
  return topic;
}

const sentAtLeast = (ctx: FaultContext, n: number) =>
  until(() => ctx.load.sent >= n, `${n} records to be sent`, 300_000);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM: Kafka's controlled shutdown (leadership handed over first), as a rolling restart does it. */
async function stopGracefully(cluster: KafkaCluster, id: number): Promise<void> {
  const pid = cluster.node(id).pid;
  if (pid === null) return;
  process.kill(-pid, 'SIGTERM');
  await until(() => !isAlive(pid), `broker ${id} (pid ${pid}) to shut down after SIGTERM`, 60_000);
}

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one of this folder's single-file Java tools with the cluster's Kafka jars; resolves with its stdout. */
export function runJavaTool(cluster: KafkaCluster, file: string, args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'java',
      ['-Xmx256m', '-cp', `${cluster.libs}/*`, join(here, file), ...args],
      { timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const electLeaders = (cluster: KafkaCluster, topic: string, mode: string[]) =>
  runJavaTool(cluster, 'ElectLeaders.java', [cluster.bootstrapServers, topic, ...mode]);

/**
 * Partitions are spread 2/2/2 over 3 brokers by default: make broker 1 the leader of 4 of the 6, so killing or
 * stopping "the leader of most partitions" really takes most of them away.
 */
async function concentrateLeadership(cluster: KafkaCluster, topic: string): Promise<void> {
  const out = await electLeaders(cluster, topic, ['lead', '1', '4']);
  const { after } = JSON.parse(out.trim()) as { after: Record<string, number> };
  const led = Object.values(after).filter((leader) => leader === 1).length;
  if (led !== 4)
    throw new Error(`broker 1 should lead 4 of 6 partitions of ${topic} after the election:\n${out}`);
}

export const FAULT_CASES: FaultCase[] = [
  {
    id: 'leader-kill',
    title: 'SIGKILL of the leader of most partitions (4/6), restart',
    prepare: concentrateLeadership,
    async run(ctx) {
      await sentAtLeast(ctx, ctx.warmUpRecords);
      const [victim, led] = await busiestLeader(ctx);
      ctx.faultStarts();
      await ctx.cluster.stopBroker(victim);
      await hold(5_000);
      await ctx.cluster.startBroker(victim);
      await waitForFullIsr(ctx.cluster, ctx.topic);
      ctx.note(`broker ${victim} (led ${led}/6) killed, down 5 s, restarted`);
    },
  },
  {
    id: 'broker-hang',
    title: 'SIGSTOP of the leader of most partitions (4/6) for 12 s, SIGCONT',
    prepare: concentrateLeadership,
    async run(ctx) {
      await sentAtLeast(ctx, ctx.warmUpRecords);
      const [victim, led] = await busiestLeader(ctx);
      ctx.faultStarts();
      ctx.cluster.pauseBroker(victim);
      // Longer than the producer's 10 s request timeout and the broker's 3 s session timeout: the producer
      // must give up on the silent connection itself and follow the leaders the controller elected.
      await hold(12_000);
      ctx.cluster.resumeBroker(victim);
      await waitForFullIsr(ctx.cluster, ctx.topic);
      ctx.note(`broker ${victim} (led ${led}/6) stopped 12 s`);
    },
  },
  {
    id: 'rolling-restart',
    title: 'rolling restart of all 3 brokers (SIGTERM, start, wait for full ISR)',
    async run(ctx) {
      await sentAtLeast(ctx, ctx.warmUpRecords);
      ctx.faultStarts();
      for (const id of ctx.cluster.brokerIds) {
        await stopGracefully(ctx.cluster, id);
        await ctx.cluster.startBroker(id);
        await waitForFullIsr(ctx.cluster, ctx.topic);
      }
      ctx.note('brokers 1, 2, 3 in turn');
    },
  },
  {
    id: 'leader-election',
    title: 'leadership moved by preferred-leader election, 3 rounds',
    async run(ctx) {
      await sentAtLeast(ctx, ctx.warmUpRecords);
      ctx.faultStarts();
      const out = await electLeaders(ctx.cluster, ctx.topic, ['rotate', '3', '3000']);
      let moved = 0;
      for (const line of out.trim().split('\n')) {
        const round = JSON.parse(line) as { before: Record<string, number>; after: Record<string, number> };
        for (const [p, leader] of Object.entries(round.after)) if (round.before[p] !== leader) moved++;
      }
      if (moved === 0) throw new Error(`no election moved a leader:\n${out}`);
      ctx.note(
        `Admin alterPartitionReassignments (rotate replicas) + electLeaders(PREFERRED); ${moved} leader moves`,
      );
    },
  },
  {
    id: 'connection-cut',
    title: "the producer's connections cut mid-request",
    async run(ctx) {
      await sentAtLeast(ctx, ctx.warmUpRecords);
      ctx.faultStarts();
      const kinds = ['request', 'response', 'reset', 'request', 'response', 'reset'] as const;
      for (const kind of kinds) {
        await ctx.cutter.cut(kind);
        await hold(1_500);
      }
      const { request, response, reset } = ctx.cutter.done;
      if (request + response + reset === 0) throw new Error('no connection was cut');
      ctx.note(
        `in-process: ${request} half-written requests, ${response} responses dropped, ${reset} resets`,
      );
    },
  },
];
