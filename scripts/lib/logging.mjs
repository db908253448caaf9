// Logging configs for the JVMs we start. Everything goes to the process's stdout/stderr, which the harness
// sends to a file (brokers) or captures (helpers), so both Kafka 3.x (log4j 1 / reload4j) and 4.x (log4j2)
// only need a console appender. Both files are always passed; each Kafka version reads the one it knows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function log4j2(level, target, quietLoggers) {
  return [
    'status = warn',
    'appender.out.type = Console',
    'appender.out.name = out',
    `appender.out.target = ${target === 'stderr' ? 'SYSTEM_ERR' : 'SYSTEM_OUT'}`,
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n',
    `rootLogger.level = ${level}`,
    'rootLogger.appenderRefs = out',
    'rootLogger.appenderRef.out.ref = out',
    ...quietLoggers.flatMap((name, i) => [`logger.q${i}.name = ${name}`, `logger.q${i}.level = WARN`]),
    '',
  ].join('\n');
}

function log4j1(level, target, quietLoggers) {
  return [
    `log4j.rootLogger=${level}, out`,
    'log4j.appender.out=org.apache.log4j.ConsoleAppender',
    `log4j.appender.out.Target=${target === 'stderr' ? 'System.err' : 'System.out'}`,
    'log4j.appender.out.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ...quietLoggers.map((name) => `log4j.logger.${name}=WARN`),
    '',
  ].join('\n');
}

/**
 * Writes log4j2 and log4j 1 configs into `dir` and returns the JVM flags that select them.
 * @param {string} dir
 * @param {{ level: 'INFO' | 'WARN', target: 'stdout' | 'stderr', quietLoggers?: string[] }} options
 */
export function writeLoggingConfig(dir, { level, target, quietLoggers = [] }) {
  const v2 = join(dir, 'log4j2.properties');
  const v1 = join(dir, 'log4j.properties');
  writeFileSync(v2, log4j2(level, target, quietLoggers));
  writeFileSync(v1, log4j1(level, target, quietLoggers));
  return [`-Dlog4j2.configurationFile=${v2}`, `-Dlog4j.configuration=file:${v1}`];
}
