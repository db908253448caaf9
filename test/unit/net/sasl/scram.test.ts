import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../../../src/net/errors.js';
import { escapeUsername, ScramMechanism } from '../../../../src/net/sasl/scram.js';
import { scriptedContext } from './scripted-context.js';

// RFC 7677 section 3: the SCRAM-SHA-256 exchange of user "user", password "pencil".
const RFC7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

// SCRAM-SHA-512 golden values computed independently with Python 3's hashlib and hmac (no kafka-wire code):
//   sp = hashlib.pbkdf2_hmac('sha512', b'pencil', b64decode('QSXCR+Q6sek8bf92'), 4096)
//   ck = hmac(sp, b'Client Key'); sk = sha512(ck); am = client-first-bare + ',' + server-first + ',' + 'c=biws,r=' + nonce
//   proof = ck XOR hmac(sk, am); v = hmac(hmac(sp, b'Server Key'), am)
// for user 'us,er=x' (escaped 'us=2Cer=3Dx'), client nonce 'fyko+d2lbbFgONRv9qkxdawL'.
const SHA512 = {
  clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=us=2Cer=3Dx,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal:
    'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=wZTSwxdc+Rhmpyw48gHA7STpgAjtRAsAwL61jATsDeq2qjxDi+D1Tvblc4kzV/dcDaV0N67AIat3augPQ+rCXw==',
  serverFinal: 'v=i+1IZE4ZMy7LkwHISrbcKKrllrN9M/f/UtXU7E/e+4imnEh8dy3D5tFE7w8BOVV1rR+B0CKHFXJaQ2gz7RF51A==',
};

function pencil256(): ScramMechanism {
  return new ScramMechanism(
    'sha256',
    { username: 'user', password: 'pencil' },
    { clientNonce: () => RFC7677.clientNonce },
  );
}

describe('SCRAM', () => {
  it('SCRAM-SHA-256 reproduces the RFC 7677 exchange and verifies the server signature', async () => {
    const { context, sent } = scriptedContext([() => RFC7677.serverFirst, () => RFC7677.serverFinal]);
    await pencil256().authenticate(context);
    expect(sent.map((m) => m.toString('utf8'))).toEqual([RFC7677.clientFirst, RFC7677.clientFinal]);
  });

  it('SCRAM-SHA-512 matches values computed with Python hashlib/hmac, escaping , and = in the username', async () => {
    const mechanism = new ScramMechanism(
      'sha512',
      { username: 'us,er=x', password: 'pencil' },
      { clientNonce: () => SHA512.clientNonce },
    );
    expect(mechanism.name).toBe('SCRAM-SHA-512');
    const { context, sent } = scriptedContext([() => SHA512.serverFirst, () => SHA512.serverFinal]);
    await mechanism.authenticate(context);
    expect(sent.map((m) => m.toString('utf8'))).toEqual([SHA512.clientFirst, SHA512.clientFinal]);
  });

  it('escapes every = and , of a username', () => {
    expect(escapeUsername('a=b,c==d,,')).toBe('a=3Db=2Cc=3D=3Dd=2C=2C');
  });

  it('refuses a server signature that does not prove knowledge of the password', async () => {
    const { context } = scriptedContext([
      () => RFC7677.serverFirst,
      () => 'v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]);
    const failure = pencil256().authenticate(context);
    await expect(failure).rejects.toThrow(AuthenticationError);
    await expect(failure).rejects.toThrow(
      /SCRAM-SHA-256 .*'user' with node 1 \(broker1\.example\.com:9096\).*server signature is wrong/,
    );
  });

  it('reports the text of a server-final e= error', async () => {
    const { context } = scriptedContext([() => RFC7677.serverFirst, () => 'e=invalid-proof']);
    await expect(pencil256().authenticate(context)).rejects.toThrow(/refused the proof: invalid-proof/);
  });

  it('refuses a server nonce that does not extend the client nonce', async () => {
    for (const nonce of ['XOprNGfwEbeRWgbNEkqO%hvYD', RFC7677.clientNonce]) {
      const { context, sent } = scriptedContext([() => `r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`]);
      await expect(pencil256().authenticate(context)).rejects.toThrow(/nonce does not extend/);
      expect(sent).toHaveLength(1);
    }
  });

  it('refuses fewer than 4096 iterations and malformed iteration counts', async () => {
    for (const iterations of ['4095', '1', '0', '-4096', '4096.5', 'x', '99999999999']) {
      const { context } = scriptedContext([
        () => `r=${RFC7677.clientNonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${iterations}`,
      ]);
      await expect(pencil256().authenticate(context), iterations).rejects.toThrow(/at least 4096/);
    }
  });

  it('refuses a server-first message without salt or iterations', async () => {
    const { context } = scriptedContext([() => `r=${RFC7677.clientNonce}abc,i=4096`]);
    await expect(pencil256().authenticate(context)).rejects.toThrow(/r, s and i expected/);
  });

  it('uses a fresh printable nonce without commas for every authentication', async () => {
    const mechanism = new ScramMechanism('sha256', { username: 'user', password: 'pencil' });
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { context } = scriptedContext([
        (sent) => {
          const nonce = /,r=([^,]+)$/.exec(sent)![1]!;
          nonces.push(nonce);
          return 'e=other-error';
        },
      ]);
      await expect(mechanism.authenticate(context)).rejects.toThrow(/other-error/);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
    for (const nonce of nonces) expect(nonce).toMatch(/^[\x21-\x2b\x2d-\x7e]{24,}$/);
  });

  it('sends tokenauth=true for delegation tokens', async () => {
    const mechanism = new ScramMechanism(
      'sha256',
      { username: 'tokenid', password: 'hmac', tokenAuth: true },
      { clientNonce: () => 'abc' },
    );
    const { context, sent } = scriptedContext([() => 'e=stop']);
    await expect(mechanism.authenticate(context)).rejects.toThrow(AuthenticationError);
    expect(sent[0]!.toString()).toBe('n,,n=tokenid,r=abc,tokenauth=true');
  });
});
