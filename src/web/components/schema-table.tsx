// A JSON Schema's fields as a table (name, type, required, description), nested objects as
// dotted names, as seed 001 documents its events.
interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  format?: string;
}

interface Row {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

const MAX_DEPTH = 5;

function typeOf(node: SchemaNode): string {
  const base = Array.isArray(node.type) ? node.type.join(' | ') : node.type ?? (node.properties ? 'object' : 'any');
  if (base === 'array' && node.items) return `array of ${typeOf(node.items)}`;
  if (node.enum) return `${base} (${node.enum.map((v) => JSON.stringify(v)).join(', ')})`;
  return node.format ? `${base} (${node.format})` : base;
}

function rows(node: SchemaNode, prefix: string, depth: number): Row[] {
  if (depth > MAX_DEPTH) return [];
  const out: Row[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    out.push({ name, type: typeOf(child), required: node.required?.includes(key) ?? false, description: child.description ?? '' });
    if (child.properties) out.push(...rows(child, name, depth + 1));
    else if (child.items?.properties) out.push(...rows(child.items, `${name}[]`, depth + 1));
  }
  return out;
}

export function SchemaTable({ schema, caption }: { schema: unknown; caption: string }) {
  const list = typeof schema === 'object' && schema !== null ? rows(schema as SchemaNode, '', 0) : [];
  if (!list.length) return <p class="muted">The schema declares no fields.</p>;
  return (
    <div class="table-wrap">
      <table class="table table-compact">
        <caption class="sr-only">{caption}</caption>
        <thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
        <tbody>
          {list.map((r) => (
            <tr key={r.name}><td><code>{r.name}</code></td><td>{r.type}</td><td>{r.required ? 'Yes' : 'No'}</td><td>{r.description}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
