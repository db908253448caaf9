// The producer's options as command-line flags, generated from the option table the Producer itself
// validates against, so a new option becomes a flag (and its help line) without anyone remembering to add it:
// lingerMs -> --linger-ms <ms>, enableIdempotence -> --enable-idempotence <true|false>. Numbers and booleans
// are derived from their default; every other option must be classified below or the build fails. Values
// reach the Producer as typed; it checks ranges and combinations and names the option when it refuses one.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { PRODUCER_OPTIONS, type ProducerOptions } from '../index.js';

type OptionName = keyof typeof PRODUCER_OPTIONS;
type Table = typeof PRODUCER_OPTIONS;
type WithDefault<T> = { [K in OptionName]: Table[K] extends { readonly default: T } ? K : never }[OptionName];
type Derived = WithDefault<number> | WithDefault<boolean>;

interface FlagSpec {
  /** What the help shows after the flag, e.g. `<codec>`. */
  readonly value: string;
  readonly parse: (text: string) => unknown;
}

// Options that are not one flag of their own: a function cannot be typed on a command line, the bootstrap
// servers, TLS and SASL have flags that read files and secrets (security-flags.ts), and the commands send
// outside transactions, so a transactional id would only make every record fail.
export const NOT_GENERATED = [
  'bootstrapServers',
  'ssl',
  'sasl',
  'keySerializer',
  'valueSerializer',
  'interceptors',
  'logger',
  'transactionalId',
  'transactionTimeoutMs',
] as const;
type NotGenerated = (typeof NOT_GENERATED)[number];

function choice<T extends string>(choices: readonly T[], convert: (text: T) => unknown = (t) => t): FlagSpec {
  return {
    value: `<${choices.join('|')}>`,
    parse: (text) => {
      if (!(choices as readonly string[]).includes(text)) {
        throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`);
      }
      return convert(text as T);
    },
  };
}

function integer(value: string): FlagSpec {
  return {
    value,
    parse: (text) => {
      if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError('expected an integer.');
      return Number(text);
    },
  };
}

const BOOLEAN: FlagSpec = choice(['true', 'false'], (text) => text === 'true');

const EXPLICIT: { readonly [K in Exclude<OptionName, Derived | NotGenerated>]: FlagSpec } = {
  acks: choice(['all', '-1', '0', '1'], (text) => (text === 'all' ? 'all' : Number(text))),
  compressionType: choice(['none', 'gzip', 'snappy', 'lz4', 'zstd']),
  compressionLevel: integer('<level>'),
  partitioner: choice(['default', 'round-robin']),
  clientId: { value: '<id>', parse: (text) => text },
};

function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function specFor(name: Exclude<OptionName, NotGenerated>): FlagSpec {
  if (name in EXPLICIT) return EXPLICIT[name as keyof typeof EXPLICIT];
  const definition = PRODUCER_OPTIONS[name];
  return 'default' in definition && typeof definition.default === 'boolean'
    ? BOOLEAN
    : integer(name.endsWith('Ms') ? '<ms>' : /Size|Memory/.test(name) ? '<bytes>' : '<n>');
}

function describe(name: OptionName): string {
  const definition = PRODUCER_OPTIONS[name];
  const fallback = 'default' in definition ? String(definition.default) : definition.defaultText;
  return `Java's ${definition.java} (default ${fallback})`;
}

const GENERATED = (Object.keys(PRODUCER_OPTIONS) as OptionName[]).filter(
  (name): name is Exclude<OptionName, NotGenerated> => !(NOT_GENERATED as readonly string[]).includes(name),
);

/** The flag of a producer option, if it has one of its own. */
export function flagFor(option: string): string | undefined {
  return (GENERATED as readonly string[]).includes(option) ? `--${flagName(option)}` : undefined;
}

// Java's names (`linger.ms`) for -X, so settings copy over from a Java producer's properties file. Only names
// that are one config: TLS, SASL and the per-codec compression levels have flags of their own.
const BY_JAVA_NAME: ReadonlyMap<string, Exclude<OptionName, NotGenerated>> = new Map(
  GENERATED.filter((name) => /^[a-z0-9.]+$/.test(PRODUCER_OPTIONS[name].java)).map((name) => [
    PRODUCER_OPTIONS[name].java,
    name,
  ]),
);

function producerProperty(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected <java.name>=<value>, such as linger.ms=20.');
  const javaName = text.slice(0, at).trim();
  const name = BY_JAVA_NAME.get(javaName);
  if (name === undefined) {
    throw new InvalidArgumentError(
      `'${javaName}' is not a producer config this command takes; --help lists them with their Java names (TLS and SASL have flags of their own).`,
    );
  }
  try {
    return { ...previous, [name]: specFor(name).parse(text.slice(at + 1).trim()) };
  } catch (error) {
    throw new InvalidArgumentError(`${javaName}: ${(error as Error).message}`);
  }
}

/** Adds a flag for every producer option that has one, plus `--compression` as kcat's short form. */
export function addProducerFlags(command: Command): Command {
  command.optionsGroup("Producer options (Java's producer configs, in kebab case):");
  for (const name of GENERATED) {
    const spec = specFor(name);
    command.addOption(
      new Option(`--${flagName(name)} ${spec.value}`, describe(name)).argParser((text) => spec.parse(text)),
    );
  }
  command.option(
    '-X, --producer-property <java.name=value>',
    "a producer config by its Java name, as kcat's -X and Java's --producer-property (repeatable); a flag of its own wins",
    producerProperty,
  );
  const codec = EXPLICIT.compressionType;
  command.addOption(
    new Option(`--compression ${codec.value}`, 'the same as --compression-type').argParser((text) =>
      codec.parse(text),
    ),
  );
  return command;
}

/** The producer options among a command's parsed flags (commander names them as the producer does). */
export function producerOptionsFrom(flags: Record<string, unknown>): Partial<ProducerOptions> {
  const options: Record<string, unknown> = { ...(flags.producerProperty as Record<string, unknown>) };
  for (const name of GENERATED) {
    if (flags[name] !== undefined) options[name] = flags[name];
  }
  if (flags.compression !== undefined) options.compressionType ??= flags.compression;
  return options as Partial<ProducerOptions>;
}
