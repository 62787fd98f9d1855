import { Writable } from 'node:stream';

/** A stream that keeps what is written to it, for a test to read: a logger's destination. */
export function capturedOutput(): { sink: Writable; text(): string; lines(): Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    sink,
    text: () => chunks.join(''),
    /** Each line parsed as JSON (pino writes one object a line). */
    lines: () => chunks.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
