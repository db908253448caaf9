// The ranges of Kafka's signed integer wire types (Java's short, int and long), for range checks everywhere a
// value ends up in one of them.

export const INT16_MIN = -0x8000;
export const INT16_MAX = 0x7fff;
export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * A producer epoch is an int16 that only grows: a producer id at this epoch cannot be bumped again, so the
 * producer needs a new id (Kafka's brokers and Java's producer both stop at Short.MAX_VALUE).
 */
export const MAX_PRODUCER_EPOCH = INT16_MAX;
