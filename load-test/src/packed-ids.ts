const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const hex8 = (word: number) => word.toString(16).padStart(8, '0');

/**
 * UUIDs kept as four 32-bit words each in one typed array, whose memory lies outside V8's heap.
 * A run of 1M customers held as strings is a million objects that every full collection of the
 * load generator marks, and such a pause lands inside the latencies the load generator measures.
 * Here they are 16 bytes each and nothing to mark. Words are big-endian, so comparing them in
 * order is comparing the lower-case text, which is PostgreSQL's uuid order.
 */
export class PackedIds {
  readonly words: Uint32Array;

  constructor(readonly length: number) {
    this.words = new Uint32Array(length * 4);
  }

  static from(ids: readonly string[]): PackedIds {
    const packed = new PackedIds(ids.length);
    ids.forEach((id, k) => packed.set(k, id));
    return packed;
  }

  /** Stores `id` at `k`; throws for text that is not a UUID. */
  set(k: number, id: string): void {
    if (!UUID.test(id)) throw new Error(`not a UUID: ${JSON.stringify(id)}`);
    const at = k * 4;
    this.words[at] = parseInt(id.slice(0, 8), 16);
    this.words[at + 1] = parseInt(id.slice(9, 13) + id.slice(14, 18), 16);
    this.words[at + 2] = parseInt(id.slice(19, 23) + id.slice(24, 28), 16);
    this.words[at + 3] = parseInt(id.slice(28, 36), 16);
  }

  /** The id at `k` as PostgreSQL writes it (lower case); undefined past the end. */
  at(k: number): string | undefined {
    if (k < 0 || k >= this.length) return undefined;
    const at = k * 4;
    const [a, b, c, d] = [hex8(this.words[at]!), hex8(this.words[at + 1]!), hex8(this.words[at + 2]!), hex8(this.words[at + 3]!)];
    return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
  }

  /** Negative, zero or positive as the id at `x` sorts before, with or after the id at `y`. */
  compare(x: number, y: number): number {
    for (let w = 0; w < 4; w++) {
      const a = this.words[x * 4 + w]!;
      const b = this.words[y * 4 + w]!;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }

  /** The ids at `indexes` (all of them when omitted) as strings, for a query parameter. */
  toArray(indexes?: ArrayLike<number>): string[] {
    if (!indexes) return Array.from({ length: this.length }, (_, k) => this.at(k)!);
    return Array.from({ length: indexes.length }, (_, k) => this.at(indexes[k]!)!);
  }
}
