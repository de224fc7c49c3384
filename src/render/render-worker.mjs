// Renders Jinja templates in a child process (render-pool.ts). Plain JavaScript on purpose: it
// is forked without the TypeScript loader. The pool bounds its time (the process is killed) and
// its heap (its own --max-old-space-size: an exhausted heap ends this process, never the
// server); this bounds the output. @huggingface/jinja interprets templates (no eval, no
// prototype access; template-engine.mjs adds Frappe's filters and dialect). One request at a
// time: { id, source, context, maxBytes, dialect, numbers } → { id, output } or { id, error }.
import { renderTemplate } from './template-engine.mjs';

function render(source, context, maxBytes, dialect, numbers) {
  const output = renderTemplate(source, context, dialect, numbers);
  if (Buffer.byteLength(output) > maxBytes) return { error: `the template rendered more than ${maxBytes} bytes` };
  return { output };
}

process.on('message', ({ id, source, context, maxBytes, dialect, numbers }) => {
  let answer;
  try {
    answer = { id, ...render(source, context, maxBytes, dialect, numbers) };
  } catch (err) {
    answer = { id, error: `the template failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  process.send(answer);
});

// Loaded: the pool counts a render's time from here, not from the fork (which a busy machine can
// stretch past a render's whole allowance).
process.send({ ready: true });
