/** Test helpers: recorded fixtures and a fetch that streams them in arbitrary chunks. Not used by the app. */

// Vite inlines the fixture files' text (tests only: nothing imports this module from the app).
const FILES = import.meta.glob<string>("./__fixtures__/*", { query: "?raw", import: "default", eager: true });

export function fixture(name: string): string {
  const text = FILES[`./__fixtures__/${name}`];
  if (text === undefined) throw new Error(`no fixture ${name} (run frontend/scripts/record_events.py)`);
  return text;
}

export function fixtureNames(prefix: string, ext = ".sse"): string[] {
  return Object.keys(FILES)
    .map((path) => path.slice("./__fixtures__/".length))
    .filter((n) => n.startsWith(prefix) && n.endsWith(ext))
    .sort();
}

/** Split bytes into chunks of the given sizes (cycled), cutting frames and UTF-8 sequences anywhere. */
export function chunked(text: string, sizes: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length];
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

export interface FakeServer {
  fetch: typeof fetch;
  requests: { url: string; body: unknown; headers: Record<string, string> }[];
  /** The response body was cancelled by the client (it stopped reading). */
  cancelled: () => boolean;
  /** The request's signal fired while the server was still streaming. */
  aborted: () => boolean;
  /** The client let go of the response, either way. */
  closed: () => boolean;
}

/** A fetch answering every request with `body` (an SSE stream in chunks, or JSON); `hang` keeps the stream open. */
export function fakeServer(answer: { sse?: string; json?: unknown; status?: number; sizes?: number[]; hang?: boolean }): FakeServer {
  const requests: FakeServer["requests"] = [];
  let cancelled = false;
  let aborted = false;
  const impl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    requests.push({
      url: String(input),
      body: init?.body ? JSON.parse(String(init.body)) : null,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    if (answer.sse === undefined) {
      return new Response(JSON.stringify(answer.json ?? {}), {
        status: answer.status ?? 200,
        headers: { "content-type": "application/json" },
      });
    }
    const chunks = chunked(answer.sse, answer.sizes ?? [7, 64, 1, 300]);
    const signal = init?.signal;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else if (!answer.hang) controller.close();
        else
          await new Promise<void>((_, reject) => {
            signal?.addEventListener("abort", () => {
              aborted = true;
              reject(new DOMException("aborted", "AbortError"));
            });
          });
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(stream, { status: answer.status ?? 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch: impl as typeof fetch, requests, cancelled: () => cancelled, aborted: () => aborted, closed: () => aborted || cancelled };
}
