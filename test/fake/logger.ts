// A producer logger for tests that provoke failures on purpose (refused credentials, missing ACLs, a fenced
// producer): it keeps the warnings and errors instead of printing them as process warnings, so the suite's
// output shows only what nobody expected, and a test can still look at what would have been logged.

import type { LogFields, Logger } from '../../src/index.js';

export interface KeptEntry {
  level: 'warn' | 'error';
  fields: LogFields;
  message: string;
}

export function keptWarnings(): { logger: Logger; kept: KeptEntry[] } {
  const kept: KeptEntry[] = [];
  const ignore = () => {};
  return {
    kept,
    logger: {
      debug: ignore,
      info: ignore,
      warn: (fields, message) => kept.push({ level: 'warn', fields, message }),
      error: (fields, message) => kept.push({ level: 'error', fields, message }),
    },
  };
}
