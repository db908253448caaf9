// Finding and ending the JVMs the harness started. Every broker JVM carries -Dkafka.wire.cluster=<dir>
// and -Dkafka.wire.node=<id> on its command line, so a stale or lost pid file never leaves an orphan behind:
// we can always find our own brokers by their command line, and never touch anyone else's process.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const CLUSTER_MARK = '-Dkafka.wire.cluster=';
export const NODE_MARK = '-Dkafka.wire.node=';

/** @returns {{ pid: number, argv: string[] }[]} */
function listProcesses() {
  if (existsSync('/proc/self/cmdline')) {
    const out = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
        if (argv.length > 0) out.push({ pid: Number(entry), argv });
      } catch {
        // The process ended while we looked.
      }
    }
    return out;
  }
  // No /proc (macOS): ps prints one command line per process, space-joined.
  return execFileSync('ps', ['-axww', '-o', 'pid=,command='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), argv: m[2].split(' ') }));
}

/**
 * Broker JVMs started by this harness, optionally only those of one cluster folder or below a folder.
 * @param {{ dir?: string, under?: string }} [filter]
 * @returns {{ pid: number, dir: string, nodeId: number }[]}
 */
export function findHarnessJvms(filter = {}) {
  const found = [];
  for (const { pid, argv } of listProcesses()) {
    const cluster = argv.find((a) => a.startsWith(CLUSTER_MARK));
    if (!cluster || pid === process.pid) continue;
    const dir = cluster.slice(CLUSTER_MARK.length);
    if (filter.dir !== undefined && dir !== filter.dir) continue;
    if (filter.under !== undefined && dir !== filter.under && !dir.startsWith(`${filter.under}/`)) continue;
    const node = argv.find((a) => a.startsWith(NODE_MARK));
    found.push({ pid, dir, nodeId: node ? Number(node.slice(NODE_MARK.length)) : -1 });
  }
  return found;
}

/** True if `pid` runs and is not a zombie waiting to be reaped. */
export function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** True if `pid` is the broker `nodeId` of cluster `dir` (guards against a recycled pid). */
export function isHarnessJvm(pid, dir, nodeId) {
  return findHarnessJvms({ dir }).some((p) => p.pid === pid && (nodeId === undefined || p.nodeId === nodeId));
}

/** Signals the process group led by `pid` (brokers are started as group leaders), or just `pid`. */
export function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export async function waitForExit(pid, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`Process ${pid} still runs ${timeoutMs} ms after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kills (SIGKILL) the given harness JVMs and waits until they are gone. */
export async function killJvms(jvms) {
  for (const { pid } of jvms) signalGroup(pid, 'SIGKILL');
  await Promise.all(jvms.map(({ pid }) => waitForExit(pid)));
}

/** Resolves true if nothing listens on host:port (we can bind it ourselves). */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
