// Renders Jinja templates in a child process. Plain JavaScript on purpose: it is forked without
// the TypeScript loader. The pool bounds its time (the process is killed) and its heap (its own
// --max-old-space-size: an exhausted heap ends this process, never the server); this bounds the
// output. @huggingface/jinja interprets templates (no eval, no prototype access).
import { Template } from '@huggingface/jinja';
import workerpool from 'workerpool';

function render(source, context, maxBytes) {
  const output = new Template(source).render(context);
  if (Buffer.byteLength(output) > maxBytes) return { error: `the template rendered more than ${maxBytes} bytes` };
  return { output };
}

workerpool.worker({ render });
