export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as it is (with the content-type given in headers, if any). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP exchange with a service; never throws on a status, only when the service does not answer. */
export async function request<T = unknown>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined = options.raw;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    // fetch says only "fetch failed": name the request and the cause (ECONNREFUSED, timeout, ...)
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`${method} ${url}: no answer (${reason})`, { cause: error });
  }
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  let parsed: unknown = text;
  if (isJson && text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export const get = <T = unknown>(url: string, options?: RequestOptions) => request<T>('GET', url, options);
export const post = <T = unknown>(url: string, json?: unknown, options?: RequestOptions) =>
  request<T>('POST', url, { ...options, json });
export const put = <T = unknown>(url: string, json?: unknown, options?: RequestOptions) =>
  request<T>('PUT', url, { ...options, json });
export const del = <T = unknown>(url: string, options?: RequestOptions) => request<T>('DELETE', url, options);

/** "status 400 {…}" for failure messages. */
export function describeResponse(response: HttpResponse): string {
  return `status ${response.status} ${response.text.slice(0, 300)}`;
}
