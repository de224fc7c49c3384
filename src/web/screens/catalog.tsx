// The event catalog, as seed 001 documents its events: for each type its description, the
// fields webhooks may filter on, its data's schema and an example.
import { useEffect } from 'preact/hooks';
import type { EventType } from '../api/types.ts';
import { Code } from '../components/display.tsx';
import { EmptyState, Loading } from '../components/feedback.tsx';
import { SchemaTable } from '../components/schema-table.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';

const anchor = (name: string): string => `type-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function TypeDoc({ t }: { t: EventType }) {
  const titleId = `${anchor(t.name)}-title`;
  return (
    <article class="card type-doc" id={anchor(t.name)} aria-labelledby={titleId} tabIndex={-1}>
      <h2 id={titleId}><code>{t.name}</code></h2>
      <p>{t.description ?? <span class="muted">No description.</span>}</p>
      <h3>Filter fields</h3>
      {t.filters.length
        ? (
          <>
            <p class="hint">A webhook can take only the events whose field has one of the values it lists.</p>
            <table class="table table-compact">
              <caption class="sr-only">Filter fields of {t.name}</caption>
              <thead><tr><th scope="col">Field</th><th scope="col">Label</th></tr></thead>
              <tbody>{t.filters.map((f) => <tr key={f.field}><td><code>{f.field}</code></td><td>{f.label}</td></tr>)}</tbody>
            </table>
          </>
        )
        : <p class="muted">None: webhooks take every event of this type (a condition can still narrow them).</p>}
      <h3>Data</h3>
      {t.schema ? <SchemaTable schema={t.schema} caption={`Fields of ${t.name}'s data`} /> : <p class="muted">No schema: the data is free-form.</p>}
      {t.schema && (
        <details>
          <summary>JSON Schema</summary>
          <Code label={`JSON Schema of ${t.name}`}>{JSON.stringify(t.schema, null, 2)}</Code>
        </details>
      )}
      <h3>Example</h3>
      {t.example !== null
        ? (
          <>
            <p class="hint">The event's <code>data</code>; each webhook's payload format wraps it (the webhook form previews the exact body).</p>
            <Code label={`Example of ${t.name}`}>{JSON.stringify(t.example, null, 2)}</Code>
          </>
        )
        : <p class="muted">No example.</p>}
    </article>
  );
}

export function Catalog({ focus }: { focus: string | undefined }) {
  const { catalog, catalogLoaded, reloadCatalog } = useTenant();
  useEffect(reloadCatalog, []); // the product may have changed it since the page opened
  useEffect(() => {
    if (focus && catalogLoaded) document.getElementById(anchor(focus))?.focus();
  }, [focus, catalogLoaded]);
  const product = catalog.filter((t) => !t.name.startsWith('webhook.'));
  const system = catalog.filter((t) => t.name.startsWith('webhook.'));
  return (
    <Screen title="Event catalog" subtitle="The events a webhook can subscribe to, what each one carries, and the fields it can be filtered on.">
      {!catalogLoaded && <Loading what="the catalog" />}
      {catalogLoaded && !product.length && (
        <EmptyState title="No event types yet">
          <p>The product registers the events it sends (<code>POST /v1/event-types</code>); they will be listed here with their fields and an example. Relais' own events about your webhooks are below.</p>
        </EmptyState>
      )}
      {catalog.length > 0 && (
        <div class="catalog">
          <nav class="toc" aria-label="Event types">
            {[['Events', product], ['Relais events', system]].map(([title, types]) => (types as EventType[]).length > 0 && (
              <div key={title as string}>
                <p class="toc-title">{title as string}</p>
                <ul>{(types as EventType[]).map((t) => <li key={t.name}><a href={`#/catalog/${encodeURIComponent(t.name)}`} aria-current={focus === t.name ? 'location' : undefined}><code>{t.name}</code></a></li>)}</ul>
              </div>
            ))}
          </nav>
          <div class="stack">
            {product.map((t) => <TypeDoc key={t.name} t={t} />)}
            {system.length > 0 && <h2 class="group-title">Relais events</h2>}
            {system.map((t) => <TypeDoc key={t.name} t={t} />)}
          </div>
        </div>
      )}
    </Screen>
  );
}
