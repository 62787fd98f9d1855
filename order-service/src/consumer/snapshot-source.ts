import { decodeSnapshotLine, SNAPSHOT_MEDIA_TYPE, type SnapshotCustomer } from '@demo/contract';

export class SnapshotError extends Error {}

export interface SnapshotReader {
  /** The header's total, known once the first line arrived. */
  readonly total: number | undefined;
  /** The customers, in pages of at most `pageSize`; throws SnapshotError on anything short of a complete snapshot. */
  pages(pageSize: number): AsyncGenerator<SnapshotCustomer[]>;
}

/**
 * Reads customer-service's snapshot (NDJSON, see lib/contract snapshot.ts) as it streams in: a
 * line that does not parse, a response cut short (no end line, or a count other than the
 * header's total), or an answer other than 200 ends it with a SnapshotError; nothing partial is
 * ever returned as complete.
 */
export async function openSnapshot(url: string, options: { token?: string | undefined; signal?: AbortSignal }): Promise<SnapshotReader> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: SNAPSHOT_MEDIA_TYPE, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new SnapshotError(`the snapshot request to ${url} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (response.status !== 200 || !response.body) {
    throw new SnapshotError(`the snapshot request answered ${response.status}: ${(await response.text().catch(() => '')).slice(0, 200)}`);
  }
  const body = response.body;
  let total: number | undefined;

  async function* lines(): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of body) {
        const text = rest + decoder.decode(chunk, { stream: true });
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) if (line !== '') yield line;
      }
    } catch (error) {
      throw new SnapshotError(`the snapshot was cut off: ${(error as Error).message}`);
    }
    rest += decoder.decode();
    if (rest !== '') yield rest;
  }

  return {
    get total() {
      return total;
    },
    async *pages(pageSize) {
      let page: SnapshotCustomer[] = [];
      let count = 0;
      let ended = false;
      for await (const text of lines()) {
        const line = decodeSnapshotLine(text);
        if (ended) throw new SnapshotError('the snapshot goes on after its end line');
        if (line.kind === 'invalid') throw new SnapshotError(`line ${count + 2} of the snapshot is invalid: ${line.detail}`);
        if (line.kind === 'header') {
          if (total !== undefined) throw new SnapshotError('the snapshot has two headers');
          total = line.total;
          continue;
        }
        if (total === undefined) throw new SnapshotError('the snapshot does not begin with its header');
        if (line.kind === 'end') {
          if (line.count !== count || count !== total) throw new SnapshotError(`the snapshot ends after ${count} customers, its header said ${total}, its end ${line.count}`);
          ended = true;
          continue;
        }
        page.push(line.customer);
        count++;
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (!ended) throw new SnapshotError(`the snapshot was cut off after ${count} of ${total ?? '?'} customers (no end line)`);
      if (page.length > 0) yield page;
    },
  };
}
