/** An answer of the REST API other than 2xx, with the API's own message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Calls the REST API as the admin panel does for every action: the session cookie, JSON bodies, and
 * (fetch sends it on POST and DELETE) the Origin header the same-origin guard checks.
 */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => undefined)) as { message?: unknown } | undefined;
  if (!res.ok) {
    const m = data?.message;
    const text = Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : res.statusText;
    throw new ApiError(text || `HTTP ${res.status}`, res.status);
  }
  return data as T;
}

/** Runs an action and shows its error (or clears the last one) in `errorBox`. */
export async function attempt(errorBox: HTMLElement, action: () => Promise<void>): Promise<void> {
  try {
    await action();
    errorBox.hidden = true;
    errorBox.textContent = '';
  } catch (err) {
    errorBox.hidden = false;
    errorBox.textContent = err instanceof Error ? err.message : String(err);
  }
}
