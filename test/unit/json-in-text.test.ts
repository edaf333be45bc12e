import { describe, expect, it } from 'vitest';
import { findJsonObject } from '../../src/util/json-in-text.ts';

describe('findJsonObject', () => {
  it('parses a clean document', () => {
    expect(findJsonObject('{"valid":true}\n')).toEqual({ valid: true });
  });

  it('finds a pretty-printed object between banner lines, braces inside strings included', () => {
    const text = '[plugins] acme loaded\n{\n  "ok": true,\n  "message": "a } and a { in a string \\" quoted"\n}\n[plugins] bye {x}\n';
    expect(findJsonObject(text)).toEqual({ ok: true, message: 'a } and a { in a string " quoted' });
  });

  it('skips objects the caller does not want', () => {
    const text = '{"type":"meta"}\n{"schemaVersion":1,"findings":[]}\n';
    expect(findJsonObject(text, (v) => Array.isArray(v.findings))).toEqual({ schemaVersion: 1, findings: [] });
  });

  it('returns undefined for text without a JSON object, and for arrays or truncated JSON', () => {
    expect(findJsonObject('Segmentation fault\n{{{\n')).toBeUndefined();
    expect(findJsonObject('[1,2,3]')).toBeUndefined();
    expect(findJsonObject('{"schemaVersion":1,"findings":[')).toBeUndefined();
  });
});
