// The ACLs a principal needs to produce to a topic and read it back on a secured broker: WRITE (idempotent writes
// come with it), READ and DESCRIBE, added through the broker's plaintext admin listener.
import { addAcls } from '../../../scripts/lib/index.mjs';
import { kafkaVersion, type SecurityInfo } from '../../harness/index.js';

export function allowTopic(security: SecurityInfo, principals: string[], topic: string): Promise<unknown> {
  return addAcls(
    security.listeners.PLAINTEXT,
    principals.flatMap((principal) =>
      ['WRITE', 'READ', 'DESCRIBE'].map((operation) => ({
        principal,
        resourceType: 'TOPIC' as const,
        resourceName: topic,
        operation,
      })),
    ),
    { version: kafkaVersion() },
  );
}
