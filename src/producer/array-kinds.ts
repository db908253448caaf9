// Empty arrays that start in the elements kind they will hold. V8 keeps an array's elements as small integers,
// doubles or any values, and `[]` starts as small integers: the first object or fractional number pushed moves
// the array to a more general kind (a new map), and code optimized for the old kind is thrown away. For an
// array made once and filled much later (mid-run), that costs a deoptimization of every inlined caller; for one
// made per batch, the push and length loads saw two kinds and V8 left them to its generic builtins (1.6 % of the
// event loop's samples, 1M x 100 B at 6 partitions).

/** An empty array whose elements are objects (any values) from the start. */
export function objectArray<T>(): T[] {
  const array: T[] = [undefined as T];
  array.length = 0;
  return array;
}

/** An empty array whose elements are doubles from the start (Date.now() readings are not small integers). */
export function doubleArray(): number[] {
  const array = [0.5];
  array.length = 0;
  return array;
}
