import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiVersionTable } from '../../../src/net/api-version-table.js';
import {
  CLIENT_SOFTWARE_NAME,
  CLIENT_SOFTWARE_PATTERN,
  CLIENT_SOFTWARE_VERSION,
  toClientSoftwareField,
} from '../../../src/net/client-software.js';
import { UnsupportedVersionError } from '../../../src/net/errors.js';

const produce = { apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 13 };
const metadata = { apiKey: 3, name: 'Metadata', minVersion: 1, maxVersion: 13 };
const initProducerId = { apiKey: 22, name: 'InitProducerId', minVersion: 0, maxVersion: 5 };

describe('ApiVersionTable', () => {
  it('uses min(our max, broker max), ignoring the Produce min 0 a 4.x broker advertises', () => {
    const kafka4 = new ApiVersionTable(
      [
        { apiKey: 0, minVersion: 0, maxVersion: 12 },
        { apiKey: 3, minVersion: 0, maxVersion: 13 },
        { apiKey: 22, minVersion: 0, maxVersion: 6 },
      ],
      'node 1',
    );
    expect(kafka4.versionFor(produce)).toBe(12);
    expect(kafka4.versionFor(metadata)).toBe(13);
    expect(kafka4.versionFor(initProducerId)).toBe(5);
    expect(kafka4.versionFor(produce)).toBe(12); // cached
  });

  it('fails with a fatal error naming the API and both ranges when they do not overlap', () => {
    const kafka010 = new ApiVersionTable([{ apiKey: 0, minVersion: 0, maxVersion: 2 }], 'node 7 (old:9092)');
    expect(kafka010.supports(produce)).toBe(false);
    let error: unknown;
    try {
      kafka010.versionFor(produce);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as UnsupportedVersionError).fatal).toBe(true);
    expect((error as UnsupportedVersionError).message).toBe(
      'node 7 (old:9092) supports Produce (api key 0) versions 0-2, kafka-wire supports 3-13: no version in ' +
        'common; upgrade the broker',
    );
    const future = new ApiVersionTable([{ apiKey: 3, minVersion: 14, maxVersion: 20 }], 'node 2');
    expect(() => future.versionFor(metadata)).toThrow(
      /versions 14-20, kafka-wire supports 1-13.*upgrade kafka-wire/,
    );
  });

  it('fails when the broker does not list the API', () => {
    const table = new ApiVersionTable([], 'node 1');
    expect(() => table.versionFor(initProducerId)).toThrow(
      'node 1 does not support InitProducerId (api key 22) at all, and kafka-wire needs it (versions 0-5); upgrade the broker',
    );
    expect(table.brokerRange(22)).toBeUndefined();
  });
});

describe('client software name and version (KIP-511)', () => {
  it('matches package.json and the broker pattern', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(CLIENT_SOFTWARE_VERSION).toBe(toClientSoftwareField(pkg.version));
    expect(CLIENT_SOFTWARE_NAME).toMatch(CLIENT_SOFTWARE_PATTERN);
    expect(CLIENT_SOFTWARE_VERSION).toMatch(CLIENT_SOFTWARE_PATTERN);
  });

  it('turns arbitrary strings into acceptable ones', () => {
    expect(toClientSoftwareField('1.2.0+build.5')).toBe('1.2.0-build.5');
    expect(toClientSoftwareField('-my app_v2.')).toBe('my-app-v2');
    expect(toClientSoftwareField('***')).toBe('unknown');
    for (const s of ['1.2.0+build.5', '-my app_v2.', '***', 'ok', 'a']) {
      expect(toClientSoftwareField(s)).toMatch(CLIENT_SOFTWARE_PATTERN);
    }
  });
});
