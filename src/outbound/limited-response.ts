import type { Response as UndiciResponse } from 'undici';

/**
 * The response handed to callers: a standard (global) Response whose body stream fails once more
 * than `maxBytes` arrive — counted after content decoding, so a gzip bomb is stopped too — and whose
 * read errors (network, timeout) become the client's own error through `mapError`. Callers reading
 * `json()`, `arrayBuffer()` or the stream see that error.
 */

// Statuses whose responses cannot carry a body (Fetch §2.2.3 "null body status").
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function limitedResponse(
  response: UndiciResponse,
  options: {
    maxBytes: number;
    url: URL;
    redirected: boolean;
    tooLarge: () => Error;
    mapError: (error: unknown) => unknown;
    /** Each chunk read (the client re-arms its idle deadline). */
    onChunk?: () => void;
    /** The body is finished: read whole, failed, cancelled, or there is none. */
    onEnd?: () => void;
  },
): Response {
  const end = () => options.onEnd?.();
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    end();
    void response.body?.cancel().catch(() => {});
    throw options.tooLarge();
  }
  let body: ReadableStream<Uint8Array> | null = null;
  if (!NULL_BODY.has(response.status) && response.body !== null) {
    const reader = response.body.getReader();
    let received = 0;
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          end();
          controller.error(options.mapError(error));
          return;
        }
        if (chunk.done) {
          end();
          controller.close();
          return;
        }
        received += chunk.value.byteLength;
        if (received > options.maxBytes) {
          end();
          controller.error(options.tooLarge());
          void reader.cancel().catch(() => {});
          return;
        }
        options.onChunk?.();
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
  } else {
    end();
  }
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  // undici has decoded the body already: the encoding and its length no longer describe what is read.
  if (headers.has('content-encoding')) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  const result = new Response(body, { status: response.status, statusText: response.statusText, headers });
  // Response's constructor cannot set these; callers resolving relative links need the final URL.
  Object.defineProperty(result, 'url', { value: options.url.href });
  Object.defineProperty(result, 'redirected', { value: options.redirected });
  return result;
}
