// The UTF-8 bytes of recently seen string keys. Keyed topics usually cycle through far fewer keys than records
// (users, devices, orders), and encoding each record's key again costs an allocation that lives as long as the
// record is held, which is what the garbage collector spends its time on when many records wait. Records with
// the same key then share one read-only Uint8Array (the batch encoder only copies from it).
//
// The cache turns itself off for a while when most lookups miss (unique keys such as UUIDs): a miss costs a
// lookup and an insert on top of the encoding, about 2.5x the encoding alone.
//
// @locality: event loop.

/** Entries kept before the cache starts over (keys up to MAX_KEY_LENGTH characters: at most ~1 MiB). */
const CAPACITY = 4096;
/** Longer strings are rarely repeated keys and would make the cache's memory unbounded in practice. */
const MAX_KEY_LENGTH = 256;
/** Lookups skipped after a window of CAPACITY entries in which misses outnumbered hits. */
const PAUSE_AFTER_MISSES = 16 * CAPACITY;

export class StringKeyCache {
  private readonly entries = new Map<string, Uint8Array>();
  private hits = 0;
  private paused = 0;

  constructor(private readonly encode: (key: string) => Uint8Array) {}

  bytes(key: string): Uint8Array {
    if (this.paused > 0 || key.length > MAX_KEY_LENGTH) {
      if (this.paused > 0) this.paused--;
      return this.encode(key);
    }
    const known = this.entries.get(key);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    // A copy of its own: a view into Node's shared 8 KiB pool would keep that whole slab alive while cached.
    const bytes = new Uint8Array(this.encode(key));
    if (this.entries.size >= CAPACITY) {
      // Starting over keeps the keys in use now; with more misses than hits, stop looking for a while.
      if (this.hits < CAPACITY) this.paused = PAUSE_AFTER_MISSES;
      this.entries.clear();
      this.hits = 0;
    }
    this.entries.set(key, bytes);
    return bytes;
  }
}
