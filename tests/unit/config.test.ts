import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: '', sessionSecret: null, cookieSecure: 'auto', trustProxy: false });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT: must be a whole number/],
    [{ PORT: '70000' }, /^PORT:/],
    [{ DATABASE_URL: 'mysql://x/y' }, /^DATABASE_URL: unsupported scheme/],
    [{ SESSION_SECRET: 'short' }, /^SESSION_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of/],
    [{ SESSION_IDLE_MINUTES: '0' }, /^SESSION_IDLE_MINUTES:/],
    [{ COOKIE_SECURE: 'maybe' }, /^COOKIE_SECURE: must be true or false/],
    [{ TRUST_PROXY: 'everyone!' }, /^TRUST_PROXY:/],
    [{ ADMIN_EMAIL: 'not an address' }, /^ADMIN_EMAIL:/],
    [{ DEMO_ON_FIRST_START: 'perhaps' }, /^DEMO_ON_FIRST_START:/],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /^PUBLIC_URL:/],
    [{ HEALTH_TIMEOUT_MS: '50' }, /^HEALTH_TIMEOUT_MS: must be a whole number from 100/],
  ])('names the variable of a bad value %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('bounds each /health check at 2 s unless told otherwise', () => {
    expect(loadConfig({}).healthTimeoutMs).toBe(2000);
    expect(loadConfig({ HEALTH_TIMEOUT_MS: '500' }).healthTimeoutMs).toBe(500);
  });

  it('reads proxy trust and cookie security', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).trustProxy).toBe('10.0.0.1, 10.0.0.2');
    expect(loadConfig({ TRUST_PROXY: 'true', COOKIE_SECURE: 'true' })).toMatchObject({ trustProxy: true, cookieSecure: true });
  });
});
