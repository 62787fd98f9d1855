/**
 * The Node.js the project runs on is one version, .nvmrc's: package.json's engines, @types/node and the Dockerfile
 * agree with it, and scripts/node.sh provides it when the machine's node is older (the Makefile puts its answer first
 * on PATH). The script is run here against a fake node and a fake npm, so no download happens.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
const version = read('.nvmrc').trim();
const major = Number(version.split('.')[0]);

describe('the Node.js version', () => {
  it('is one exact version in .nvmrc', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major).toBeGreaterThanOrEqual(24);
  });

  it('is what package.json requires, and npm enforces it', () => {
    const manifest = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(manifest.engines.node).toBe(`>=${major}`);
    expect(manifest.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(read('.npmrc')).toMatch(/^engine-strict=true$/m);
  });

  it('is the node of every Dockerfile stage', () => {
    const stages = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => match[1]!);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toMatch(new RegExp(`^node:${version.replace(/\./g, '\\.')}-[a-z]+-slim$`));
  });

  it('is put first on PATH by the Makefile for every target', () => {
    const makefile = read('Makefile');
    expect(makefile).toMatch(/^NODE_BIN := \$\(shell bash scripts\/node\.sh/m);
    expect(makefile).toMatch(/^export PATH := \$\(if \$\(NODE_BIN\),\$\(NODE_BIN\):\)\$\(PATH\)$/m);
  });
});

const linuxArch = ({ x64: 'x64', arm64: 'arm64' } as Record<string, string>)[arch()];

describe.skipIf(platform() !== 'linux' || !linuxArch)('scripts/node.sh', () => {
  let work: string;
  let cache: string;
  let npmLog: string;

  /** A node that reports `reported`, and an npm that packs a node-linux-* package whose node reports `fetched`. */
  function fakeTools(reported: string, fetched = version): string {
    const bin = path.join(work, `bin-${reported}`);
    mkdirSync(bin, { recursive: true });
    const node = `#!/bin/bash
case "$1" in -v) echo v${reported} ;; -p) echo ${reported.split('.')[0]} ;; *) exit 3 ;; esac
`;
    const npm = `#!/bin/bash
echo "$*" >>${npmLog}
[ "$1" = pack ] || exit 3
spec=$2; destination=$4; name=\${spec%@*}; release=\${spec##*@}
mkdir -p "$destination/build/package/bin"
printf '#!/bin/bash\\necho v${fetched}\\n' >"$destination/build/package/bin/node"
chmod +x "$destination/build/package/bin/node"
tar -czf "$destination/$name-$release.tgz" -C "$destination/build" package
`;
    writeFileSync(path.join(bin, 'node'), node);
    writeFileSync(path.join(bin, 'npm'), npm);
    chmodSync(path.join(bin, 'node'), 0o755);
    chmodSync(path.join(bin, 'npm'), 0o755);
    return bin;
  }

  function run(bin: string, ...args: string[]) {
    const result = spawnSync('bash', [path.join(repo, 'scripts/node.sh'), ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: work, XDG_CACHE_HOME: cache },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
  }
  const npmCalls = () => (existsSync(npmLog) ? readFileSync(npmLog, 'utf8').trim().split('\n') : []);
  const installed = () => path.join(cache, 'rabbitmq-streams-demo', `node-v${version}-linux-${linuxArch}`);

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'node-sh-'));
    cache = path.join(work, 'cache');
    npmLog = path.join(work, 'npm.log');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('prints nothing and downloads nothing when the machine runs that major version or a newer one', () => {
    for (const reported of [`${major}.0.0`, `${major + 2}.1.0`]) {
      // When
      const result = run(fakeTools(reported));
      // Then
      expect(result).toMatchObject({ status: 0, stdout: '' });
    }
    expect(npmCalls()).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });

  it('fetches the exact version once through npm into the cache and prints its bin folder', () => {
    // Given a machine with Node 20
    const bin = fakeTools('20.20.2');
    // When
    const first = run(bin);
    const second = run(bin);
    // Then
    expect(first).toMatchObject({ status: 0, stdout: path.join(installed(), 'bin') });
    expect(first.stderr).toContain(`fetching node-linux-${linuxArch}@${version}`);
    expect(execFileSync(path.join(installed(), 'bin', 'node'), ['-v'], { encoding: 'utf8' }).trim()).toBe(`v${version}`);
    expect(second).toEqual({ status: 0, stdout: first.stdout, stderr: '' });
    const download = path.join(cache, 'rabbitmq-streams-demo', `.node-v${version}.`).replace(/\./g, '\\.');
    expect(npmCalls()).toHaveLength(1);
    expect(npmCalls()[0]).toMatch(new RegExp(`^pack node-linux-${linuxArch}@${version.replace(/\./g, '\\.')} --pack-destination ${download}\\w+ --silent$`));
    // Only the installed version stays in the cache: the download folder is gone.
    expect(readdirSync(path.join(cache, 'rabbitmq-streams-demo'))).toEqual([path.basename(installed())]);
  });

  it('puts that folder first on PATH in path mode, and leaves PATH alone when the machine’s node will do', () => {
    expect(run(fakeTools('20.20.2'), 'path').stdout).toBe(`${path.join(installed(), 'bin')}:${fakeTools('20.20.2')}:/usr/bin:/bin`);
    expect(run(fakeTools(version), 'path').stdout).toBe(`${fakeTools(version)}:/usr/bin:/bin`);
  });

  it('refuses a package whose node is not the version asked for, and keeps nothing of it', () => {
    // When
    const result = run(fakeTools('20.20.2', '22.0.0'));
    // Then
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`reports 'v22.0.0', not v${version}`);
    expect(existsSync(installed())).toBe(false);
  });
});
