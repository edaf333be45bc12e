// docs/webhook.md is what receivers are written against: the checks it names must exist, and what it says
// about the HMAC key (surrounding whitespace trimmed, the newline `echo` adds included) must be true.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.ts';
import { resolveSecret } from '../../src/config/secrets.ts';
import { selfCheck } from '../../src/self/check.ts';
import { Redactor } from '../../src/util/redact.ts';

const doc = readFileSync(new URL('../../docs/webhook.md', import.meta.url), 'utf8');

describe('docs/webhook.md', () => {
  it('names only checks that exist', () => {
    const known = new Set([...builtinChecks, selfCheck].map((c) => c.id));
    const named = [
      ...[...doc.matchAll(/"checkId":\s*"([^"]+)"/g)].map((m) => m[1]!),
      ...[...doc.matchAll(/"fingerprint":\s*"([^":]+):/g)].map((m) => m[1]!),
      ...[...(/the check, e\.g\. ([^|]+)\|/.exec(doc)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    ];
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((id) => !known.has(id))).toEqual([]);
  });

  it('says the HMAC key file is trimmed, and it is', () => {
    expect(doc).toMatch(/newline is not part of the key/);
    const dir = mkdtempSync(join(tmpdir(), 'clawmedic-hmac-'));
    try {
      writeFileSync(join(dir, 'hook.key'), 's3cret-key\n', { mode: 0o600 });
      expect(resolveSecret(`file:${join(dir, 'hook.key')}`, new Redactor())).toBe('s3cret-key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
