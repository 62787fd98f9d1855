/** Anything with a stream offset. */
export interface HasOffset {
  offset: bigint;
}

/**
 * Messages kept sorted by offset. rabbitmq-stream-js-client handles each delivered chunk in its own
 * async loop, so with several chunks of credit the messages of two chunks read from one socket
 * buffer can interleave: they are inserted at their place (a repeated offset is kept once).
 */
export interface OrderedBuffer<M extends HasOffset> {
  insert(message: M): void;
  /** The first `count` messages (a copy), without removing them. */
  peek(count: number): M[];
  /** Removes the first `count` messages. */
  drop(count: number): void;
  /** The message at `index` (0 is the lowest offset). */
  at(index: number): M | undefined;
  clear(): void;
  readonly length: number;
}

export function createOrderedBuffer<M extends HasOffset>(): OrderedBuffer<M> {
  let items: M[] = [];
  return {
    insert(message) {
      const last = items[items.length - 1];
      if (!last || last.offset < message.offset) {
        items.push(message);
        return;
      }
      let low = 0;
      let high = items.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (items[mid]!.offset < message.offset) low = mid + 1;
        else high = mid;
      }
      if (items[low]?.offset === message.offset) return;
      items.splice(low, 0, message);
    },
    peek(count) {
      return items.slice(0, count);
    },
    drop(count) {
      items = items.slice(count);
    },
    at(index) {
      return items[index];
    },
    clear() {
      items = [];
    },
    get length() {
      return items.length;
    },
  };
}
