// How startKafka (and kafka-wire's own test harness) runs each broker: its JVM flags, server.properties for a
// KRaft node that is broker and controller at once, and console logging configs for both logging backends
// Kafka has used.

/**
 * Every broker JVM's flags: Kafka's own kafka-server-start.sh ones with a smaller heap, since tests often run
 * several JVMs on a small machine; a broker that cannot allocate dies loudly instead of limping.
 */
export const BROKER_JVM_FLAGS: readonly string[] = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

export interface BrokerNode {
  id: number;
  port: number;
  controllerPort: number;
}

/**
 * server.properties of `node` in a cluster of `nodes`, all on 127.0.0.1. Internal topics get min(3, N)
 * replicas so a one-broker cluster works; `overrides` (the user's brokerConfig) win.
 */
export function brokerProperties(
  node: BrokerNode,
  nodes: readonly BrokerNode[],
  dataDir: string,
  overrides: Readonly<Record<string, string | number | boolean>> = {},
): string {
  const rf = Math.min(3, nodes.length);
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    // A static voter set works the same on Kafka 3.9 and 4.x (no --standalone/--initial-controllers dance).
    'controller.quorum.voters': nodes.map((x) => `${x.id}@127.0.0.1:${x.controllerPort}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'auto.create.topics.enable': true,
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': Math.min(2, rf),
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': Math.min(2, rf),
    'group.initial.rebalance.delay.ms': 0,
    // A stopped broker is noticed in seconds rather than the default 9 s.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
    // The cleaner's default 128 MiB dedupe buffer would take a quarter of the small heap for nothing.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    // Tests often write fixed timestamps from years ago; with Kafka's 7-day time retention the broker's
    // check (30 s after start, then every 5 min) deletes those records, a read moments later finds none, and
    // the test fails now and then. A test broker keeps what it was given; brokerConfig can set retention back.
    'log.retention.ms': -1,
    ...overrides,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** log4j2 (Kafka 4.x) and log4j 1 / reload4j (3.x) configs that print INFO and up to the console. */
export function loggingConfigs(): { log4j2: string; log4j: string } {
  const quiet = ['kafka.request.logger', 'org.apache.kafka.clients.NetworkClient'];
  return {
    log4j2: [
      'status = warn',
      'appender.out.type = Console',
      'appender.out.name = out',
      'appender.out.target = SYSTEM_OUT',
      'appender.out.layout.type = PatternLayout',
      'appender.out.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRefs = out',
      'rootLogger.appenderRef.out.ref = out',
      ...quiet.flatMap((name, i) => [`logger.q${i}.name = ${name}`, `logger.q${i}.level = WARN`]),
      '',
    ].join('\n'),
    log4j: [
      'log4j.rootLogger=INFO, out',
      'log4j.appender.out=org.apache.log4j.ConsoleAppender',
      'log4j.appender.out.Target=System.out',
      'log4j.appender.out.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n',
      ...quiet.map((name) => `log4j.logger.${name}=WARN`),
      '',
    ].join('\n'),
  };
}
