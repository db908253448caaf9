// The flags every command that produces shares (where to connect, how to authenticate, every producer
// option), and the Producer they describe. A configuration the Producer refuses is a usage error: its message
// names the option, and the flag is that option's name in kebab case.
import type { Command } from 'commander';
import { Producer, ProducerConfigError } from '../index.js';
import { SILENT_LOGGER } from '../logger.js';
import { CliError, EXIT_USAGE } from './cli-error.js';
import { addProducerFlags, flagFor, producerOptionsFrom } from './producer-flags.js';
import { addSecurityFlags, type SecurityFlags, securityOptionsFrom } from './security-flags.js';

export interface ConnectionFlags extends SecurityFlags {
  bootstrapServer: string;
}

export function addConnectionFlags(command: Command): Command {
  command
    .optionsGroup('Connection:')
    .requiredOption(
      '-b, --bootstrap-server <host:port,...>',
      "the brokers to start from (Java's bootstrap.servers)",
    );
  return addProducerFlags(addSecurityFlags(command));
}

export function producerFromFlags(
  flags: ConnectionFlags & Record<string, unknown>,
  warn: (message: string) => void,
): Producer {
  try {
    return new Producer({
      ...producerOptionsFrom(flags),
      ...securityOptionsFrom(flags, warn),
      bootstrapServers: flags.bootstrapServer,
      // The commands report each record's outcome themselves; the library's default process warnings
      // (a refused login, an unreachable broker) would repeat that between their lines on stderr.
      logger: SILENT_LOGGER,
    });
  } catch (error) {
    if (error instanceof ProducerConfigError) {
      const flag = flagFor(error.option);
      throw new CliError(flag === undefined ? error.message : `${error.message} (flag ${flag})`, EXIT_USAGE);
    }
    throw error;
  }
}
