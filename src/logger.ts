// What kafka-wire says about itself: a pino-compatible logger (`level(fields, message)`), passed down to every
// layer that has something to report, so the network layer logs without knowing the producer. Entries carry
// structured fields (broker, address, topic, partition, error, attempt, backoffMs, producerId, epoch, ...) and
// never a secret: mechanisms expose only their name and principal, and errors are logged by their message,
// which never holds credentials.
//
// Levels: error - the producer cannot go on (fenced, fatal); warn - something the user should look at (a
// broker that cannot be reached, refused credentials, retries running out); info - rare changes of state
// (leader moves, new partitions, a producer id, transaction outcomes); debug - everything else that helps
// explain a trace (connections, retries, throttling, metadata refreshes).

/** Structured fields of one log entry. Errors go in `err`, as pino's serializers expect. */
export type LogFields = Record<string, unknown>;

/**
 * What the `logger` option takes: pino's and bunyan's loggers fit as they are, and so does `console` (it
 * prints the fields, then the message).
 */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** True when `value` has the four methods a Logger needs. */
export function isLogger(value: unknown): value is Logger {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const candidate = value as Record<string, unknown>;
  return LEVELS.every((level) => typeof candidate[level] === 'function');
}

const ignore = (): void => {};

/** Says nothing. */
export const SILENT_LOGGER: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * The default: warnings and errors become Node process warnings (type `KafkaWireWarning`), which Node prints
 * on stderr once each, `node --no-warnings` silences and `process.on('warning')` receives, as Node's own
 * deprecation and experimental notices do; debug and info are dropped.
 */
export const WARNINGS_LOGGER: Logger = {
  debug: ignore,
  info: ignore,
  warn: (fields, message) => emitWarning(fields, message),
  error: (fields, message) => emitWarning(fields, message),
};

function emitWarning(fields: LogFields, message: string): void {
  const detail = formatFields(fields);
  if (typeof process?.emitWarning === 'function') {
    process.emitWarning(message, { type: 'KafkaWireWarning', ...(detail === '' ? {} : { detail }) });
  } else {
    console.warn(`KafkaWireWarning: ${message}${detail === '' ? '' : ` (${detail})`}`);
  }
}

/** `key=value` pairs, errors as `Name: message`. */
export function formatFields(fields: LogFields): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text =
      value instanceof Error
        ? `${value.name}: ${value.message}`
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
          : String(value);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}

/**
 * The logger kafka-wire calls: the user's (or the default), shielded so that a logger that throws can never
 * break delivery (its error is dropped; the entry with it).
 */
export function shieldLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return WARNINGS_LOGGER;
  if (logger === SILENT_LOGGER || logger === WARNINGS_LOGGER) return logger;
  const shielded = {} as Logger;
  for (const level of LEVELS) {
    shielded[level] = (fields, message) => {
      try {
        logger[level](fields, message);
      } catch {
        // A logging failure must not become a delivery failure.
      }
    };
  }
  return shielded;
}
