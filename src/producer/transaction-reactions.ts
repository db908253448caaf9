import { KafkaWireError } from '../errors.js';
import { KafkaErrorCode, KafkaProtocolError } from '../protocol/errors.js';

// What the transactional path does about an error: a coordinator's error code (whichever request it answers),
// and a record or batch of the transaction that failed. Pure: the transaction manager carries the verdicts out.
//
// @locality: event loop.

/** What to do after a coordinator's error code. */
export type Reaction = 'lookup' | 'retry' | 'fenced' | 'abortable' | 'abortable-bump' | 'fatal';

/**
 * Java's TransactionManager handlers agree on what each code means, whichever request it answers; codes no
 * handler expects are fatal (the coordinator said something a correct one cannot).
 */
export function reactionTo(code: number): Reaction {
  switch (code) {
    case KafkaErrorCode.NOT_COORDINATOR:
    case KafkaErrorCode.COORDINATOR_NOT_AVAILABLE:
      return 'lookup';
    case KafkaErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case KafkaErrorCode.CONCURRENT_TRANSACTIONS:
    case KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCode.REQUEST_TIMED_OUT:
      return 'retry';
    case KafkaErrorCode.PRODUCER_FENCED:
    case KafkaErrorCode.INVALID_PRODUCER_EPOCH:
      return 'fenced';
    case KafkaErrorCode.TRANSACTION_ABORTABLE:
    case KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case KafkaErrorCode.GROUP_AUTHORIZATION_FAILED:
    case KafkaErrorCode.UNKNOWN_MEMBER_ID:
    case KafkaErrorCode.ILLEGAL_GENERATION:
    case KafkaErrorCode.FENCED_INSTANCE_ID:
      return 'abortable';
    case KafkaErrorCode.UNKNOWN_PRODUCER_ID:
    case KafkaErrorCode.INVALID_PRODUCER_ID_MAPPING:
      return 'abortable-bump';
    default:
      return 'fatal';
  }
}

/** What a failed record or batch does to its transaction, and the error to carry that out with. */
export type RecordFailureReaction =
  | { reaction: 'fenced'; cause: Error }
  | { reaction: 'fatal'; cause: Error }
  | { reaction: 'abortable' };

/**
 * Java's handleFailedBatch (and doSend's maybeTransitionToErrorState for records refused before they were
 * batched): fenced or not authorized ends the producer; anything else means the transaction cannot commit,
 * since it would commit without that record.
 */
export function reactionToRecordFailure(error: Error): RecordFailureReaction {
  const kafka = rootKafkaError(error);
  if (kafka?.code === KafkaErrorCode.PRODUCER_FENCED) return { reaction: 'fenced', cause: kafka };
  if (error instanceof KafkaWireError && error.fatal) return { reaction: 'fatal', cause: error };
  if (kafka?.fatal) return { reaction: 'fatal', cause: kafka };
  return { reaction: 'abortable' };
}

/** The Kafka error code behind an error, also when the producer wrapped it (ProduceError's cause). */
function rootKafkaError(error: Error): KafkaProtocolError | undefined {
  if (error instanceof KafkaProtocolError) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof KafkaProtocolError ? cause : undefined;
}
