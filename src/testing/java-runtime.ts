// startKafka runs Apache Kafka's broker on the user's Java; the one prerequisite the package cannot download.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** Kafka 4.x brokers need Java 17; 3.9 runs on 11, but one rule is easier to state and to test. */
export const MIN_JAVA_VERSION = 17;

/** The java command: `explicit`, else $JAVA_HOME/bin/java, else `java` from PATH. */
export function javaCommand(explicit?: string): string {
  if (explicit) return explicit;
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}

/** Reads `java -version` and throws a StartKafkaError-worthy message when Java is missing or too old. */
export async function checkJava(java: string): Promise<void> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(java, ['-version'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new Error(
            `startKafka needs Java ${MIN_JAVA_VERSION} or newer to run the Kafka broker, but '${java}' was not found. ` +
              'Install a JDK or JRE (e.g. the openjdk-17-jre-headless package, or Temurin 17+) and put java on PATH, ' +
              'or set JAVA_HOME.',
          ),
        );
      } else if (error) {
        reject(
          new Error(`'${java} -version' failed (${error.message.split('\n')[0]}); is it a working Java?`),
        );
      } else {
        resolve(`${stderr}${stdout}`);
      }
    });
  });
  // "1.8.0_392" (Java 8) or "17.0.9" / "21" (Java 9+).
  const match = output.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : Number.NaN;
  if (!(major >= MIN_JAVA_VERSION)) {
    throw new Error(
      `startKafka needs Java ${MIN_JAVA_VERSION} or newer to run the Kafka broker, but '${java}' is ` +
        `${Number.isNaN(major) ? 'of an unknown version' : `Java ${major}`}. Install Java ${MIN_JAVA_VERSION}+ ` +
        'and put it first on PATH, or point JAVA_HOME at it.',
    );
  }
}
