/** One line of the security suite's table: what was tried, what had to happen, what did. */
export interface Probe {
  area: string;
  tried: string;
  expected: string;
  observed: string;
  /** true: the expectation held; false: it did not (the suite fails); 'not tried': the check cannot apply here. */
  held: boolean | 'not tried';
}

export function probe(area: string, tried: string, expected: string, observed: string, held: boolean | 'not tried'): Probe {
  return { area, tried, expected, observed, held };
}

/** The outcome of an attempt that should be refused: `refused (<why>)`, or what came back. */
export async function attempt(action: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    const failure = error as { code?: string; message?: string };
    return { ok: false, error: [failure.code, failure.message].filter(Boolean).join(' ').slice(0, 160) || String(error) };
  }
}
