// Newline-delimited JSON read from a stream as it arrives: one line at a time, in bounded memory.

/** The non-empty lines of a UTF-8 stream; throws when the stream ends inside a line (an export cut short). */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = (pending + decoder.decode(value, { stream: true })).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') yield line;
    }
    pending += decoder.decode();
    if (pending.trim() !== '') throw new Error(`the NDJSON stream ended inside a line (${pending.length} characters without a newline): it was cut short`);
  } finally {
    // Stopped early (break, an error): let the server stop sending.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
