import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { channelWebhooks, configuredProviders, envReferences, hostDependencies } from '../../checks/openclaw-deps.ts';
import { providerStates } from '../../checks/providers.ts';
import { parseEnvFile, parseEnviron, parseUnitEnvironment } from '../../src/platform/gateway-env.ts';

const config = (text: string) => JSON5.parse(text) as Record<string, unknown>;

describe('what openclaw.json says the install depends on', () => {
  const c = config(`{
    models: { providers: { acme: { baseUrl: "https://llm.acme.test:8443/v1" }, local: { baseUrl: "http://127.0.0.1:8000/v1" }, mystery: {} } },
    auth: { profiles: { "anthropic:manual": { provider: "anthropic", mode: "token" } } },
    agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4-6", fallbacks: ["minimax/MiniMax-M2.7"] } }, list: [{ id: "ops", model: "Groq/llama" }] },
    channels: { telegram: { enabled: true }, discord: {}, matrix: { homeserver: "https://matrix.example.test" }, irc: {}, slack: { enabled: false } },
  }`);

  it('providers from models.providers, auth profiles and every agent model, each once', () => {
    expect(configuredProviders(c).map((p) => [p.id, p.source])).toEqual([
      ['acme', 'models.providers.acme.baseUrl'],
      ['local', 'models.providers.local.baseUrl'],
      ['mystery', 'models.providers.mystery'],
      ['anthropic', 'auth.profiles.anthropic:manual'],
      ['openrouter', 'agents.defaults.model.primary'],
      ['minimax', 'agents.defaults.model.fallbacks[0]'],
      ['groq', 'agents.list[0].model'],
    ]);
  });

  it('hosts: configured base URLs, known provider defaults, channel APIs; unknown ones listed; a disabled channel left out', () => {
    const deps = hostDependencies(c);
    expect(deps.hosts.map((h) => `${h.host}:${h.port}`)).toEqual([
      'llm.acme.test:8443',
      '127.0.0.1:8000',
      'api.anthropic.com:443',
      'openrouter.ai:443',
      'api.minimax.io:443',
      'api.groq.com:443',
      'api.telegram.org:443',
      'discord.com:443',
      'gateway.discord.gg:443',
      'matrix.example.test:443',
    ]);
    expect(deps.hosts.find((h) => h.host === 'api.anthropic.com')!.source).toBe("provider anthropic's API (auth.profiles.anthropic:manual)");
    expect(deps.unknownProviders).toEqual(['mystery']);
    expect(deps.unknownChannels).toEqual(['irc']);
  });

  it("webhook URLs of channels and their accounts (a disabled account's left out)", () => {
    const hooks = channelWebhooks(config(`{ channels: {
      telegram: { webhookUrl: "https://bot.example.test/telegram-webhook", accounts: { alt: { webhookUrl: "https://alt.example.test/tg" }, off: { enabled: false, webhookUrl: "https://off.example.test/" } } },
      zalo: { enabled: false, webhookUrl: "https://zalo.example.test/" },
    } }`));
    expect(hooks).toEqual([
      { channel: 'telegram', url: 'https://bot.example.test/telegram-webhook', path: 'channels.telegram.webhookUrl' },
      { channel: 'telegram', account: 'alt', url: 'https://alt.example.test/tg', path: 'channels.telegram.accounts.alt.webhookUrl' },
    ]);
  });

  it('env references: ${VAR} in strings (upper case only, $${VAR} is an escape), a whole-string $VAR, env SecretRefs', () => {
    const refs = envReferences(config(`{
      gateway: { auth: { token: "\${GW_TOKEN}" } },
      models: { providers: { a: { apiKey: "$A_KEY", headers: { x: "Bearer \${A_HEADER}-\${A_HEADER2}" } }, b: { apiKey: { source: "env", provider: "default", id: "B_KEY" } }, c: { apiKey: { source: "file", provider: "f", id: "/x" } } } },
      notes: ["\${lower_case} $\${ESCAPED} \${LIST_VAR}", "costs $5"],
    }`));
    expect(refs.map((r) => `${r.name}@${r.path}`)).toEqual([
      'GW_TOKEN@gateway.auth.token',
      'A_KEY@models.providers.a.apiKey',
      'A_HEADER@models.providers.a.headers.x',
      'A_HEADER2@models.providers.a.headers.x',
      'B_KEY@models.providers.b.apiKey',
      'LIST_VAR@notes[0]',
    ]);
  });
});

describe("the gateway's environment, by name", () => {
  it('/proc environ: empty values count as unset; only the TLS settings keep a value unless asked', () => {
    const env = parseEnviron(Buffer.from('A=1\0EMPTY=\0NODE_TLS_REJECT_UNAUTHORIZED=0\0SECRET=s3cr3t\0=junk\0NOEQ\0'));
    expect([...env.names]).toEqual(['A', 'NODE_TLS_REJECT_UNAUTHORIZED', 'SECRET']);
    expect(env.settings).toEqual({ NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    expect(env.values).toBeUndefined();
    expect(parseEnviron('SECRET=s3cr3t\0', true).values).toEqual({ SECRET: 's3cr3t' });
  });

  it('dotenv and EnvironmentFile lines: comments, export, quotes', () => {
    const env = parseEnvFile('# comment\nexport A="x y"\nB=\'z\'\nC=plain # trailing\nD=\n  E = spaced\nnot a line\n', true);
    expect(env.values).toEqual({ A: 'x y', B: 'z', C: 'plain', E: 'spaced' });
  });

  it("a systemd unit's Environment= assignments and EnvironmentFile= paths", () => {
    const unit = '[Service]\nEnvironment=HOME=/home/u "OPENAI_API_KEY=sk x" NODE_EXTRA_CA_CERTS=/etc/ca.pem\nEnvironmentFile=-/home/u/.openclaw/gateway.systemd.env\nExecStart=/usr/bin/openclaw gateway run\n';
    const parsed = parseUnitEnvironment(unit);
    expect([...parsed.env.names]).toEqual(['HOME', 'OPENAI_API_KEY', 'NODE_EXTRA_CA_CERTS']);
    expect(parsed.env.settings).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
    expect(parsed.files).toEqual(['/home/u/.openclaw/gateway.systemd.env']);
  });
});

describe('provider states from `models status` auth sections', () => {
  it('each provider keeps its worst state; masked key material is never part of it', () => {
    const states = providerStates(
      {
        providers: [{ provider: 'anthropic', effective: { kind: 'env', detail: 'sk-ant-f...-capture' }, env: { value: 'sk-ant-f...-capture' } }],
        oauth: { providers: [{ provider: 'anthropic', status: 'expiring', remainingMs: 3_600_000 }, { provider: 'google', status: 'ok' }] },
        missingProvidersInUse: ['openai'],
        runtimeAuthRoutes: [{ provider: 'openai', runtime: 'codex', status: 'unavailable', authStatus: 'missing', runtimeStatus: 'unavailable', runtimeDetail: 'No enabled plugin owns agent harness "codex".' }],
        unusableProfiles: [{ provider: 'xai', profileId: 'xai:default', reason: 'rate_limit cooldown' }],
      },
      Date.now(),
    );
    expect(states).toEqual([
      { provider: 'anthropic', status: 'warn', state: 'expiring in 1h' },
      { provider: 'google', status: 'ok', state: 'ok (ok)' },
      { provider: 'openai', status: 'crit', state: 'missing (in use, no credentials)' },
      { provider: 'xai', status: 'warn', state: 'profile xai:default unusable: rate_limit cooldown' },
    ]);
    expect(JSON.stringify(states)).not.toContain('sk-ant');
  });
});
