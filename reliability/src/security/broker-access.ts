/**
 * The stream protocol with each service's own RabbitMQ user (.run/credentials.env): order-service reads the
 * system's stream (the control) but cannot publish to it, declare a stream or delete one; customer-service
 * cannot read, write or delete another application's stream (one the operator makes for the probe, and deletes
 * after); guest is gone. Streams the probes touch are the probe's own, or the system's read only.
 */
import { randomUUID } from 'node:crypto';
import { withTimeout } from '@demo/async';
import { connect, Offset, type Client } from 'rabbitmq-stream-js-client';
import { attempt, probe, type Probe } from './probe.js';

export interface BrokerTarget {
  host: string;
  port: number;
  vhost: string;
  /** The system's stream. */
  stream: string;
  operator: { user: string; password: string };
  customerService: { user: string; password: string };
  orderService: { user: string; password: string };
}

const silent = { debug() {}, info() {}, verbose() {}, warn() {}, error() {} };

/** connect()'s rejection when the broker refuses the login (patched client: the handshake's failure fails connect). */
const LOGIN_REFUSAL = /Unable Authenticate/;

function open(target: BrokerTarget, account: { user: string; password: string }): Promise<Client> {
  return withTimeout(
    connect(
      {
        hostname: target.host,
        port: target.port,
        username: account.user,
        password: account.password,
        vhost: target.vhost,
        connectionName: `security-probe-${account.user}`,
        addressResolver: { enabled: true, endpoint: { host: target.host, port: target.port } },
      },
      silent,
    ),
    5_000,
    `stream connect as ${account.user}`,
  );
}

/** A refusal by the broker: access refused (response code 16). */
const REFUSED = /code 16\b|access.?refused/i;

export async function checkBrokerAccess(target: BrokerTarget): Promise<Probe[]> {
  const probes: Probe[] = [];
  const refused = (area: string, tried: string, outcome: Awaited<ReturnType<typeof attempt>>) =>
    probes.push(probe(area, tried, 'refused', outcome.ok ? 'allowed' : `refused: ${outcome.error}`, !outcome.ok && REFUSED.test(outcome.error)));
  const id = randomUUID().slice(0, 8);
  const ours = `customer-security-probe-${id}`;
  const foreign = `audit-security-probe-${id}`;

  const guest = await attempt(async () => (await open(target, { user: 'guest', password: 'guest' })).close());
  probes.push(
    probe('RabbitMQ', 'guest/guest connects', 'refused (no such user)', guest.ok ? 'allowed' : `refused: ${guest.error}`, !guest.ok && LOGIN_REFUSAL.test(guest.error)),
  );

  const operator = await open(target, target.operator);
  const clients: Client[] = [operator];
  try {
    await operator.createStream({ stream: ours, arguments: {} });
    await operator.createStream({ stream: foreign, arguments: {} });

    // order-service
    const order = await attempt(() => open(target, target.orderService));
    probes.push(probe('RabbitMQ', `order-service connects`, 'allowed', order.ok ? 'allowed' : `refused: ${order.error}`, order.ok));
    if (order.ok) {
      const client = order.value as Client;
      clients.push(client);
      const read = await attempt(() => client.declareConsumer({ stream: target.stream, offset: Offset.next() }, () => undefined));
      probes.push(probe('RabbitMQ', `order-service reads stream ${target.stream}`, 'allowed (its job)', read.ok ? 'allowed' : `refused: ${read.error}`, read.ok));
      refused('RabbitMQ', `order-service declares a publisher on ${target.stream}`, await attempt(() => client.declarePublisher({ stream: target.stream })));
      refused('RabbitMQ', `order-service declares a stream (${ours}-2)`, await attempt(() => client.createStream({ stream: `${ours}-2`, arguments: {} })));
      refused('RabbitMQ', `order-service deletes a stream (${ours})`, await attempt(() => client.deleteStream({ stream: ours })));
    }

    // customer-service
    const customer = await attempt(() => open(target, target.customerService));
    probes.push(probe('RabbitMQ', `customer-service connects`, 'allowed', customer.ok ? 'allowed' : `refused: ${customer.error}`, customer.ok));
    if (customer.ok) {
      const client = customer.value as Client;
      clients.push(client);
      refused('RabbitMQ', `customer-service reads another application's stream (${foreign})`, await attempt(() => client.declareConsumer({ stream: foreign, offset: Offset.first() }, () => undefined)));
      refused('RabbitMQ', `customer-service publishes to it`, await attempt(() => client.declarePublisher({ stream: foreign })));
      refused('RabbitMQ', `customer-service deletes it`, await attempt(() => client.deleteStream({ stream: foreign })));
      refused('RabbitMQ', `customer-service declares a stream outside customer* (${foreign}-2)`, await attempt(() => client.createStream({ stream: `${foreign}-2`, arguments: {} })));
    }
  } finally {
    for (const stream of [ours, foreign, `${ours}-2`, `${foreign}-2`]) await operator.deleteStream({ stream }).catch(() => undefined);
    for (const client of clients) await withTimeout(client.close(), 5_000, 'close').catch(() => undefined);
  }
  return probes;
}
