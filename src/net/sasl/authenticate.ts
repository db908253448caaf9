// SASL authentication of one connection, as Java's SaslClientAuthenticator runs it after ApiVersions and before
// any other request: SaslHandshake v1 names the mechanism (the broker refuses one its listener does not enable,
// listing those it does), then the mechanism's own exchange, each of its tokens carried by one SaslAuthenticate
// round trip (version min(broker's max, 2)). The same function runs again for a re-authentication (KIP-368) on
// the live connection; the connection makes sure nothing else is in flight meanwhile.
//
// Every refusal becomes an AuthenticationError naming the broker, the mechanism and the principal (never a secret),
// with the broker's own words when it sent any: retrying with the same configuration cannot succeed.

import type { ApiCodec, Complete } from '../../protocol/api.js';
import { KafkaErrorCode, kafkaErrorEntry, kafkaErrorFor } from '../../protocol/errors.js';
import { SaslAuthenticateApi } from '../../protocol/sasl-authenticate.js';
import { SaslHandshakeApi } from '../../protocol/sasl-handshake.js';
import type { VersionedApi } from '../api-version-table.js';
import { AuthenticationError } from '../errors.js';
import type { SaslMechanism } from './mechanism.js';

/** What authentication needs from a connection; defined here so this module does not depend on Connection. */
export interface SaslChannel {
  readonly host: string;
  readonly port: number;
  /** "node 3 (broker1:9092)": how errors name the broker. */
  readonly description: string;
  versionFor(api: VersionedApi): number;
  request<Req extends object, Res extends object>(
    api: ApiCodec<Req, Res>,
    request: Req,
    version: number,
  ): Promise<Complete<Res>>;
}

export interface SaslOutcome {
  /**
   * From the last SaslAuthenticate response (v1+): milliseconds until the broker ends the session unless the
   * client re-authenticates on the connection; 0 when the broker does not limit it (connections.max.reauth.ms).
   */
  sessionLifetimeMs: number;
}

/** SaslHandshake v1 is the only version that carries the tokens inside Kafka requests. */
const SASL_HANDSHAKE_VERSION = 1;

export async function authenticateSasl(channel: SaslChannel, mechanism: SaslMechanism): Promise<SaslOutcome> {
  const who = describeAttempt(channel, mechanism);
  const handshake = await channel.request(
    SaslHandshakeApi,
    { mechanism: mechanism.name },
    SASL_HANDSHAKE_VERSION,
  );
  if (handshake.errorCode !== KafkaErrorCode.NONE) {
    throw new AuthenticationError(handshakeRefusal(channel, mechanism, handshake), {
      cause: kafkaErrorFor(handshake.errorCode, { api: 'SaslHandshake' }),
    });
  }
  const version = channel.versionFor(SaslAuthenticateApi);
  let sessionLifetimeMs = 0;
  let rounds = 0;
  await mechanism.authenticate({
    host: channel.host,
    port: channel.port,
    broker: channel.description,
    exchange: async (bytes) => {
      rounds++;
      const response = await channel.request(SaslAuthenticateApi, { authBytes: bytes }, version);
      if (response.errorCode !== KafkaErrorCode.NONE) {
        const entry = kafkaErrorEntry(response.errorCode);
        const said = response.errorMessage ? `: ${response.errorMessage}` : '';
        throw new AuthenticationError(
          `${who} was refused by the broker with ${entry?.name ?? 'error code'} (${response.errorCode})${said}. ` +
            (entry?.advice ?? 'Check the credentials and the mechanism the broker enables.'),
          {
            cause: kafkaErrorFor(response.errorCode, {
              api: 'SaslAuthenticate',
              brokerMessage: response.errorMessage,
            }),
          },
        );
      }
      // int64 on the wire; any real lifetime is far below 2^53 ms.
      sessionLifetimeMs = Number(response.sessionLifetimeMs);
      return response.authBytes;
    },
  });
  if (rounds === 0) {
    // The broker still waits for a SaslAuthenticate; going on would leave it refusing every other request.
    throw new AuthenticationError(
      `${who} ended without sending anything to the broker: the mechanism's authenticate() must call exchange()`,
    );
  }
  return { sessionLifetimeMs };
}

function describeAttempt(channel: SaslChannel, mechanism: SaslMechanism): string {
  const principal = mechanism.principal === undefined ? '' : ` as ${JSON.stringify(mechanism.principal)}`;
  return `SASL ${mechanism.name} authentication${principal} with ${channel.description}`;
}

function handshakeRefusal(
  channel: SaslChannel,
  mechanism: SaslMechanism,
  response: Complete<{ errorCode: number; mechanisms: string[] }>,
): string {
  const enabled = response.mechanisms;
  if (response.errorCode === KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    return (
      `${channel.description} does not enable SASL mechanism ${mechanism.name}` +
      (enabled.length === 0
        ? ' and lists none it does'
        : `; its listener enables ${enabled.join(', ')}. Use one of those mechanisms`) +
      `, or add ${mechanism.name} to the listener's sasl.enabled.mechanisms on the broker`
    );
  }
  if (response.errorCode === KafkaErrorCode.ILLEGAL_SASL_STATE) {
    // What a listener without SASL (PLAINTEXT or SSL) answers to SaslHandshake.
    return (
      `${channel.description} refused SaslHandshake with ILLEGAL_SASL_STATE: this listener does not expect SASL ` +
      '(a PLAINTEXT or SSL listener?). Remove the sasl option, or point bootstrapServers at the SASL_PLAINTEXT / ' +
      'SASL_SSL listener'
    );
  }
  const entry = kafkaErrorEntry(response.errorCode);
  return (
    `${channel.description} refused SaslHandshake for ${mechanism.name} with ` +
    `${entry?.name ?? 'error code'} (${response.errorCode}). ${entry?.advice ?? ''}`.trimEnd()
  );
}
