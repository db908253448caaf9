// How kafka-wire introduces itself in ApiVersions v3+ (KIP-511): brokers report it in metrics
// (kafka.server:type=socket-server-metrics,clientSoftwareName=...,clientSoftwareVersion=...). The version is a
// constant rather than read from package.json at run time (no file access, no path games between src/ and
// dist/, bundler-friendly); test/unit/net/client-software.test.ts keeps it equal to package.json's version.

export const CLIENT_SOFTWARE_NAME = 'kafka-wire';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

// The broker's rule for both fields; anything else gets INVALID_REQUEST (42) instead of an ApiVersions answer.
export { CLIENT_SOFTWARE_PATTERN } from '../protocol/api-versions.js';

/**
 * Makes a user-supplied name or version acceptable to the broker: characters outside [a-zA-Z0-9.-] become '-',
 * and the value must start and end with a letter or digit ("1.2.0+build.5" -> "1.2.0-build.5").
 */
export function toClientSoftwareField(value: string): string {
  const cleaned = value
    .replace(/[^a-zA-Z0-9\-.]/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .replace(/[^a-zA-Z0-9]+$/, '');
  return cleaned === '' ? 'unknown' : cleaned;
}
