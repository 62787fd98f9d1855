import { connect as tlsConnect } from 'node:tls';
import { connect, type Client } from 'rabbitmq-stream-js-client';
import type { PublishConfirmResponse } from 'rabbitmq-stream-js-client/dist/responses/publish_confirm_response.js';
import type { PublishErrorResponse } from 'rabbitmq-stream-js-client/dist/responses/publish_error_response.js';
import { backoffDelay, errorMessage, sleep, withTimeout } from '@demo/async';
import { supportsSingleActiveConsumer } from './broker-version.js';
import { silentLogger, type StreamLogger } from './logger.js';
import { socketsOf } from './client-internals.js';

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * TLS for every connection of a client (the locator, publishers, consumers), to the broker's TLS stream
 * listener (`stream.listeners.ssl.default`, 5551 by convention). PEM contents, not file names.
 */
export interface StreamTls {
  /** The CAs that may sign the broker's certificate; Node's default CAs when absent. */
  ca?: string;
  /** A client certificate and its key, for a broker that asks for one (mutual TLS). */
  cert?: string;
  key?: string;
  /** false: encrypt without checking the certificate (testing only). */
  rejectUnauthorized: boolean;
}

export interface StreamSettings {
  /**
   * The broker's stream port: one node, or a load balancer in front of a cluster. Publishers and
   * consumers connect through it too (the client checks that it reached the node it wanted).
   */
  host: string;
  port: number;
  /**
   * The nodes of a cluster, when clients reach each node at the address it advertises: the client
   * connects to any live one of them, then publishers to the stream's leader and consumers to a
   * replica, at their advertised host and port. Overrides host and port.
   */
  nodes?: Endpoint[];
  user: string;
  password: string;
  vhost?: string;
  /** Shown in the management UI's connection list. */
  connectionName: string;
  /** connect() of the client can hang (e.g. on bad credentials): give up after this long. */
  connectTimeoutMs?: number;
  heartbeatSeconds?: number;
  /** TLS on every connection; plain TCP when absent. */
  tls?: StreamTls;
}

/** Something that must be (re)declared on every new client: publishers, consumers, streams. */
export type ReadyHook = (client: Client) => Promise<void>;

export type ConfirmListener = (publisherId: number, publishingIds: bigint[]) => void;
export type PublishErrorListener = (publisherId: number, publishingId: bigint, code: number) => void;

export interface StreamConnection {
  /** Starts connecting in the background; reconnects with backoff for as long as it is open. */
  start(): void;
  /** Resolves with the current client once connected (waits through reconnects). */
  ready(signal?: AbortSignal): Promise<Client>;
  readonly isConnected: boolean;
  /** Rejects if the connection gives up for good (a broker without single active consumer); never resolves. */
  readonly fatal: Promise<never>;
  /** Runs on every new connection, in registration order; a failing hook triggers a reconnect. */
  onReady(hook: ReadyHook): () => void;
  onLost(listener: (reason: string) => void): () => void;
  /** Confirms of every publisher on this client, keyed by the publisher's connection. */
  onConfirm(connectionId: string, listener: ConfirmListener, onError: PublishErrorListener): () => void;
  /** Drops the current client and connects anew (used when a publisher or consumer is found broken). */
  reconnect(reason: string): void;
  /**
   * For a publisher or consumer declared on `client`: pass as its `connectionClosedListener`. When
   * that entity's own connection closes (the client does not tell the locator connection), the
   * client is replaced and every entity declared again by the ready hooks, from where it stood.
   */
  entityClosedListener(client: Client, entity: string): () => void;
  close(): Promise<void>;
}

export class UnsupportedBrokerError extends Error {}

/** How long the locator connection may fail to answer a metadata query before the client is dropped. */
const LIVENESS_TIMEOUT_MS = 5_000;

/** How long the ready hooks (declaring the stream, the publisher, the consumer) may take on a new client. */
const HOOK_TIMEOUT_MS = 30_000;

/**
 * Wraps rabbitmq-stream-js-client's Client, which neither reconnects nor times out connects:
 * one live client at a time, replaced as a whole (and every publisher and consumer declared again
 * by the ready hooks) whenever any of its connections closes or the broker closes one of its
 * entities. A service keeps one connection per entity, so replacing the client recreates exactly
 * the entity that was lost.
 *
 * What closes an entity, and how each is noticed here:
 * - the locator connection closes: the client's `connection_closed` listener;
 * - a publisher's or consumer's own connection closes (they have their own sockets):
 *   `entityClosedListener`, passed as the entity's `connectionClosedListener`;
 * - the broker closes the entity but not the connection (a `metadata_update`: the stream was
 *   restarted, its leader moved, a member left): the `metadata_update` listener;
 * - the broker stops answering (a stalled node, a half-open socket; the client's own heartbeat
 *   then waits for ever on its close request): a metadata query every `heartbeatSeconds`, with a
 *   timeout.
 */
export function createStreamConnection(settings: StreamSettings, logger: StreamLogger = silentLogger): StreamConnection {
  const connectTimeoutMs = settings.connectTimeoutMs ?? 5_000;
  let client: Client | undefined;
  /** True once every ready hook has run on the current client (the stream is declared, ...). */
  let hooksDone = false;
  let generation = 0;
  let currentEndpoint = `${settings.host}:${settings.port}`;
  let closed = false;
  let started = false;
  let connecting: Promise<void> | undefined;
  let brokerVersion: string | undefined;
  const hooks: ReadyHook[] = [];
  const lostListeners = new Set<(reason: string) => void>();
  const confirmListeners = new Map<string, { confirm: ConfirmListener; error: PublishErrorListener }>();
  let readyWaiters: Array<(client: Client) => void> = [];

  function onConfirmFrame(confirm: PublishConfirmResponse, connectionId: string) {
    confirmListeners.get(connectionId)?.confirm(confirm.publisherId, confirm.publishingIds);
  }
  function onErrorFrame(error: PublishErrorResponse, connectionId: string) {
    const { publishingId, code } = error.publishingError;
    confirmListeners.get(connectionId)?.error(error.publisherId, publishingId, code);
  }

  const nodes = settings.nodes && settings.nodes.length > 0 ? settings.nodes : undefined;

  /** `attempt`: tries the nodes of a cluster in turn. */
  async function openClient(myGeneration: number, attempt: number): Promise<Client> {
    const endpoint = nodes ? nodes[attempt % nodes.length]! : { host: settings.host, port: settings.port };
    currentEndpoint = `${endpoint.host}:${endpoint.port}`;
    const lost = (hadError: boolean) => {
      if (myGeneration === generation && !closed) drop(`connection closed${hadError ? ' with an error' : ''}`);
    };
    if (settings.tls) await tlsHandshake(endpoint, settings.tls, connectTimeoutMs);
    const pending = connect(
      {
        hostname: endpoint.host,
        port: endpoint.port,
        username: settings.user,
        password: settings.password,
        vhost: settings.vhost ?? '/',
        heartbeat: settings.heartbeatSeconds ?? 10,
        connectionName: settings.connectionName,
        // The client passes these to every connection it opens (tls.connect), publishers' and consumers' too.
        ...(settings.tls ? { ssl: settings.tls } : {}),
        // One address: publisher and consumer connections go to it, not to the host the broker
        // advertises (a compose service name the host cannot resolve, or a load balancer's
        // backend); the client still checks that it reached the node it wanted. A list of nodes:
        // the client connects to the advertised address of the node it wants.
        ...(nodes ? {} : { addressResolver: { enabled: true, endpoint } }),
        listeners: {
          connection_closed: lost,
          publish_confirm: onConfirmFrame,
          publish_error: onErrorFrame,
          // Sent on every connection that holds a publisher or consumer of the stream; the client
          // closes those entities itself (without telling its caller).
          metadata_update: (update) => {
            if (myGeneration !== generation || closed) return;
            const { stream, code } = update.metadataInfo;
            drop(`metadata update for stream "${stream}" (code ${code}): the broker closed its publishers and consumers`);
          },
        },
      },
      clientLogger(logger),
    );
    // A connect that times out may still succeed later: close that orphan when it does.
    pending.then(
      (late) => {
        if (myGeneration !== generation || closed) void late.close().catch(() => undefined);
      },
      () => undefined,
    );
    return withTimeout(pending, connectTimeoutMs, `stream connect to ${currentEndpoint}`);
  }

  async function connectLoop(): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      const myGeneration = ++generation;
      try {
        const fresh = await openClient(myGeneration, attempt);
        if (closed || myGeneration !== generation) {
          await fresh.close().catch(() => undefined);
          continue;
        }
        brokerVersion = fresh.rabbitManagementVersion;
        if (!supportsSingleActiveConsumer(brokerVersion ?? '')) {
          await fresh.close().catch(() => undefined);
          throw new UnsupportedBrokerError(
            `RabbitMQ ${brokerVersion ?? '(unknown version)'} at ${currentEndpoint} has no single active consumer for streams (needs 3.11 or newer)`,
          );
        }
        client = fresh;
        hooksDone = false;
        // A hook's request can wait for ever (the client fails no pending request when a socket
        // closes): bounded, a hung hook is a failed connect, retried like any other.
        for (const hook of hooks) await withTimeout(hook(fresh), HOOK_TIMEOUT_MS, 'declaring on the new connection');
        if (myGeneration !== generation) continue; // lost while running hooks: go round again
        hooksDone = true;
        watchLiveness(fresh, myGeneration);
        logger.info({ broker: currentEndpoint, brokerVersion, attempt }, 'stream connection ready');
        const waiters = readyWaiters;
        readyWaiters = [];
        for (const resolve of waiters) resolve(fresh);
        return;
      } catch (error) {
        if (error instanceof UnsupportedBrokerError) throw error;
        const stale = client;
        client = undefined;
        if (stale) discard(stale);
        const delay = backoffDelay(attempt, 200, 5_000);
        logger.warn({ err: errorMessage(error), attempt, retryInMs: delay }, 'stream connection failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** A metadata query every heartbeat interval; no answer within the timeout drops the client. */
  function watchLiveness(watched: Client, myGeneration: number) {
    const everyMs = (settings.heartbeatSeconds ?? 10) * 1_000;
    const timer = setInterval(() => {
      if (myGeneration !== generation || closed) {
        clearInterval(timer);
        return;
      }
      withTimeout(watched.queryMetadata({ streams: [LIVENESS_PROBE_STREAM] }), LIVENESS_TIMEOUT_MS, 'metadata query').catch(
        (error: unknown) => {
          clearInterval(timer);
          if (myGeneration === generation && !closed) drop(`broker does not answer: ${errorMessage(error)}`);
        },
      );
    }, everyMs);
    timer.unref();
  }

  function ensureConnecting() {
    if (connecting || closed) return;
    connecting = connectLoop()
      .catch((error: unknown) => {
        logger.error({ err: errorMessage(error) }, 'stream connection gave up');
        fatal = error;
        rejectFatal(error);
        const waiters = readyWaiters;
        readyWaiters = [];
        for (const resolve of waiters) resolve(undefined as unknown as Client);
      })
      .finally(() => {
        connecting = undefined;
      });
  }
  let fatal: unknown;
  let rejectFatal: (error: unknown) => void = () => undefined;
  const fatalPromise = new Promise<never>((_, reject) => {
    rejectFatal = reject;
  });
  fatalPromise.catch(() => undefined); // observed by whoever asks for it

  function drop(reason: string) {
    const stale = client;
    client = undefined;
    hooksDone = false;
    generation++;
    logger.warn({ reason }, 'stream connection lost; reconnecting');
    for (const listener of lostListeners) listener(reason);
    if (stale) discard(stale);
    ensureConnecting();
  }

  return {
    start() {
      started = true;
      ensureConnecting();
    },
    async ready(signal) {
      if (!started) this.start();
      if (client && hooksDone) return client;
      if (fatal) throw fatal;
      const got = await new Promise<Client | undefined>((resolve, reject) => {
        readyWaiters.push(resolve);
        signal?.addEventListener('abort', () => reject(new Error('aborted while waiting for the stream connection')), {
          once: true,
        });
      });
      if (!got) throw fatal ?? new Error('stream connection closed');
      return got;
    },
    get isConnected() {
      return client !== undefined && hooksDone;
    },
    fatal: fatalPromise,
    onReady(hook) {
      hooks.push(hook);
      if (client) void hook(client).catch((error: unknown) => drop(`ready hook failed: ${errorMessage(error)}`));
      return () => {
        const index = hooks.indexOf(hook);
        if (index >= 0) hooks.splice(index, 1);
      };
    },
    onLost(listener) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    onConfirm(connectionId, confirm, error) {
      confirmListeners.set(connectionId, { confirm, error });
      return () => confirmListeners.delete(connectionId);
    },
    reconnect(reason) {
      if (!closed) drop(reason);
    },
    entityClosedListener(owner, entity) {
      return () => {
        if (owner === client && !closed) drop(`${entity} connection closed`);
      };
    },
    async close() {
      closed = true;
      generation++;
      const current = client;
      client = undefined;
      hooksDone = false;
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const resolve of waiters) resolve(undefined as unknown as Client);
      if (current) await withTimeout(current.close(), 5_000, 'stream client close').catch(() => undefined);
    },
  };
}

/**
 * A TLS handshake with the node, closed at once: a certificate the client does not trust, or a port that does
 * not speak TLS, becomes a connect failure that names the cause (and is retried like any other). The client
 * itself would write its first frames on the socket before the handshake failed, and leave the failed write's
 * rejection unhandled (EBADF), which ends a service.
 */
async function tlsHandshake(endpoint: Endpoint, tls: StreamTls, timeoutMs: number): Promise<void> {
  const socket = tlsConnect({ host: endpoint.host, port: endpoint.port, ...tls });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', () => resolve());
        socket.once('error', (error) => reject(new Error(`TLS handshake with ${endpoint.host}:${endpoint.port} failed: ${error.message}`)));
      }),
      timeoutMs,
      `TLS handshake with ${endpoint.host}:${endpoint.port}`,
    );
  } finally {
    socket.destroy();
  }
}

/** Any name works: the answer (stream does not exist) proves the broker is there. */
const LIVENESS_PROBE_STREAM = '__liveness_probe__';

/**
 * Closes a client that is being replaced without waiting for it: its close request may never be
 * answered (a stalled broker), so its sockets are destroyed once the close had a moment.
 */
function discard(stale: Client) {
  const sockets = socketsOf(stale);
  void withTimeout(stale.close(), 2_000, 'stream client close')
    .catch(() => undefined)
    .finally(() => {
      for (const socket of sockets) socket.destroy();
    });
}


/** The client logs through this interface; route it to ours at debug level (it is chatty). */
function clientLogger(logger: StreamLogger) {
  return {
    debug: () => undefined,
    info: () => undefined,
    verbose: () => undefined,
    warn: (message: string) => logger.debug({ source: 'rabbitmq-stream-js-client' }, message),
    error: (message: string) => logger.debug({ source: 'rabbitmq-stream-js-client' }, message),
  };
}
