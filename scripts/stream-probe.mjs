#!/usr/bin/env node
// Readiness probe for RabbitMQ streams: succeeds only when the stream port accepts a real client
// connection (authenticated, peer properties exchanged) from a broker with single active consumer
// for streams (3.11+). Prints one line saying why not, unless --quiet.
//   node scripts/stream-probe.mjs [--quiet]
import { connect } from 'rabbitmq-stream-js-client';

const quiet = process.argv.includes('--quiet');
const host = process.env.RABBITMQ_HOST ?? '127.0.0.1';
const port = Number(process.env.RABBITMQ_STREAM_PORT ?? 5552);
const user = process.env.RABBITMQ_USER ?? 'guest';
const password = process.env.RABBITMQ_PASSWORD ?? 'guest';
const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? `http://${host}:15672`;

function say(line) {
  if (!quiet) console.log(line);
}

function supportsSac(version) {
  const [major, minor] = String(version).split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 11);
}

async function managementVersion() {
  try {
    const response = await fetch(`${managementUrl}/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return undefined;
    return (await response.json()).rabbitmq_version;
  } catch {
    return undefined;
  }
}

const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref());
try {
  const client = await Promise.race([
    connect({ hostname: host, port, username: user, password, vhost: '/', connectionName: 'readiness-probe' }),
    timeout,
  ]);
  const version = client.rabbitManagementVersion;
  await client.close().catch(() => undefined);
  if (!supportsSac(version)) {
    say(`RabbitMQ ${version} on ${host}:${port} is older than 3.11: no single active consumer for streams`);
    process.exit(2);
  }
  say(`RabbitMQ ${version} accepts stream connections on ${host}:${port}`);
  process.exit(0);
} catch (error) {
  const version = await managementVersion();
  if (version && !supportsSac(version)) {
    say(`RabbitMQ ${version} on ${host} is older than 3.11: no single active consumer for streams`);
    process.exit(2);
  }
  say(`no usable RabbitMQ stream endpoint on ${host}:${port}: ${error?.message ?? error}`);
  process.exit(1);
}
