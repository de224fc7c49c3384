// Renders one Jinja template inside a worker thread. Plain JavaScript on purpose: worker
// threads do not inherit the TypeScript loader. The pool bounds its time and heap; this bounds
// the output. @huggingface/jinja interprets templates (no eval, no prototype access).
import { Template } from '@huggingface/jinja';

export default function render({ source, context, maxBytes }) {
  const output = new Template(source).render(context);
  if (Buffer.byteLength(output) > maxBytes) {
    return { error: `the template rendered more than ${maxBytes} bytes` };
  }
  return { output };
}
