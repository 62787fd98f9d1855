/**
 * infra/rabbitmq/accounts.sh, the compose path's RabbitMQ accounts step, with a fake `rabbitmqctl` first on PATH
 * that records its arguments: which users it makes, with which passwords, tags and permissions, on which node
 * with which cookie, and that guest goes. No Docker engine runs on the development machines.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rabbitmq-accounts-'));
  mkdirSync(path.join(dir, 'bin'));
  const fake = path.join(dir, 'bin', 'rabbitmqctl');
  writeFileSync(
    fake,
    ['#!/usr/bin/env bash', 'printf "%s\\n" "$*" >>"$FAKE_LOG"', 'case "$*" in *list_users*) printf "%b" "$FAKE_USERS" ;; esac'].join('\n'),
  );
  chmodSync(fake, 0o755);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const passwords = {
  OPERATOR_RABBITMQ_PASSWORD: 'operator-secret',
  CUSTOMER_SERVICE_RABBITMQ_PASSWORD: 'customer-secret',
  ORDER_SERVICE_RABBITMQ_PASSWORD: 'order-secret',
  RABBITMQ_ERLANG_COOKIE: 'the-cookie',
};

function accounts(env: Record<string, string>, users = 'guest\t[administrator]\n') {
  const log = path.join(dir, 'calls.log');
  const result = spawnSync('bash', [path.join(repo, 'infra/rabbitmq/accounts.sh')], {
    encoding: 'utf8',
    env: { PATH: [path.join(dir, 'bin'), '/usr/bin', '/bin'].join(':'), FAKE_LOG: log, FAKE_USERS: users, ...env },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  // Every call names the node and the cookie; the rest is the command.
  const prefix = `--erlang-cookie ${env.RABBITMQ_ERLANG_COOKIE} -n ${env.RABBITMQ_NODE ?? 'rabbit@rabbitmq'} `;
  return { code: result.status, output: `${result.stdout}${result.stderr}`, calls, commands: calls.map((call) => (call.startsWith(prefix) ? call.slice(prefix.length) : `!${call}`)) };
}

describe('infra/rabbitmq/accounts.sh', () => {
  it('waits for the node, makes the three users with their passwords, tags and permissions, and deletes guest', () => {
    // When
    const { code, output, commands } = accounts(passwords);
    // Then
    expect(code, output).toBe(0);
    expect(commands).toEqual([
      'await_startup --timeout 120',
      'list_users --quiet --no-table-headers',
      'add_user operator operator-secret',
      'set_user_tags operator administrator',
      "set_permissions -p / operator .* .* .*",
      'add_user customer-service customer-secret',
      'set_user_tags customer-service',
      'set_permissions -p / customer-service ^customer.* ^customer.* ^customer.*',
      'add_user order-service order-secret',
      'set_user_tags order-service',
      'set_permissions -p / order-service ^$ ^$ ^customer.*',
      'delete_user guest',
    ]);
  });

  it('changes the passwords of users that exist, and leaves a broker without guest as it is', () => {
    const { code, commands } = accounts({ ...passwords, RABBITMQ_NODE: 'rabbit@elsewhere' }, 'operator\t[administrator]\norder-service\t[]\n');
    expect(code).toBe(0);
    expect(commands).toContain('change_password operator operator-secret');
    expect(commands).toContain('add_user customer-service customer-secret');
    expect(commands).toContain('change_password order-service order-secret');
    expect(commands.filter((command) => command.startsWith('delete_user'))).toEqual([]);
  });

  it.each(Object.keys(passwords))('stops before calling the broker when %s is missing, and says how to make it', (missing) => {
    const env: Record<string, string> = { ...passwords };
    delete env[missing];
    const { code, output, calls } = accounts(env);
    expect(code).not.toBe(0);
    expect(output).toContain(`${missing} is not set: run make compose-secrets`);
    expect(calls).toEqual([]);
  });
});
