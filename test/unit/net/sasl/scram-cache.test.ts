import { createRequire } from 'node:module';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScramMechanism } from '../../../../src/net/sasl/scram.js';
import { scriptedContext } from './scripted-context.js';

// Counts PBKDF2 derivations while leaving node:crypto's behaviour untouched. The mechanism loads node:crypto on
// first use through require (so producers without SCRAM never load it): the spy goes on that module object.
const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
const pbkdf2 = vi.spyOn(crypto, 'pbkdf2');
const derivations = {
  get count() {
    return pbkdf2.mock.calls.length;
  },
};
afterAll(() => pbkdf2.mockRestore());

const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('SCRAM salted-password cache', () => {
  beforeEach(() => {
    pbkdf2.mockClear();
  });

  it('derives once per salt and iteration count, also for concurrent authentications', async () => {
    const mechanism = new ScramMechanism(
      'sha256',
      { username: 'user', password: 'pencil' },
      { clientNonce: () => 'rOprNGfwEbeRWgbNEkqO' },
    );
    await Promise.all(
      [1, 2, 3].map(() =>
        mechanism.authenticate(scriptedContext([() => serverFirst, () => serverFinal]).context),
      ),
    );
    expect(derivations.count).toBe(1);

    const otherSalt = scriptedContext([() => 'r=rOprNGfwEbeRWgbNEkqOx,s=AAAA,i=4096', () => 'v=AAAA']);
    await expect(mechanism.authenticate(otherSalt.context)).rejects.toThrow(/server signature is wrong/);
    expect(derivations.count).toBe(2);
  });

  it('keeps no password where util.inspect or JSON.stringify would show it', async () => {
    const mechanism = new ScramMechanism('sha512', { username: 'alice', password: 'S3cret-pencil' });
    const { inspect } = await import('node:util');
    expect(inspect(mechanism, { depth: 10, showHidden: true })).not.toContain('S3cret');
    expect(JSON.stringify(mechanism)).not.toContain('S3cret');
  });
});
