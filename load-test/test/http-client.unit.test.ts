import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../src/http-client.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe("the load generator's HTTP answer parser", () => {
  it('reads status and body by Content-Length, and what follows is left for the next answer', () => {
    const data = bytes('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}HTTP/1.1');
    expect(parseAnswer(data)).toEqual({ answer: { status: 201, body: '{"ok":true}' }, consumed: data.length - 8, close: false });
  });

  it('waits for the rest of a body or of the headers', () => {
    expect(parseAnswer(bytes('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"a"'))).toBeUndefined();
    expect(parseAnswer(bytes('HTTP/1.1 200 OK\r\ncontent-len'))).toBeUndefined();
  });

  it('matches header names in any case, and sees Connection: close', () => {
    const data = bytes('HTTP/1.1 400 Bad Request\r\nCONTENT-LENGTH: 2\r\nConnection: close\r\n\r\n{}');
    expect(parseAnswer(data)).toEqual({ answer: { status: 400, body: '{}' }, consumed: data.length, close: true });
  });

  it('decodes a chunked body and a 204 without one', () => {
    const chunked = bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n');
    expect(parseAnswer(chunked)).toEqual({ answer: { status: 200, body: 'Wikipedia' }, consumed: chunked.length, close: false });
    const empty = bytes('HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n');
    expect(parseAnswer(empty)).toEqual({ answer: { status: 204, body: '' }, consumed: empty.length, close: false });
  });

  it('refuses what is not HTTP/1.1 it understands', () => {
    expect(parseAnswer(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toBe('invalid');
    expect(parseAnswer(bytes('HTTP/1.1 200 OK\r\nDate: x\r\n\r\n'))).toBe('invalid');
  });
});
