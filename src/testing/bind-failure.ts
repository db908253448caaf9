// Reads a broker's output for the one start-up failure that fresh ports can cure: a port it was to listen on
// was taken by another process between the moment it was found free and the broker's bind.

/** The port a broker could not bind, and the line of its output that says so. */
export interface BindFailure {
  port: number;
  line: string;
}

/**
 * The port a broker could not bind because it was in use, from its output `log`: the one Kafka names in
 * "Socket server failed to bind to HOST:PORT: Address already in use." (HOST may read `127.0.0.1/127.0.0.1`),
 * else `brokerPort` when only a BindException shows; undefined when the broker did not fail to bind.
 */
export function bindFailure(log: string, brokerPort: number): BindFailure | undefined {
  const lines = log.split('\n');
  const named = lines.find((l) => /failed to bind to \S*:\d+: Address already in use/.test(l));
  if (named) return { port: Number(/failed to bind to \S*:(\d+)/.exec(named)![1]), line: named.trim() };
  const unnamed = lines.find((l) => /Address already in use|BindException/.test(l));
  return unnamed ? { port: brokerPort, line: unnamed.trim() } : undefined;
}
