import type { SaslAuthenticationContext } from '../../../../src/net/sasl/mechanism.js';

/**
 * A SaslAuthenticationContext whose broker is a list of steps: each step checks what the client sent and returns
 * the broker's reply (or throws, as the connection's exchange does when the broker answers with an error).
 */
export function scriptedContext(steps: Array<(sent: string) => string | Uint8Array>): {
  context: SaslAuthenticationContext;
  sent: Buffer[];
} {
  const sent: Buffer[] = [];
  const context: SaslAuthenticationContext = {
    host: 'broker1.example.com',
    port: 9096,
    broker: 'node 1 (broker1.example.com:9096)',
    async exchange(bytes) {
      const message = Buffer.from(bytes);
      sent.push(message);
      const step = steps[sent.length - 1];
      if (step === undefined)
        throw new Error(`unexpected message #${sent.length}: ${message.toString('latin1')}`);
      const reply = step(message.toString('utf8'));
      return typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply;
    },
  };
  return { context, sent };
}
