import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseEnvFile, readRunEnv } from '../src/run-env.js';

describe('a run directory infra.env', () => {
  it('is NAME=value lines, as scripts/infra.sh and scripts/second-system.sh write them', () => {
    const text = '# written by infra.sh\nRABBITMQ_HOSTS=127.0.0.1:5652,127.0.0.1:5653\n\nexport RABBITMQ_USER="app"\nRABBITMQ_PASSWORD=\'a b\'\nnot a setting\n';
    expect(parseEnvFile(text)).toEqual({ RABBITMQ_HOSTS: '127.0.0.1:5652,127.0.0.1:5653', RABBITMQ_USER: 'app', RABBITMQ_PASSWORD: 'a b' });
  });

  it('is nothing when the run directory has none, and the services\' tokens beside the infrastructure\'s settings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-env-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(readRunEnv(dir)).toEqual({});
    writeFileSync(path.join(dir, 'infra.env'), 'BROKER_NODES=3\n');
    expect(readRunEnv(dir)).toEqual({ BROKER_NODES: '3' });
    writeFileSync(path.join(dir, 'tokens.env'), 'OPERATOR_TOKEN=abc\nREADER_TOKEN=def\n');
    expect(readRunEnv(dir)).toEqual({ BROKER_NODES: '3', OPERATOR_TOKEN: 'abc', READER_TOKEN: 'def' });
    writeFileSync(path.join(dir, 'system.env'), 'STREAM_PARTITIONS=3\nORDER_URLS=http://127.0.0.1:8081,http://127.0.0.1:8082,http://127.0.0.1:8083\n');
    expect(readRunEnv(dir)).toMatchObject({ BROKER_NODES: '3', STREAM_PARTITIONS: '3', ORDER_URLS: 'http://127.0.0.1:8081,http://127.0.0.1:8082,http://127.0.0.1:8083' });
  });
});
