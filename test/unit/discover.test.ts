import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_PORT, discoverGateway, locateOpenclaw } from '../../src/config/discover.ts';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'clawmedic-discover-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** Writes openclaw.json (or another file) under the temp home and returns its path. */
function write(rel: string, text: string): string {
  const path = join(home, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('locateOpenclaw', () => {
  it('defaults to ~/.openclaw/openclaw.json', () => {
    expect(locateOpenclaw({ HOME: home })).toEqual({ stateDir: join(home, '.openclaw'), configPath: join(home, '.openclaw', 'openclaw.json') });
  });

  it('uses OPENCLAW_HOME in place of HOME', () => {
    const other = join(home, 'other');
    expect(locateOpenclaw({ HOME: home, OPENCLAW_HOME: other }).configPath).toBe(join(other, '.openclaw', 'openclaw.json'));
  });

  it('uses ~/.openclaw-<profile> for OPENCLAW_PROFILE', () => {
    expect(locateOpenclaw({ HOME: home, OPENCLAW_PROFILE: 'prod' })).toEqual({
      stateDir: join(home, '.openclaw-prod'),
      configPath: join(home, '.openclaw-prod', 'openclaw.json'),
      profile: 'prod',
    });
  });

  it('uses OPENCLAW_STATE_DIR, over a profile', () => {
    const dir = join(home, 'state');
    expect(locateOpenclaw({ HOME: home, OPENCLAW_STATE_DIR: dir, OPENCLAW_PROFILE: 'prod' })).toMatchObject({
      stateDir: dir,
      configPath: join(dir, 'openclaw.json'),
    });
  });

  it('uses OPENCLAW_CONFIG_PATH for the file, keeping the state directory', () => {
    const file = join(home, 'elsewhere', 'oc.json');
    expect(locateOpenclaw({ HOME: home, OPENCLAW_CONFIG_PATH: file })).toEqual({ stateDir: join(home, '.openclaw'), configPath: file });
  });
});

describe('discoverGateway', () => {
  it('defaults to 127.0.0.1:18789 with nothing configured', () => {
    const d = discoverGateway({ HOME: home });
    expect(d).toMatchObject({ host: '127.0.0.1', port: 18789, portSource: 'default', notes: [] });
    expect(DEFAULT_GATEWAY_PORT).toBe(18789);
    expect(d.token).toBeUndefined();
  });

  it('reads gateway.port from openclaw.json written in JSON5 (comments, trailing commas, unquoted keys)', () => {
    const path = write(
      '.openclaw/openclaw.json',
      `// written by openclaw onboard
      {
        gateway: {
          mode: "local", /* the only mode we watch */
          port: 18800,
        },
      }`,
    );
    const d = discoverGateway({ HOME: home });
    expect(d.port).toBe(18800);
    expect(d.portSource).toBe(`${path} gateway.port`);
    expect(d.notes).toEqual([]);
  });

  it('lets OPENCLAW_GATEWAY_PORT win over gateway.port', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_GATEWAY_PORT: '18790' });
    expect(d.port).toBe(18790);
    expect(d.portSource).toBe('env OPENCLAW_GATEWAY_PORT');
  });

  it.each(['abc', '0', '70000', '18789.5', '-1'])('notes and ignores OPENCLAW_GATEWAY_PORT=%j', (value) => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_GATEWAY_PORT: value });
    expect(d.port).toBe(18800);
    expect(d.notes).toEqual([`OPENCLAW_GATEWAY_PORT="${value}" is not a port number; ignored`]);
  });

  it('ignores an empty OPENCLAW_GATEWAY_PORT without a note', () => {
    const d = discoverGateway({ HOME: home, OPENCLAW_GATEWAY_PORT: '' });
    expect(d).toMatchObject({ port: 18789, notes: [] });
  });

  it('reads the file named by OPENCLAW_CONFIG_PATH', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    const path = write('custom/oc.json5', '{ gateway: { port: 18811 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_CONFIG_PATH: path });
    expect(d.port).toBe(18811);
    expect(d.location.configPath).toBe(path);
  });

  it('reads <OPENCLAW_STATE_DIR>/openclaw.json', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    write('state/openclaw.json', '{ gateway: { port: 18822 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_STATE_DIR: join(home, 'state') });
    expect(d.port).toBe(18822);
    expect(d.location.stateDir).toBe(join(home, 'state'));
  });

  it('reads ~/.openclaw-<profile>/openclaw.json for OPENCLAW_PROFILE', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    write('.openclaw-prod/openclaw.json', '{ gateway: { port: 18833 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_PROFILE: 'prod' });
    expect(d.port).toBe(18833);
    expect(d.location).toMatchObject({ profile: 'prod', stateDir: join(home, '.openclaw-prod') });
  });

  it('uses port 19001 for the dev profile', () => {
    const d = discoverGateway({ HOME: home, OPENCLAW_PROFILE: 'dev' });
    expect(d.port).toBe(19001);
    expect(d.portSource).toBe('default (dev profile)');
    expect(d.location.stateDir).toBe(join(home, '.openclaw-dev'));
  });

  it('lets gateway.port of the dev profile win over its default', () => {
    write('.openclaw-dev/openclaw.json', '{ gateway: { port: 19555 } }');
    expect(discoverGateway({ HOME: home, OPENCLAW_PROFILE: 'dev' }).port).toBe(19555);
  });

  it('reads an explicitly given openclaw.json instead of the discovered one', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: 18800 } }');
    const path = write('mine.json', '{ gateway: { port: 18844 } }');
    const d = discoverGateway({ HOME: home }, path);
    expect(d.port).toBe(18844);
    expect(d.location.configPath).toBe(path);
  });

  it('ignores a gateway.port that is not a whole number', () => {
    write('.openclaw/openclaw.json', '{ gateway: { port: "18800" } }');
    expect(discoverGateway({ HOME: home })).toMatchObject({ port: 18789, portSource: 'default' });
  });

  describe('token', () => {
    it('takes OPENCLAW_GATEWAY_TOKEN first', () => {
      write('.openclaw/openclaw.json', '{ gateway: { auth: { mode: "token", token: "from-file-token" } } }');
      const d = discoverGateway({ HOME: home, OPENCLAW_GATEWAY_TOKEN: 'from-env-token' });
      expect(d.token).toBe('from-env-token');
      expect(d.tokenSource).toBe('env OPENCLAW_GATEWAY_TOKEN');
    });

    it('reads gateway.auth.token from openclaw.json', () => {
      const path = write('.openclaw/openclaw.json', '{ gateway: { auth: { mode: "token", token: "from-file-token" } } }');
      const d = discoverGateway({ HOME: home });
      expect(d.token).toBe('from-file-token');
      expect(d.tokenSource).toBe(`${path} gateway.auth.token`);
    });

    it('substitutes ${VAR} in gateway.auth.token', () => {
      write('.openclaw/openclaw.json', '{ gateway: { auth: { token: "${OC_TOKEN}" } } }');
      expect(discoverGateway({ HOME: home, OC_TOKEN: 'substituted-token' }).token).toBe('substituted-token');
      write('.openclaw/openclaw.json', '{ gateway: { auth: { token: "pre-${A}-${B}" } } }');
      expect(discoverGateway({ HOME: home, A: 'one', B: 'two' }).token).toBe('pre-one-two');
    });

    it('has no token when a ${VAR} in gateway.auth.token is unset', () => {
      write('.openclaw/openclaw.json', '{ gateway: { auth: { token: "${MISSING_TOKEN_VAR}" } } }');
      const d = discoverGateway({ HOME: home });
      expect(d.token).toBeUndefined();
      expect(d).not.toHaveProperty('tokenSource');
    });
  });

  it('falls back to defaults with a note when openclaw.json does not parse', () => {
    const path = write('.openclaw/openclaw.json', '{ gateway: { "mode": "local, "port": 18800 } }');
    const d = discoverGateway({ HOME: home, OPENCLAW_GATEWAY_TOKEN: 'still-used-token' });
    expect(d).toMatchObject({ host: '127.0.0.1', port: 18789, portSource: 'default', token: 'still-used-token' });
    expect(d.notes).toHaveLength(1);
    expect(d.notes[0]).toContain(path);
    expect(d.notes[0]).toContain('does not parse');
  });

  it('notes when openclaw.json cannot be read for another reason than absence', () => {
    mkdirSync(join(home, '.openclaw', 'openclaw.json'), { recursive: true });
    const d = discoverGateway({ HOME: home });
    expect(d.port).toBe(18789);
    expect(d.notes).toEqual([`cannot read ${join(home, '.openclaw', 'openclaw.json')}: it is a directory, not a regular file; using default gateway settings`]);
  });

  it.each(['tailnet', 'custom'])('notes a gateway.bind of %j (it may not listen on loopback) but still probes 127.0.0.1', (bind) => {
    write('.openclaw/openclaw.json', `{ gateway: { bind: "${bind}" } }`);
    const d = discoverGateway({ HOME: home });
    expect(d.host).toBe('127.0.0.1');
    expect(d.bind).toBe(bind);
    expect(d.notes).toHaveLength(1);
    expect(d.notes[0]).toContain(`gateway.bind is "${bind}"`);
  });

  it.each(['loopback', 'lan', 'auto'])('has nothing to say about gateway.bind %j', (bind) => {
    write('.openclaw/openclaw.json', `{ gateway: { bind: "${bind}" } }`);
    expect(discoverGateway({ HOME: home }).notes).toEqual([]);
  });
});
