/** A command's fingerprint: the same key may only ever mean the same command. */
import { createHash } from 'node:crypto';
import type { Command } from './catalog.js';

export function payloadHash(command: Pick<Command, 'type' | 'input'>): string {
  return createHash('sha256')
    .update(canonicalJson({ type: command.type, input: command.input }))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
