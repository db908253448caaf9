import { describe, expect, it } from 'vitest';
import { SaslConfigError } from '../../../../src/net/sasl/config-error.js';
import { PlainMechanism } from '../../../../src/net/sasl/plain.js';
import { scriptedContext } from './scripted-context.js';

describe('PLAIN', () => {
  it('sends authzid NUL username NUL password in UTF-8 and accepts an empty reply', async () => {
    const mechanism = new PlainMechanism({ username: 'zoë', password: 'pa:ss wörd' });
    const { context, sent } = scriptedContext([() => '']);
    await mechanism.authenticate(context);
    expect(sent).toEqual([Buffer.from('\0zoë\0pa:ss wörd', 'utf8')]);
    expect(mechanism.name).toBe('PLAIN');
    expect(mechanism.principal).toBe('zoë');
  });

  it('passes the broker refusal on as the exchange reports it', async () => {
    const mechanism = new PlainMechanism({ username: 'alice', password: 'wrong' });
    const refusal = new Error('SASL_AUTHENTICATION_FAILED');
    const { context } = scriptedContext([
      () => {
        throw refusal;
      },
    ]);
    await expect(mechanism.authenticate(context)).rejects.toBe(refusal);
  });

  it('refuses a missing or empty username or password, and NUL characters, naming the option', () => {
    expect(() => new PlainMechanism({ username: '', password: 'x' })).toThrow(
      expect.objectContaining({ name: 'SaslConfigError', option: 'sasl.username' }),
    );
    expect(() => new PlainMechanism({ username: 'a' } as never)).toThrow(/'sasl.password'.*missing/);
    expect(() => new PlainMechanism({ username: 'a', password: 'x\0y' })).toThrow(SaslConfigError);
  });
});
