import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  findFreeBasePort,
  findHarnessJvms,
  kafkaVersion,
  processClusterDir,
  startCluster,
} from '../harness/index.js';

// When a local cluster cannot start, the error must say why and where to look, and nothing may keep running.

describe('startCluster failures', () => {
  it('points at the broker log when a broker dies during start-up, and leaves no JVM behind', async () => {
    const dir = await processClusterDir('bad-config');
    const start = startCluster({
      dir,
      basePort: 'auto',
      version: kafkaVersion(),
      // Formatting accepts this; the broker fails to load the class at start-up and exits: the harness must notice instead of waiting it out.
      brokerConfig: { 'authorizer.class.name': 'org.example.NoSuchAuthorizer' },
      startTimeoutMs: 60_000,
    });
    await expect(start).rejects.toThrow(/broker 1 .* exited .*See .*broker-1\.log/s);
    await expect(start).rejects.toThrow(/NoSuchAuthorizer/);
    expect(findHarnessJvms({ dir })).toEqual([]);
  });

  it('refuses a port someone else holds, naming the port', async () => {
    const port = await findFreeBasePort(1);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const dir = await processClusterDir('port-taken');
      await expect(startCluster({ dir, basePort: port, version: kafkaVersion() })).rejects.toThrow(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`),
      );
      expect(findHarnessJvms({ dir })).toEqual([]);
    } finally {
      squatter.close();
    }
  });
});
