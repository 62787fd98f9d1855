/** Single active consumer for streams arrived in RabbitMQ 3.11. */
export const MIN_SAC_VERSION = [3, 11] as const;

export function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function supportsSingleActiveConsumer(version: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  const [major, minor] = parsed;
  return major > MIN_SAC_VERSION[0] || (major === MIN_SAC_VERSION[0] && minor >= MIN_SAC_VERSION[1]);
}
