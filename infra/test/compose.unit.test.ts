/**
 * Static checks of docker-compose.yml and what it mounts, builds and scrapes. No Docker engine runs on the
 * development machines, so this is what proves the compose path consistent with the code: exact image
 * tags, environment variables the services really read, health checks, files that exist, Prometheus
 * targets that match the compose services, and a dashboard that only queries metrics the services declare.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AuthEnv, CommonEnv, loadConfig, serviceEnv } from '@demo/service-kit/config';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
const readYaml = <T>(file: string) => parse(read(file), { merge: true }) as T;

interface Healthcheck {
  test?: string[] | string;
}
interface ComposeService {
  image?: string;
  hostname?: string;
  profiles?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  restart?: string;
  command?: string[];
  env_file?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');
const services = compose.services;

/** Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME-default}` with the given variables. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_whole, name: string, operator?: string, fallback?: string) => {
    const set = vars[name];
    if (operator === ':-') return set === undefined || set === '' ? (fallback ?? '') : set;
    if (operator === '-') return set === undefined ? (fallback ?? '') : set;
    return set ?? '';
  });
}
const environmentOf = (service: ComposeService, vars: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), vars)]));

/** `NAME=value` lines of an env file. */
function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').flatMap((line) => (/^\w+=/.test(line) ? [line.split(/=(.*)/s).slice(0, 2) as [string, string]] : [])));
}

/**
 * The env files compose hands to the containers (`env_file`), as infra/compose/secrets.sh makes them: run here
 * in a project directory of its own (PROJECT_DIR), never in the repository's .run/.
 */
const generated = mkdtempSync(path.join(tmpdir(), 'compose-secrets-'));
afterAll(() => rmSync(generated, { recursive: true, force: true }));
execFileSync('bash', [path.join(repo, 'infra/compose/secrets.sh')], { env: { PATH: process.env.PATH ?? '', PROJECT_DIR: generated }, stdio: 'pipe' });
const envFileOf = (file: string): Record<string, string> => parseEnvFile(readFileSync(path.join(generated, file), 'utf8'));
const credentials = envFileOf('.run/credentials.env');
const tokens = envFileOf('.run/tokens.env');

/** What a container's process sees: its env files, then `environment` over them (compose's precedence). */
const containerEnvOf = (service: ComposeService, vars: Record<string, string> = {}) => ({
  ...Object.assign({}, ...(service.env_file ?? []).map(envFileOf)) as Record<string, string>,
  ...environmentOf(service, vars),
});

/** Compose services built from the Dockerfile, with the workspace folder their SERVICE build argument names. */
const appServices = Object.entries(services)
  .filter(([, service]) => service.build)
  .map(([name, service]) => ({ name, service, workspace: service.build!.args?.SERVICE ?? '(no SERVICE build argument)' }));

/** `KEY=value` settings of a rabbitmq.conf (sysctl format). */
function rabbitConf(file: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const line of read(file).split('\n')) {
    const match = /^\s*([\w.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && !line.trimStart().startsWith('#')) settings[match[1]!] = match[2]!;
  }
  return settings;
}
const localRabbit = rabbitConf('infra/rabbitmq/rabbitmq.conf');
const composeRabbit = { ...localRabbit, ...rabbitConf('infra/rabbitmq/rabbitmq.compose.conf') };

/** The variables a service reads: the keys of its `Env` object in src/config.ts (`...CommonEnv` and `...serviceEnv(...)` expanded). */
function envKeysOf(workspace: string): Set<string> {
  const source = read(`${workspace}/src/config.ts`);
  const body = /export const Env = \{([\s\S]*?)\n\};/.exec(source)?.[1];
  if (!body) throw new Error(`${workspace}/src/config.ts has no "export const Env = { ... };"`);
  const keys = new Set([...body.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((match) => match[1]!));
  if (body.includes('...CommonEnv')) for (const key of Object.keys(CommonEnv)) keys.add(key);
  if (body.includes('...serviceEnv(')) for (const key of Object.keys(serviceEnv({ port: 1, database: 'x' }))) keys.add(key);
  return keys;
}

/** Every *.ts file under a folder. */
function sourcesUnder(dir: string): string[] {
  const absolute = path.join(repo, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(absolute, file));
}

/** Metric names the services declare (`name: '...'` in their or the libraries' sources) plus prom-client's defaults. */
function declaredMetrics(): Set<string> {
  const names = new Set<string>();
  const dirs = ['customer-service/src', 'order-service/src', ...readdirSync(path.join(repo, 'lib')).map((lib) => `lib/${lib}/src`)];
  for (const file of dirs.flatMap(sourcesUnder)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bname:\s*['"`]([a-z_:][a-z0-9_:]*)['"`]/g)) names.add(match[1]!);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) names.add(metric.name);
  return names;
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** Metric names a PromQL expression selects (label matchers, ranges, grouping and functions removed). */
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  return [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((match) => !match[2] && !PROMQL_KEYWORDS.has(match[1]!.toLowerCase()))
    .map((match) => match[1]!);
}

/** host:port of a URL-ish string. */
function hostPort(url: string) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** Exact version tags: three numeric parts (x.y.z), or two for PostgreSQL, whose releases are major.minor. */
function isExactTag(image: string): boolean {
  const match = /^(?<repo>[a-z0-9][a-z0-9._/-]*):(?<tag>[^@\s]+)$/.exec(image);
  if (!match?.groups) return false;
  const { repo: name, tag } = match.groups as { repo: string; tag: string };
  const version = /^v?(\d+(?:\.\d+)*)(?:-[a-z0-9.-]+)?$/.exec(tag)?.[1];
  if (!version) return false;
  const parts = version.split('.').length;
  return name === 'postgres' ? parts >= 2 : parts >= 3;
}

/** The Dockerfile a compose service is built from, as docker reads it with the service's build arguments. */
function dockerfileOf(service: ComposeService) {
  const { context, dockerfile, args = {} } = service.build!;
  const source = read(path.join(context, dockerfile));
  const text = source.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => args[(braced ?? bare)!] ?? whole);
  const declared = [...source.matchAll(/^ARG (\w+)$/gm)].map((match) => match[1]!);
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return { text, instructions, declared: new Set(declared) };
}

describe('docker-compose.yml', () => {
  it('pins every image, in compose and in the Dockerfiles, to an exact version', () => {
    // Given
    const images = [
      ...Object.values(services).flatMap((service) => (service.image ? [service.image] : [])),
      ...appServices.flatMap(({ service }) =>
        dockerfileOf(service)
          .instructions.filter((line) => /^FROM\s/i.test(line))
          .map((line) => line.split(/\s+/)[1]!),
      ),
    ];
    // Then
    expect(images.length).toBeGreaterThanOrEqual(6);
    for (const image of images) expect(isExactTag(image), `${image} is not an exact version`).toBe(true);
    expect(services.rabbitmq?.image).toMatch(/^rabbitmq:4\.\d+\.\d+-management$/);
    expect(services.postgres?.image).toMatch(/^postgres:15\.\d+/);
    // And the check itself refuses floating tags.
    for (const floating of ['rabbitmq:4-management', 'postgres:15', 'node:20-slim', 'grafana/grafana:latest', 'prom/prometheus']) {
      expect(isExactTag(floating), floating).toBe(false);
    }
  });

  it('gives every service a health check, and runs the one-shot ones before what needs them', () => {
    for (const [name, service] of Object.entries(services).filter(([, s]) => s.restart !== 'no')) {
      expect(service.healthcheck?.test, `${name} has no health check`).toBeDefined();
      expect(service.restart, `${name} has no restart policy`).toBe('unless-stopped');
    }
    const oneShot = Object.keys(services).filter((name) => services[name]!.restart === 'no');
    expect(oneShot).toEqual(['rabbitmq-accounts']);
    for (const { name, service } of appServices) {
      expect(service.depends_on?.['rabbitmq-accounts']?.condition, `${name} starts once the accounts exist`).toBe('service_completed_successfully');
    }
  });

  it('checks the stream port itself for RabbitMQ and the application login for PostgreSQL', () => {
    const rabbit = services.rabbitmq!.healthcheck!.test as string[];
    expect(rabbit.join(' ')).toContain(localRabbit['stream.listeners.tcp.default']!);
    expect(rabbit.join(' ')).toContain('stream-healthcheck.sh');
    expect(read('infra/rabbitmq/stream-healthcheck.sh')).toContain('check_port_listener');
    const postgres = (services.postgres!.healthcheck!.test as string[]).join(' ');
    expect(postgres).toMatch(/postgresql:\/\/app:app@127\.0\.0\.1:5432\/(customer_db|order_db)/);
  });

  it('mounts and builds only from files and folders that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.')) {
          expect(compose.volumes, `${name} uses the undeclared volume ${source}`).toHaveProperty(source);
          continue;
        }
        expect(existsSync(path.join(repo, source)), `${name} mounts ${source}, which does not exist`).toBe(true);
      }
      if (service.build) {
        expect(existsSync(path.join(repo, service.build.context)), `${name}: build context`).toBe(true);
        expect(existsSync(path.join(repo, service.build.context, service.build.dockerfile)), `${name}: Dockerfile`).toBe(true);
      }
    }
  });

  it('mounts the plugins file and a compose configuration that advertises the stream host by its service name', () => {
    const mounts = services.rabbitmq!.volumes!.join('\n');
    expect(mounts).toContain('./infra/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins');
    const plugins = read('infra/rabbitmq/enabled_plugins');
    for (const plugin of ['rabbitmq_stream', 'rabbitmq_stream_management', 'rabbitmq_prometheus']) {
      expect(plugins).toMatch(new RegExp(`\\b${plugin}\\b`));
    }
    expect(composeRabbit['stream.advertised_host']).toBe('rabbitmq');
    expect(localRabbit['stream.advertised_host']).toBe('127.0.0.1');
  });

  it("creates, in the PostgreSQL init scripts, the databases and each service's own role, with the password it is given", () => {
    const init = readdirSync(path.join(repo, 'infra/postgres'))
      .map((file) => read(`infra/postgres/${file}`))
      .join('\n');
    const postgresEnv = containerEnvOf(services.postgres!);
    for (const { name, service } of appServices) {
      const url = new URL(containerEnvOf(service).DATABASE_URL!);
      const database = url.pathname.slice(1);
      expect(url.hostname, name).toBe('postgres');
      expect(init).toContain(`CREATE DATABASE ${database} OWNER app`);
      expect(init).toMatch(new RegExp(`CREATE ROLE ${url.username} LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'\\w+'`));
      expect(init).toContain(`ALTER DATABASE ${database} OWNER TO ${url.username};`);
      expect(init).toContain(`REVOKE CONNECT, TEMPORARY ON DATABASE ${database} FROM PUBLIC;`);
      expect(init).toContain(`GRANT CONNECT ON DATABASE ${database} TO ${url.username}, app;`);
      // The role's password is the one the service connects with, handed to PostgreSQL's container.
      const variable = `${url.username.toUpperCase()}_DB_PASSWORD`;
      expect(postgresEnv[variable], `${variable} reaches the postgres container`).toBe(decodeURIComponent(url.password));
      expect(read('infra/postgres/02-service-roles.sh')).toContain(`"$${variable}"`);
    }
    // No literal password but the tools' app/app (as on the local path), and the superuser's from the env file.
    expect(init.match(/PASSWORD '[^']*'/g)).toEqual(["PASSWORD 'app'"]);
    expect(services.postgres!.environment ?? {}).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(postgresEnv.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
  });

  it('grants the services on the compose path what the local path grants them', () => {
    // scripts/infra/postgres.sh's pg_service_roles and infra/postgres/02-service-roles.sh
    const local = read('scripts/infra/postgres.sh');
    const compose = read('infra/postgres/02-service-roles.sh');
    // Every statement of the compose path's script but its CREATE ROLEs (made idempotent on the local path), in
    // the same order, with the tools' role as a psql variable there.
    const statements = (text: string) => text.split('\n').filter((line) => /^(ALTER|REVOKE|GRANT|CREATE EXTENSION|\\connect)/.test(line));
    const localStatements = statements(local.replace(/:"app"/g, 'app')).filter((line) => !line.startsWith('ALTER ROLE'));
    expect(localStatements).toEqual(statements(compose));
    expect(local).toContain('ALTER ROLE customer_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD');
    expect(local).toContain('ALTER ROLE order_service LOGIN NOCREATEDB NOCREATEROLE PASSWORD');
    for (const [role, db] of [['customer_service', 'customer_db'], ['order_service', 'order_db']]) {
      expect(compose).toMatch(new RegExp(`\\\\connect ${db}\\nALTER SCHEMA public OWNER TO ${role};`));
    }
    expect(compose).toContain('GRANT pg_read_all_data, pg_read_all_stats, pg_signal_backend TO app;');
    // The server's settings (pg_stat_statements among them): infra/postgresql.conf on the local path, the same as -c
    // flags on the compose path; the extension created in both databases on both paths.
    const settings = read('infra/postgresql.conf').split('\n').filter((line) => /^\w/.test(line))
      .map((line) => line.replace(/\s*=\s*/, '=').replace(/'/g, ''));
    expect(settings).toContain('shared_preload_libraries=pg_stat_statements');
    const flags = (services.postgres!.command as string[]).filter((_, i, all) => all[i - 1] === '-c');
    expect(flags).toEqual(settings);
    expect(local).toContain('infra/postgresql.conf');
    expect(local).toContain('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    expect(compose.match(/CREATE EXTENSION IF NOT EXISTS pg_stat_statements;/g)).toHaveLength(2);
    // RabbitMQ: the same users, tags and permissions as scripts/infra/rabbitmq.sh's rmq_accounts (one definitions
    // import of "user password tags|- configure write read" specs), and no guest.
    const grants = (text: string) =>
      [...text.matchAll(/set_(permissions -p \/|user_tags) ([\w-]+)((?: '[^']*')*| administrator)? >\/dev\/null/g)].map((m) => `${m[1]} ${m[2]}${m[3] ?? ''}`);
    const localGrants = [...read('scripts/infra/rabbitmq.sh').matchAll(/^ {4}"([\w-]+) \$\w+_RABBITMQ_PASSWORD (\S+) (\S+) (\S+) (\S+)"/gm)].flatMap(
      ([, user, tags, configure, write, read]) => [`user_tags ${user}${tags === '-' ? '' : ` ${tags}`}`, `permissions -p / ${user} '${configure}' '${write}' '${read}'`],
    );
    expect(localGrants.length).toBe(6);
    expect(grants(read('infra/rabbitmq/accounts.sh'))).toEqual(localGrants);
    expect(read('infra/rabbitmq/accounts.sh')).toMatch(/ctl delete_user guest/);
  });

  describe.each(appServices)('service $name', ({ name, service, workspace }) => {
    const env = containerEnvOf(service);
    const port = Number(env.PORT);

    it('sets only variables the service reads, with values it accepts', () => {
      // Given
      const reads = envKeysOf(workspace);
      // Then
      for (const key of Object.keys(env)) expect(reads.has(key), `${name} sets ${key}, which ${workspace} does not read`).toBe(true);
      for (const key of ['PORT', 'HOST', 'DATABASE_URL', 'RABBITMQ_HOST', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD', 'INSTANCE_ID', 'NODE_ENV', 'OPERATOR_TOKEN']) {
        expect(env, `${name} does not set ${key}`).toHaveProperty(key);
      }
      expect(() => loadConfig(CommonEnv, { ...env })).not.toThrow();
      expect(Number.isInteger(port) && port > 0).toBe(true);
      expect(env.NODE_ENV).toBe('production');
    });

    it('connects to the compose broker and database with its own accounts, which the accounts steps create', () => {
      const own = workspace === 'customer-service' ? 'CUSTOMER_SERVICE' : 'ORDER_SERVICE';
      expect(services[env.RABBITMQ_HOST!], `RABBITMQ_HOST ${env.RABBITMQ_HOST} is not a compose service`).toBeDefined();
      expect(env.RABBITMQ_HOST).toBe(composeRabbit['stream.advertised_host']);
      expect(env.RABBITMQ_STREAM_PORT ?? '5552').toBe(composeRabbit['stream.listeners.tcp.default']);
      expect(env.RABBITMQ_USER).toBe(workspace);
      expect(env.RABBITMQ_PASSWORD).toBe(credentials[`${own}_RABBITMQ_PASSWORD`]);
      expect(containerEnvOf(services['rabbitmq-accounts']!)[`${own}_RABBITMQ_PASSWORD`]).toBe(env.RABBITMQ_PASSWORD);
      expect(read('infra/rabbitmq/accounts.sh')).toContain(`account ${workspace} "$${own}_RABBITMQ_PASSWORD"`);
      expect(hostPort(env.RABBITMQ_MANAGEMENT_URL!)).toEqual({ host: env.RABBITMQ_HOST, port: Number(composeRabbit['management.tcp.port']) });
      const url = new URL(env.DATABASE_URL!);
      const defaultDatabase = /database: '(\w+)'/.exec(read(`${workspace}/src/config.ts`))?.[1];
      expect(url.pathname.slice(1)).toBe(defaultDatabase);
      expect(url.username).toBe(workspace.replace('-', '_'));
      expect(url.password).toBe(credentials[`${own}_DB_PASSWORD`]);
      // The same accounts as the local path's (.run/credentials.env), on compose's host name.
      const local = new URL(credentials[`${own}_DATABASE_URL`]!);
      expect([local.username, local.password, local.pathname]).toEqual([url.username, url.password, url.pathname]);
      // Its secrets only from the env file, none in the compose file.
      for (const key of ['DATABASE_URL', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD', 'OPERATOR_TOKEN', 'READER_TOKEN']) {
        expect(service.environment ?? {}, `${name} sets ${key} in docker-compose.yml`).not.toHaveProperty(key);
      }
    });

    it("gets the tokens of .run/tokens.env: the operator's, and the reader's where the customer list is", () => {
      expect(env.OPERATOR_TOKEN).toBe(tokens.OPERATOR_TOKEN);
      expect(env.READER_TOKEN).toBe(workspace === 'customer-service' ? tokens.READER_TOKEN : undefined);
      expect(() => loadConfig(AuthEnv, { ...env })).not.toThrow();
    });

    it("listens on its container's network and is published on the host's loopback only", () => {
      expect(env.HOST).toBe('0.0.0.0');
      expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    });

    it('publishes, health-checks and exposes the port it listens on', () => {
      expect(service.ports).toContain(`127.0.0.1:${port}:${port}`);
      expect((service.healthcheck!.test as string[]).join(' ')).toContain(`http://127.0.0.1:${port}/ready`);
      expect(dockerfileOf(service).text).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    });

    it('waits for healthy infrastructure, every node of the cluster when its profile runs', () => {
      expect(service.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(service.depends_on?.rabbitmq?.condition).toBe('service_healthy');
      for (const member of ['rabbitmq-2', 'rabbitmq-3']) {
        expect(service.depends_on?.[member], `${name} waits for ${member}`).toEqual({ condition: 'service_healthy', required: false });
      }
    });

    it('is built from the one Dockerfile, which takes the service and its port as build arguments', () => {
      // Given
      const { declared } = dockerfileOf(service);
      const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
      // Then
      expect(service.build!.dockerfile).toBe('Dockerfile');
      expect(workspaces).toContain(workspace);
      expect(existsSync(path.join(repo, workspace, 'src/main.ts')), `${workspace}/src/main.ts`).toBe(true);
      expect(service.build!.args?.PORT).toBe(env.PORT);
      // Every argument the Dockerfile declares is given, and only those.
      expect(Object.keys(service.build!.args ?? {}).sort()).toEqual([...declared].sort());
    });

    it('is built from a multi-stage Dockerfile: production dependencies, non-root, node as PID 1', () => {
      // Given
      const { text, instructions } = dockerfileOf(service);
      const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
      // Then
      expect(service.build!.context).toBe('.');
      expect(instructions.filter((line) => /^FROM\s/.test(line)).length).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/npm ci --omit=dev[^\n]*--workspace \S+/);
      expect(text).toMatch(new RegExp(`--workspace "?${workspace}"?(\\s|$)`, 'm'));
      expect(text).toMatch(/^ENV NODE_ENV=production$/m);
      expect(text).toMatch(/^USER (?!root)\w+$/m);
      const cmd = instructions.filter((line) => /^CMD\s/.test(line)).at(-1);
      // Exec form with node itself as PID 1 (node flags allowed), the service's entry last (from the last WORKDIR),
      // where the runtime stage copies the compiled service.
      const argv = JSON.parse(cmd!.slice(4)) as string[];
      expect(argv[0]).toBe('node');
      const workdir = instructions.filter((line) => /^WORKDIR\s/.test(line)).at(-1)!.split(/\s+/)[1]!;
      expect(path.posix.resolve(workdir, argv.at(-1)!)).toBe(`/app/${workspace}/dist/src/main.js`);
      expect(instructions).toContain(`COPY --from=build /app/${workspace}/dist/src ${workspace}/dist/src`);
      // The same node flags (the heap budget) as the services started on the host.
      const hostFlags = readFileSync(path.join(repo, 'scripts/services.sh'), 'utf8').match(/setsid node ((?:--\S+ )*)"\$entry"/);
      expect(hostFlags, 'scripts/services.sh starts node with flags').not.toBeNull();
      expect(argv.slice(1, -1)).toEqual(hostFlags![1]!.trim().split(' '));
      // The dependency patches are in place before npm ci runs patch-package (postinstall).
      expect(text.indexOf('COPY patches patches')).toBeGreaterThan(-1);
      expect(text.indexOf('COPY patches patches')).toBeLessThan(text.indexOf('RUN npm ci --no-audit'));
      expect(existsSync(path.join(repo, workspace, 'src/main.ts'))).toBe(true);
      // npm ci checks the lock file against every workspace: each manifest must be in the image.
      for (const member of workspaces) expect(text, `the Dockerfile misses ${member}/package.json`).toContain(`COPY ${member}/package.json ${member}/`);
      // Every workspace library the service imports gets its production dependencies installed.
      const imports = new Set(sourcesUnder(`${workspace}/src`).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/from '@demo\/([\w-]+)'/g)].map((m) => m[1]!)));
      for (const lib of imports) expect(text, `${workspace} imports @demo/${lib}`).toContain(`--workspace lib/${lib}`);
      for (const copied of instructions.filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))) {
        const source = copied.split(/\s+/)[1]!;
        expect(existsSync(path.join(repo, source)), `the Dockerfile copies ${source} for ${workspace}`).toBe(true);
      }
    });
  });

  it("publishes each host port once, on the host's loopback only", () => {
    const mappings = Object.values(services).flatMap((service) => service.ports ?? []);
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) expect(mapping, 'HOST_IP:HOST_PORT:CONTAINER_PORT with HOST_IP 127.0.0.1').toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    const published = mappings.map((mapping) => mapping.split(':')[1]!);
    expect(published.filter((port, i) => published.indexOf(port) !== i)).toEqual([]);
  });

  it("publishes the public APIs 8080-8082 and, for the host's tools, the infrastructure", () => {
    const byService = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, (service.ports ?? []).map((port) => port.split(':')[1])]));
    expect(byService).toEqual({
      rabbitmq: ['5552', '15672', '15692'],
      'rabbitmq-2': ['15673', '15693'],
      'rabbitmq-3': ['15674', '15694'],
      'rabbitmq-accounts': [],
      postgres: ['5432'],
      customer: ['8080'],
      order1: ['8081'],
      order2: ['8082'],
      prometheus: ['9090'],
      grafana: ['3000'],
    });
  });

  it('hands each container only its own env files, all made by infra/compose/secrets.sh', () => {
    const script = read('infra/compose/secrets.sh');
    const expected: Record<string, string[]> = {
      rabbitmq: ['rabbitmq'],
      'rabbitmq-2': ['rabbitmq'],
      'rabbitmq-3': ['rabbitmq'],
      'rabbitmq-accounts': ['rabbitmq', 'rabbitmq-accounts'],
      postgres: ['postgres'],
      customer: ['customer'],
      order1: ['order'],
      order2: ['order'],
      prometheus: [],
      grafana: ['grafana'],
    };
    for (const [name, service] of Object.entries(services)) {
      expect(service.env_file ?? [], name).toEqual(expected[name]!.map((file) => `.run/compose/${file}.env`));
      for (const file of service.env_file ?? []) {
        expect(script, `secrets.sh writes ${file}`).toContain(`"$out/${path.basename(file)}"`);
        expect(Object.keys(envFileOf(file)).length, file).toBeGreaterThan(0);
      }
    }
    // Mode 600 in a folder of mode 700: the secrets are the invoking user's.
    expect(statSync(path.join(generated, '.run/compose')).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(path.join(generated, '.run/compose'))) expect(statSync(path.join(generated, '.run/compose', file)).mode & 0o777, file).toBe(0o600);
  });

  it('keeps every password out of the compose file and the RabbitMQ configuration', () => {
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/PASSWORD:/);
    expect(text).not.toMatch(/\w+:\w+@postgres/);
    expect(text).not.toMatch(/RABBITMQ_ERLANG_COOKIE/);
    for (const conf of ['rabbitmq.conf', 'rabbitmq.compose.conf', 'cluster.compose.conf']) {
      const settings = rabbitConf(`infra/rabbitmq/${conf}`);
      expect(Object.keys(settings).filter((key) => key.startsWith('default_')), conf).toEqual([]);
    }
  });

  it('runs Grafana with a generated admin password and Prometheus without its HTTP lifecycle endpoints', () => {
    const grafana = containerEnvOf(services.grafana!);
    expect(grafana.GF_SECURITY_ADMIN_USER).toBe('admin');
    expect(grafana.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^[0-9a-f]{32}$/);
    expect(services.grafana!.environment ?? {}).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
    expect(services.prometheus!.command!.filter((flag) => flag.startsWith('--web.enable-'))).toEqual([]);
  });

  it('keeps the build context small', () => {
    const ignored = read('.dockerignore');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.run']) expect(ignored).toContain(entry);
  });
});

describe('the cluster profile of docker-compose.yml', () => {
  const nodes = ['rabbitmq', 'rabbitmq-2', 'rabbitmq-3'];
  const members = nodes.slice(1);
  const clusterEnv = Object.fromEntries(
    read('infra/rabbitmq/cluster.env')
      .split('\n')
      .filter((line) => /^\w+=/.test(line))
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  /** A member's configuration: rabbitmq.conf, then every conf.d file it mounts, in their order. */
  function memberConf(name: string): Record<string, string> {
    const mounted = services[name]!.volumes!
      .map((volume) => volume.split(':'))
      .filter(([source, target]) => source!.startsWith('./') && target!.startsWith('/etc/rabbitmq/conf.d/'))
      .sort((a, b) => a[1]!.localeCompare(b[1]!))
      .map(([source]) => source!.slice(2));
    return Object.assign({ ...localRabbit }, ...mounted.map(rabbitConf));
  }

  it('adds two nodes of the same image, in the profile `cluster` only, each with its own data', () => {
    expect(services.rabbitmq!.profiles).toBeUndefined();
    const volumes = new Set<string>();
    for (const name of nodes) {
      const node = services[name]!;
      expect(node.image, name).toBe(services.rabbitmq!.image);
      expect(node.hostname, name).toBe(name);
      if (name !== 'rabbitmq') expect(node.profiles, name).toEqual(['cluster']);
      const data = node.volumes!.find((volume) => volume.endsWith(':/var/lib/rabbitmq'))!.split(':')[0]!;
      expect(compose.volumes, `${name}: ${data}`).toHaveProperty(data);
      volumes.add(data);
      expect((node.healthcheck!.test as string[]).join(' '), name).toContain('stream-healthcheck.sh 127.0.0.1 5552');
      expect(node.volumes, name).toContain('./infra/rabbitmq/stream-healthcheck.sh:/usr/local/bin/stream-healthcheck.sh:ro');
      expect(node.volumes, name).toContain('./infra/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro');
    }
    expect(volumes.size).toBe(3);
  });

  it('gives the three nodes and the accounts step one Erlang cookie, generated', () => {
    const cookies = [...nodes, 'rabbitmq-accounts'].map((name) => containerEnvOf(services[name]!).RABBITMQ_ERLANG_COOKIE);
    expect(cookies[0]).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(cookies).size).toBe(1);
  });

  it('makes the accounts once every node of the cluster is healthy', () => {
    const accounts = services['rabbitmq-accounts']!;
    expect(accounts.depends_on?.rabbitmq?.condition).toBe('service_healthy');
    for (const member of members) expect(accounts.depends_on?.[member]).toEqual({ condition: 'service_healthy', required: false });
    expect(accounts.image).toBe(services.rabbitmq!.image);
    expect(environmentOf(accounts).RABBITMQ_NODE).toBe(`rabbit@${services.rabbitmq!.hostname}`);
  });

  it('clusters the members by classic_config peer discovery of the three node names', () => {
    for (const name of members) {
      const conf = memberConf(name);
      expect(conf['cluster_formation.peer_discovery_backend'], name).toBe('classic_config');
      const listed = Object.entries(conf)
        .filter(([key]) => key.startsWith('cluster_formation.classic_config.nodes.'))
        .map(([, value]) => value);
      // The image names each node rabbit@<hostname>.
      expect(listed.sort(), name).toEqual(nodes.map((node) => `rabbit@${services[node]!.hostname}`).sort());
      expect(services[name]!.depends_on?.rabbitmq?.condition, `${name} starts once rabbitmq runs`).toBe('service_healthy');
    }
  });

  it('has each member advertise its own service name, on the same ports as node 1', () => {
    for (const name of members) {
      const conf = memberConf(name);
      expect(conf['stream.advertised_host'], name).toBe(name);
      for (const key of ['stream.listeners.tcp.default', 'stream.advertised_port', 'management.tcp.port', 'prometheus.tcp.port']) {
        expect(conf[key], `${name}: ${key}`).toBe(composeRabbit[key]);
      }
      expect(services[name]!.ports).toEqual([
        `127.0.0.1:${15671 + nodes.indexOf(name) + 1}:${conf['management.tcp.port']}`,
        `127.0.0.1:${15691 + nodes.indexOf(name) + 1}:${conf['prometheus.tcp.port']}`,
      ]);
    }
  });

  it('connects the services to every node with cluster.env, and to node 1 alone without it', () => {
    expect(clusterEnv.COMPOSE_PROFILES).toBe('cluster');
    for (const { name, service } of appServices) {
      const alone = environmentOf(service);
      expect(alone.RABBITMQ_HOSTS, name).toBe(`rabbitmq:${composeRabbit['stream.listeners.tcp.default']}`);
      const clustered = containerEnvOf(service, clusterEnv);
      expect(() => loadConfig(CommonEnv, { ...clustered }), name).not.toThrow();
      const endpoints = clustered.RABBITMQ_HOSTS!.split(',').map((entry) => entry.split(':'));
      expect(endpoints.map(([host]) => host), name).toEqual(nodes);
      for (const [host, port] of endpoints) expect(port, `${name}: ${host}`).toBe(memberConf(host === 'rabbitmq' ? 'rabbitmq-2' : host!)['stream.listeners.tcp.default']);
    }
  });

  it('names the services scripts/infra/docker.sh drives for nodes 1 to 3', () => {
    const script = read('scripts/infra/docker.sh');
    expect(script).toMatch(/1\) echo rabbitmq ;;/);
    expect(script).toMatch(/2 \| 3\) echo "rabbitmq-\$1" ;;/);
    expect(script).toContain('docker compose --env-file infra/rabbitmq/cluster.env up --build');
  });
});

describe('Prometheus configuration', () => {
  interface TargetGroup {
    targets: string[];
    labels?: Record<string, string>;
  }
  const config = readYaml<{ scrape_configs: Array<{ job_name: string; file_sd_configs: Array<{ files: string[] }> }> }>(
    'infra/prometheus/prometheus.yml',
  );
  const targetFiles = config.scrape_configs.flatMap((job) => job.file_sd_configs.flatMap((sd) => sd.files.map((file) => ({ job: job.job_name, file }))));
  const targetsOf = (dir: string, job: string) =>
    targetFiles
      .filter((entry) => entry.job === job)
      .flatMap(({ file }) => readYaml<TargetGroup[]>(`${dir}/${path.relative('targets', file)}`))
      .flatMap((group) => group.targets);
  const appsOf = (job: string) => appServices.filter(({ workspace }) => workspace === job);

  it('is mounted by compose with the compose targets over the repository targets', () => {
    const mounts = services.prometheus!.volumes!;
    expect(mounts).toContain('./infra/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(mounts).toContain('./infra/prometheus/compose-targets:/etc/prometheus/targets:ro');
    expect(services.prometheus!.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(read('scripts/monitoring.sh')).toContain('infra/prometheus/prometheus.yml');
  });

  it('has a target file for every job, for compose and for the local path', () => {
    expect(targetFiles.map((entry) => entry.job).sort()).toEqual(['customer-service', 'order-service', 'rabbitmq']);
    for (const { file } of targetFiles) {
      expect(file).toMatch(/^targets\/[\w-]+\.yml$/);
      for (const dir of ['infra/prometheus/targets', 'infra/prometheus/compose-targets']) {
        expect(statSync(path.join(repo, dir, path.relative('targets', file))).isFile()).toBe(true);
      }
    }
  });

  it('scrapes exactly the compose services, on the ports they listen on', () => {
    for (const job of ['customer-service', 'order-service']) {
      const expected = appsOf(job).map(({ name, service }) => `${name}:${service.environment!.PORT}`);
      expect(expected.length).toBeGreaterThan(0);
      expect(targetsOf('infra/prometheus/compose-targets', job).sort()).toEqual(expected.sort());
    }
    expect(targetsOf('infra/prometheus/compose-targets', 'rabbitmq')).toEqual([`rabbitmq:${composeRabbit['prometheus.tcp.port']}`]);
    expect(services.rabbitmq!.ports).toContain(`127.0.0.1:${composeRabbit['prometheus.tcp.port']}:${composeRabbit['prometheus.tcp.port']}`);
  });

  it('scrapes the local processes on loopback, on the same ports as compose publishes', () => {
    for (const job of ['customer-service', 'order-service']) {
      const expected = appsOf(job).map(({ service }) => `127.0.0.1:${service.environment!.PORT}`);
      expect(targetsOf('infra/prometheus/targets', job).sort()).toEqual(expected.sort());
    }
    expect(targetsOf('infra/prometheus/targets', 'rabbitmq')).toEqual([`127.0.0.1:${localRabbit['prometheus.tcp.port']}`]);
    // scripts/services.sh starts the local processes on these ports (by default).
    const ports = execFileSync('bash', [path.join(repo, 'scripts/services.sh'), 'ports'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
      .trim()
      .split('\n')
      .map((line) => `127.0.0.1:${line.split(' ')[1]}`);
    const targets = ['customer-service', 'order-service'].flatMap((job) => targetsOf('infra/prometheus/targets', job));
    expect(targets.sort()).toEqual(ports.sort());
  });
});

describe('Grafana provisioning', () => {
  const dashboardFiles = readdirSync(path.join(repo, 'infra/grafana/dashboards')).filter((file) => file.endsWith('.json'));
  interface Panel {
    type: string;
    title: string;
    datasource?: { uid: string };
    targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  }
  const dashboards = dashboardFiles.map((file) => JSON.parse(read(`infra/grafana/dashboards/${file}`)) as { uid: string; panels: Panel[] });
  const expressions = dashboards.flatMap((dashboard) => dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)));
  const datasource = readYaml<{ datasources: Array<{ uid: string; url: string; type: string }> }>('infra/grafana/provisioning/datasources/prometheus.yml')
    .datasources[0]!;

  it('points the data source at the compose Prometheus', () => {
    expect(datasource.type).toBe('prometheus');
    const { host, port } = hostPort(datasource.url);
    expect(services[host]?.ports).toContain(`127.0.0.1:${port}:${port}`);
    expect(services.grafana!.volumes).toContain('./infra/grafana/provisioning:/etc/grafana/provisioning:ro');
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>('infra/grafana/provisioning/dashboards/dashboards.yml');
    expect(services.grafana!.volumes).toContain(`./infra/grafana/dashboards:${provider.providers[0]!.options.path}:ro`);
  });

  it('has a dashboard whose panels all use the provisioned data source', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    for (const panel of dashboards.flatMap((dashboard) => dashboard.panels).filter((panel) => panel.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(datasource.uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics that the services declare', () => {
    // Given
    const declared = declaredMetrics();
    const used = new Set(expressions.flatMap(metricsIn));
    // Then
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const unknown = [...used].filter((name) => !declared.has(name) && !declared.has(base(name)));
    expect(unknown, 'metrics the dashboard queries but no service declares').toEqual([]);
  });

  it('shows every metric of the two services', () => {
    const required = [
      'customers_created_total', 'customers_updated_total', 'customers_deleted_total', 'events_published_total',
      'event_publish_errors_total', 'outbox_pending', 'outbox_publish_lag_seconds', 'http_request_duration_seconds',
      'orders_created_total', 'customers_processed_total', 'customer_event_errors_total', 'customer_events_parked_total',
      'stream_consumer_active', 'stream_consumer_lag_events', 'replication_lag_seconds', 'apply_batch_size',
      'apply_batch_duration_seconds', 'process_resident_memory_bytes',
    ];
    const used = new Set(expressions.flatMap(metricsIn).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    expect(required.filter((name) => !used.has(name))).toEqual([]);
  });

  it('reads metric names out of PromQL', () => {
    expect(metricsIn('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"a|b"}[$__rate_interval])))')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricsIn('sum(customer_events_parked_total) or vector(0)')).toEqual(['customer_events_parked_total']);
  });
});
