import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fetchMetadata,
  findFreeBasePort,
  findHarnessJvms,
  kafkaVersion,
  processClusterDir,
  repoRoot,
  startCluster,
} from '../harness/index.js';

// `npm run kafka:up` / `kafka:down` (scripts/kafka.mjs) end to end, in a folder of its own (KAFKA_WIRE_DIR)
// on free ports, so it never touches a developer's cluster in .kafka or the shared test broker.

const run = promisify(execFile);

describe('scripts/kafka.mjs up/down', () => {
  let home = '';

  async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(process.execPath, [join(repoRoot, 'scripts', 'kafka.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_WIRE_DIR: home },
    });
  }

  afterAll(async () => {
    // Whatever happened above: no broker of this test survives it.
    if (home) await cli('down');
  });

  it('starts a broker, reuses it when asked again, and down leaves no JVM even with a stale pid file', async () => {
    home = await processClusterDir('cli');
    const port = await findFreeBasePort(1);

    const up = await cli('up', '--port', String(port), '--kafka-version', kafkaVersion());
    expect(up.stdout.trim()).toBe(`127.0.0.1:${port}`);
    const jvms = findHarnessJvms({ dir: home });
    expect(jvms).toHaveLength(1);
    expect((await fetchMetadata(`127.0.0.1:${port}`, { topics: [] })).brokers.map((b) => b.port)).toEqual([
      port,
    ]);
    expect(existsSync(join(home, 'logs', 'broker-1.log'))).toBe(true);

    const again = await cli('up', '--port', String(port), '--kafka-version', kafkaVersion());
    expect(again.stdout.trim()).toBe(`127.0.0.1:${port}`);
    expect(again.stderr).toMatch(/reused/);
    expect(findHarnessJvms({ dir: home }).map((j) => j.pid)).toEqual(jvms.map((j) => j.pid));

    // A pid file that lies (recycled or hand-edited pids) must not stop `down` from finding the JVM.
    const stateFile = join(home, 'cluster.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { nodes: { pid: number | null }[] };
    for (const node of state.nodes) node.pid = 1;
    writeFileSync(stateFile, JSON.stringify(state));

    const down = await cli('down');
    expect(down.stderr).toMatch(new RegExp(`stopped 1 broker JVM\\(s\\) \\(pids ${jvms[0]!.pid}\\)`));
    expect(findHarnessJvms({ under: home })).toEqual([]);
    await expect(fetchMetadata(`127.0.0.1:${port}`, { topics: [], timeoutMs: 1000 })).rejects.toThrow();
    expect(existsSync(join(home, 'data'))).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    // Logs stay for a post-mortem.
    expect(existsSync(join(home, 'logs', 'broker-1.log'))).toBe(true);
  });

  it('down also kills brokers of test runs that died, spares those of live ones, and --all stops everything', async () => {
    // A cluster folder is `<name>-<owner pid>`: one owned by a process that has exited, one owned by us.
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(exited.status).toBe(0);
    const orphanDir = join(home, `crashed-run-${exited.pid}`);
    const liveDir = join(home, `live-run-${process.pid}`);
    const orphan = await startCluster({
      dir: orphanDir,
      basePort: 'auto',
      version: kafkaVersion(),
      detached: true,
    });
    const live = await startCluster({ dir: liveDir, basePort: 'auto', version: kafkaVersion() });
    try {
      const down = await cli('down');
      expect(down.stderr).toMatch(
        new RegExp(`stopped 1 broker JVM\\(s\\) \\(pids ${orphan.nodes[0]!.pid}\\)`),
      );
      expect(down.stderr).toMatch(
        new RegExp(`left running: pid ${live.nodes[0]!.pid} .*live-run-${process.pid}`),
      );
      expect(findHarnessJvms({ dir: orphanDir })).toEqual([]);
      expect(findHarnessJvms({ dir: liveDir }).map((j) => j.pid)).toEqual([live.nodes[0]!.pid]);

      const all = await cli('down', '--all');
      expect(all.stderr).toMatch(new RegExp(`stopped 1 broker JVM\\(s\\) \\(pids ${live.nodes[0]!.pid}\\)`));
      expect(findHarnessJvms({ under: home })).toEqual([]);
    } finally {
      await orphan.destroy();
      await live.destroy();
    }
  });
});
