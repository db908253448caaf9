// The ranges of Kafka's signed integer wire types (Java's int and long), for range checks everywhere a
// value ends up in one of them.

export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
