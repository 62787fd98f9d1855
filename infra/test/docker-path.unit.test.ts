/**
 * scripts/infra.sh on the Docker path (INFRA=docker forces it), with a fake `docker` first on PATH that
 * records its arguments: each verb the chaos suite and the tests use must map to the right compose
 * call, on one node and on the compose cluster (BROKER_NODES=3: the profile `cluster`). No Docker
 * engine runs on the development machines; this is what proves scripts/infra/docker.sh.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'docker-path-'));
  const fake = path.join(dir, 'bin', 'docker');
  spawnSync('mkdir', ['-p', path.dirname(fake)]);
  writeFileSync(
    fake,
    [
      '#!/usr/bin/env bash',
      'printf "%s\\n" "$*" >>"$FAKE_DOCKER_LOG"',
      'case "$*" in *"rabbitmq-streams stream_status"*) printf "%s" "$FAKE_STREAM_STATUS" ;; esac',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs scripts/infra.sh with the fake docker; returns its exit code, output and the docker calls it made. */
function infra(args: string[], env: Record<string, string> = {}) {
  const log = path.join(dir, 'docker.log');
  const result = spawnSync('bash', [path.join(repo, 'scripts/infra.sh'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: {
      PATH: [path.join(dir, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      HOME: dir,
      INFRA: 'docker',
      RUN_DIR: path.join(dir, 'run'),
      FAKE_DOCKER_LOG: log,
      FAKE_STREAM_STATUS: '[]',
      ...env,
    },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
  return { code: result.status, output: `${result.stdout}${result.stderr}`, calls };
}

const one = { BROKER_NODES: '1' };
const cluster = { BROKER_NODES: '3' };

describe('scripts/infra.sh on the Docker path', () => {
  it.each([
    [['down'], one, 'compose stop'],
    [['down'], cluster, 'compose --profile cluster stop'],
    [['clean'], one, 'compose --profile cluster down -v'],
    [['status'], one, 'compose ps'],
    [['status'], cluster, 'compose --profile cluster ps'],
    [['rabbitmq-stop'], one, 'compose stop rabbitmq'],
    [['rabbitmq-stop'], cluster, 'compose --profile cluster stop rabbitmq rabbitmq-2 rabbitmq-3'],
    [['rabbitmq-stop', '2'], cluster, 'compose --profile cluster stop rabbitmq-2'],
    [['rabbitmq-start'], one, 'compose up -d --wait rabbitmq'],
    [['rabbitmq-start'], cluster, 'compose --profile cluster up -d --wait rabbitmq rabbitmq-2 rabbitmq-3'],
    [['rabbitmq-start', '3'], cluster, 'compose --profile cluster up -d --wait rabbitmq-3'],
    [['rabbitmq-kill', '1'], cluster, 'compose --profile cluster kill -s KILL rabbitmq'],
    [['rabbitmq-kill', '2'], cluster, 'compose --profile cluster kill -s KILL rabbitmq-2'],
    [['rabbitmq-pause', '3'], cluster, 'compose --profile cluster pause rabbitmq-3'],
    [['rabbitmq-resume', '3'], cluster, 'compose --profile cluster unpause rabbitmq-3'],
    [['postgres-stop'], cluster, 'compose stop postgres'],
    [['postgres-start'], cluster, 'compose up -d --wait postgres'],
    [['postgres-crash'], cluster, 'compose kill -s KILL postgres'],
    [['restart-stream', 'customer'], cluster, 'compose exec -T rabbitmq rabbitmq-streams restart_stream customer'],
  ])('%j with %j runs docker %s', (args, env, call) => {
    // When
    const { code, output, calls } = infra(args, env);
    // Then
    expect(code, output).toBe(0);
    expect(calls).toEqual([call]);
  });

  it("up makes compose's env files, starts PostgreSQL and node 1, makes the accounts, and hands the operator to the clients in RUN_DIR", () => {
    // When (PROJECT_DIR: where .run/ is, instead of the repository's)
    const { code, output, calls } = infra(['up'], { ...one, PROJECT_DIR: dir });
    // Then
    expect(code, output).toBe(0);
    expect(calls).toEqual(['compose up -d --wait postgres rabbitmq', 'compose run --rm rabbitmq-accounts']);
    const credentials = readFileSync(path.join(dir, '.run', 'credentials.env'), 'utf8');
    const operator = /^OPERATOR_RABBITMQ_PASSWORD=(\w+)$/m.exec(credentials)?.[1];
    expect(operator).toMatch(/^[0-9a-f]{48}$/);
    expect(readFileSync(path.join(dir, 'run', 'infra.env'), 'utf8')).toBe(`RABBITMQ_USER=operator\nRABBITMQ_PASSWORD=${operator}\n`);
    expect(statSync(path.join(dir, 'run', 'infra.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, '.run', 'compose', 'rabbitmq-accounts.env'), 'utf8')).toContain(`OPERATOR_RABBITMQ_PASSWORD=${operator}\n`);
  });

  it('up refuses a cluster, which runs entirely in containers, and says how to start it', () => {
    const { code, output, calls } = infra(['up'], cluster);
    expect(code).not.toBe(0);
    expect(output).toContain('docker compose --env-file infra/rabbitmq/cluster.env up --build');
    expect(calls).toEqual([]);
  });

  it.each([
    ['rabbit@rabbitmq-2', '2'],
    ['rabbit@rabbitmq-3', '3'],
    ['rabbit@rabbitmq', '1'],
  ])('stream-leader reads the writer %s out of stream_status on node 1: node %s', (writer, node) => {
    // Given the members as rabbitmq-streams reports them
    const status = JSON.stringify(
      ['rabbit@rabbitmq', 'rabbit@rabbitmq-2', 'rabbit@rabbitmq-3'].map((name) => ({ node: name, role: name === writer ? 'writer' : 'replica' })),
    );
    // When
    const { code, output, calls } = infra(['stream-leader', 'customer'], { ...cluster, FAKE_STREAM_STATUS: status });
    // Then
    expect(code, output).toBe(0);
    expect(output.trim()).toBe(node);
    expect(calls).toEqual(['compose exec -T rabbitmq rabbitmq-streams stream_status customer --formatter json']);
  });

  it('stream-leader fails while the stream has no writer (an election)', () => {
    const { code } = infra(['stream-leader', 'customer'], { ...cluster, FAKE_STREAM_STATUS: JSON.stringify([{ node: 'rabbit@rabbitmq', role: 'replica' }]) });
    expect(code).not.toBe(0);
  });

  it.each([
    [['rabbitmq-kill'], /node number/],
    [['rabbitmq-kill', '4'], /nodes 1 to 3/],
    [['restart-stream'], /stream name/],
    [['no-such-verb'], /usage|rabbitmq-stop/],
  ])('refuses %j without calling docker', (args, message) => {
    const { code, output, calls } = infra(args, cluster);
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
    expect(calls).toEqual([]);
  });
});
