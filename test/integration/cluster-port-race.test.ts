import { afterEach, describe, expect, it } from 'vitest';
import {
  findFreeBasePort,
  findHarnessJvms,
  type KafkaCluster,
  kafkaVersion,
  processClusterDir,
  startCluster,
} from '../harness/index.js';
import { releasePorts, takePort } from '../harness/port-squatter.js';

// Between the harness finding a port free and the broker binding it, another process (a parallel test file,
// another cluster) can take it. These tests take it in exactly that gap, through startCluster's portsChecked
// hook, and hold it with a listener of their own.

afterEach(releasePorts);

describe('startCluster when a port is taken after the check', () => {
  it("with basePort 'auto' starts again on new ports, says so once, and the broker answers", async () => {
    const dir = await processClusterDir('port-race-auto');
    const checks: { attempt: number; basePort: number }[] = [];
    const said: string[] = [];
    let cluster: KafkaCluster | undefined;
    try {
      cluster = await startCluster({
        dir,
        basePort: 'auto',
        version: kafkaVersion(),
        log: (message) => said.push(message),
        portsChecked: async ({ attempt, basePort }) => {
          checks.push({ attempt, basePort });
          if (attempt === 1) await takePort(basePort);
        },
      });
      expect(checks.map((c) => c.attempt)).toEqual([1, 2]);
      const taken = checks[0]!.basePort;
      expect(said.filter((m) => m.includes('starting again on new ports'))).toEqual([
        `Kafka in ${dir}: port ${taken} was taken before the broker bound it (attempt 1 of 4); starting again on new ports`,
      ]);
      expect(cluster.nodes[0]!.port).toBe(checks[1]!.basePort);
      expect(cluster.nodes[0]!.port).not.toBe(taken);

      const metadata = await cluster.metadata([]);
      expect(metadata.brokers.map((b) => [b.nodeId, b.port])).toEqual([[1, cluster.nodes[0]!.port]]);
    } finally {
      await cluster?.destroy({ keepLogs: false });
    }
    expect(findHarnessJvms({ dir })).toEqual([]);
  });

  it('with a caller-given port fails, naming the port and what to do, and leaves no JVM behind', async () => {
    const port = await findFreeBasePort(1);
    const dir = await processClusterDir('port-race-fixed');
    const attempts: number[] = [];
    const start = startCluster({
      dir,
      basePort: port,
      version: kafkaVersion(),
      portsChecked: async ({ attempt }) => {
        attempts.push(attempt);
        await takePort(port);
      },
    });
    await expect(start).rejects.toThrow(
      new RegExp(
        `broker 1 could not bind port ${port} on 127\\.0\\.0\\.1 \\(Address already in use\\): another process ` +
          `took it after the harness found it free\\. (Stop whatever listens there|A kafka-wire broker of .* may hold it).* ` +
          `Or let the harness choose free ports \\(basePort 'auto'\\)\\. See .*broker-1\\.log`,
      ),
    );
    expect(attempts).toEqual([1]);
    expect(findHarnessJvms({ dir })).toEqual([]);
  });
});
