/** A small HTTP client: never throws for a status, only for the network (refused, reset, timeout). */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export async function request(url: string, options: HttpRequest = {}): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function requestJson(url: string, body: unknown, method = 'POST', headers: Record<string, string> = {}, timeoutMs?: number) {
  return request(url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, timeoutMs });
}

/** GET of the first URL that answers at all (any status), trying them in order; throws the last network error. */
export async function firstAnswer(urls: readonly string[], options: HttpRequest = {}): Promise<HttpAnswer> {
  let lastError: unknown = new Error('no URL to ask');
  for (const url of urls) {
    try {
      return await request(url, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
