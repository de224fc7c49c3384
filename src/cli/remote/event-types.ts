// `relais event-types import <file|dir>...` and `relais event-types list`: the catalog.
// A file holds one type (`{"name": …}`), a list of them, or `{"event_types": [...]}` (the
// shape `relais import` and docs/guides/*/catalog.json use); a directory, its *.json files in
// name order. Every file is read and checked before anything is sent.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventTypeIn } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { checkJson, readSource } from './input.ts';
import { cell, note, print, progress, table } from './output.ts';
import { UsageError } from './usage-error.ts';

async function filesOf(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => { throw new UsageError(`cannot read ${path}: no such file or directory`); });
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.endsWith('.json')).sort();
  if (names.length === 0) throw new UsageError(`${path}: no .json file in this directory`);
  return names.map((n) => join(path, n));
}

function typesIn(file: string, doc: unknown): EventTypeIn[] {
  const entries = Array.isArray(doc) ? doc
    : doc !== null && typeof doc === 'object' && Array.isArray((doc as { event_types?: unknown }).event_types) ? (doc as { event_types: unknown[] }).event_types
      : [doc];
  return entries.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { name?: unknown }).name !== 'string') {
      throw new UsageError(`${file}: entry ${i} is not an event type ({"name": "…", …}); a file holds one, a list, or {"event_types": [...]}`);
    }
    return entry as EventTypeIn;
  });
}

export async function importEventTypes(paths: string[], options: RemoteOptions): Promise<void> {
  const relais = clientOf(options);
  const types: EventTypeIn[] = [];
  for (const path of paths) {
    for (const file of await filesOf(path)) types.push(...typesIn(file, checkJson((await readSource(file)).toString('utf8'), file)));
  }
  const bar = progress();
  const done = { created: [] as string[], updated: [] as string[] };
  try {
    for (const [i, type] of types.entries()) {
      bar.update(`importing ${i + 1}/${types.length}: ${type.name}`);
      const { created, name } = await relais.eventTypes.upsert(type);
      (created ? done.created : done.updated).push(name);
    }
  } catch (err) {
    bar.done();
    note(options, `stopped at ${types[done.created.length + done.updated.length]?.name}: ${done.created.length} created, ${done.updated.length} updated before it`);
    throw err;
  }
  bar.done();
  print(options, done, () => `${done.created.length} created, ${done.updated.length} updated${done.created.length ? `: new ${done.created.join(', ')}` : ''}`);
}

export async function listEventTypes(options: RemoteOptions): Promise<void> {
  const types = await clientOf(options).eventTypes.list();
  print(options, { data: types }, () => table(['NAME', 'DESCRIPTION'], types.map((t) => [t.name, cell(t.description)])));
}
