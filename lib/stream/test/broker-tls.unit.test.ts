import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerTls } from '../src/declared-stream.js';

const dir = mkdtempSync(path.join(tmpdir(), 'broker-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe('brokerTls: the stream client\'s TLS options from RABBITMQ_TLS*', () => {
  it('is nothing without RABBITMQ_TLS, whatever else is set', () => {
    expect(brokerTls({})).toBeUndefined();
    expect(brokerTls({ RABBITMQ_TLS: false, RABBITMQ_TLS_CA_FILE: file('unused.pem', 'x') })).toBeUndefined();
  });

  it('verifies the broker with Node\'s CAs by default, or with the CA file it reads', () => {
    expect(brokerTls({ RABBITMQ_TLS: true })).toEqual({ rejectUnauthorized: true });
    expect(brokerTls({ RABBITMQ_TLS: true, RABBITMQ_TLS_CA_FILE: file('ca.pem', 'CA PEM') })).toEqual({ ca: 'CA PEM', rejectUnauthorized: true });
  });

  it('adds a client certificate and its key, and stops verifying only when told to', () => {
    const tls = brokerTls({
      RABBITMQ_TLS: true,
      RABBITMQ_TLS_CERT_FILE: file('client.pem', 'CERT PEM'),
      RABBITMQ_TLS_KEY_FILE: file('client.key', 'KEY PEM'),
      RABBITMQ_TLS_REJECT_UNAUTHORIZED: false,
    });
    expect(tls).toEqual({ cert: 'CERT PEM', key: 'KEY PEM', rejectUnauthorized: false });
  });
});
