// A port held by a listener of the test's own, as by another process that binds a port between a start's
// free-port check and the broker's bind: how the port-race tests of startCluster and startKafka take it.
import { createServer, type Server } from 'node:net';

const squatters: Server[] = [];

/** Listens on `port` of 127.0.0.1 until releasePorts(). */
export function takePort(port: number): Promise<void> {
  // Whoever connects (a start asking the broker it expects there) is hung up on, so close() can finish.
  const squatter = createServer((socket) => socket.destroy());
  squatters.push(squatter);
  return new Promise((resolve, reject) => {
    squatter.once('error', reject);
    squatter.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
  });
}

/** Closes every listener takePort opened. */
export async function releasePorts(): Promise<void> {
  await Promise.all(squatters.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
}
