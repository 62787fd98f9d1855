/**
 * Which partition of the super stream a customer's events go to: murmur3 (32-bit, seed 104729) of
 * the customer id's UTF-8 bytes, modulo the number of partitions. It is the hash routing of the
 * RabbitMQ stream clients (Java, Go, .NET, and rabbitmq-stream-js-client's super stream publisher),
 * so that any client routing by customer id puts a customer's events where ours go: all of them in
 * one partition, in order.
 */
export function partitionOf(customerId: string, partitions: number): number {
  return partitions <= 1 ? 0 : murmur3(Buffer.from(customerId, 'utf8'), 104_729) % partitions;
}

/** MurmurHash3 x86 32-bit, unsigned. */
export function murmur3(key: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = key.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  const tail = key.length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= key[blocks + 2]! << 16;
    if (tail >= 2) k ^= key[blocks + 1]! << 8;
    k ^= key[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= key.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
