import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeServerConfig, loadServerConfig } from './server-config.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const noEnv = {} as NodeJS.ProcessEnv;

describe('server configuration', () => {
  it('has safe defaults: loopback only', () => {
    const config = loadServerConfig({ dataDir: dir, env: noEnv });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 7070, logLevel: 'info', trustedProxies: [] });
    expect(config.tls).toBeUndefined();
  });

  it('layers defaults, then the config file, then the environment, then flags', () => {
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ host: '0.0.0.0', port: 8080, logLevel: 'warn', trustedProxies: ['10.0.0.2'] }));
    const fileOnly = loadServerConfig({ dataDir: dir, env: noEnv });
    expect(fileOnly).toMatchObject({ host: '0.0.0.0', port: 8080, logLevel: 'warn', trustedProxies: ['10.0.0.2'] });
    expect(fileOnly.origins.port).toBe('config file');
    const withEnv = loadServerConfig({ dataDir: dir, env: { HEARTH_PORT: '9090', HEARTH_TRUSTED_PROXIES: '10.0.0.3, 10.0.0.4' } as NodeJS.ProcessEnv });
    expect(withEnv).toMatchObject({ host: '0.0.0.0', port: 9090, trustedProxies: ['10.0.0.3', '10.0.0.4'] });
    const withFlags = loadServerConfig({ dataDir: dir, env: { HEARTH_PORT: '9090' } as NodeJS.ProcessEnv, flags: { port: '7171' } });
    expect(withFlags.port).toBe(7171);
    expect(withFlags.origins).toMatchObject({ port: 'command line', host: 'config file', logLevel: 'config file' });
  });

  it('names the source of a bad value', () => {
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ port: 'seventy' }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv })).toThrow(/config file .*hearth\.json: port must be a whole number/);
    expect(() => loadServerConfig({ dataDir: join(dir, 'none'), env: { HEARTH_LOG_LEVEL: 'chatty' } as NodeJS.ProcessEnv })).toThrow(/environment: log level must be one of/);
    expect(() => loadServerConfig({ dataDir: join(dir, 'none'), env: noEnv, flags: { port: '70000' } })).toThrow(/command line: port/);
  });

  it('refuses unknown settings, a missing file, and half an HTTPS setup', () => {
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ prot: 1 }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv, configFile: join(dir, 'typo.json') })).toThrow(/unknown setting "prot"/);
    expect(() => loadServerConfig({ dataDir: dir, env: { HEARTH_CONFIG: join(dir, 'nope.json') } as NodeJS.ProcessEnv })).toThrow(/does not exist/);
    expect(() => loadServerConfig({ dataDir: dir, env: { HEARTH_TLS_CERT: join(dir, 'cert.pem') } as NodeJS.ProcessEnv })).toThrow(/needs both a certificate and a key/);
    expect(() => loadServerConfig({ dataDir: dir, env: { HEARTH_TLS_CERT: join(dir, 'c.pem'), HEARTH_TLS_KEY: join(dir, 'k.pem') } as NodeJS.ProcessEnv })).toThrow(/does not exist/);
  });

  it('caps uploads at 256 MiB by default, settable in whole MiB', () => {
    expect(loadServerConfig({ dataDir: dir, env: noEnv }).maxUploadMiB).toBe(256);
    expect(loadServerConfig({ dataDir: dir, env: { HEARTH_MAX_UPLOAD_MIB: '64' } as NodeJS.ProcessEnv }).maxUploadMiB).toBe(64);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ maxUploadMiB: 0.5 }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv })).toThrow(/config file .*maxUploadMiB must be a whole number from 1 to 4096/);
  });

  it('takes an outbound allowlist of origins and CIDRs from the file or the environment, and names a bad entry', () => {
    expect(loadServerConfig({ dataDir: dir, env: noEnv }).outboundAllowlist).toEqual([]);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ outboundAllowlist: ['http://127.0.0.1:8085', '192.168.0.0/16'] }));
    expect(loadServerConfig({ dataDir: dir, env: noEnv }).outboundAllowlist).toEqual(['http://127.0.0.1:8085', '192.168.0.0/16']);
    const fromEnv = loadServerConfig({ dataDir: dir, env: { HEARTH_OUTBOUND_ALLOWLIST: 'https://fhir.lan:9443, fd00::/8' } as NodeJS.ProcessEnv });
    expect(fromEnv.outboundAllowlist).toEqual(['https://fhir.lan:9443', 'fd00::/8']);
    expect(fromEnv.origins.outboundAllowlist).toBe('environment');
    expect(describeServerConfig(fromEnv, 'key file')).toContain('outbound allow  https://fhir.lan:9443, fd00::/8  (environment)');
    expect(() => loadServerConfig({ dataDir: dir, env: { HEARTH_OUTBOUND_ALLOWLIST: 'http://127.0.0.1:8085,ftp://files.lan' } as NodeJS.ProcessEnv })).toThrow(
      /environment: outbound allowlist entry "ftp:\/\/files\.lan": an origin must start with http:\/\/ or https:\/\//,
    );
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ outboundAllowlist: '10.0.0.0/8' }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv })).toThrow(/config file .*outboundAllowlist must be a list/);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ outboundAllowlist: ['10.0.0.0/40'] }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv })).toThrow(/config file .*"10\.0\.0\.0\/40": not a CIDR range/);
  });

  it('prints every value with its origin and never a key', () => {
    const text = describeServerConfig(loadServerConfig({ dataDir: dir, env: noEnv, flags: { port: '7000' } }), 'HEARTH_MASTER_KEY');
    expect(text).toContain('port            7000  (command line)');
    expect(text).toContain('master key      from HEARTH_MASTER_KEY (value hidden)');
  });

  it('layers the session timeouts and the login limit like the rest, and bounds them', () => {
    expect(loadServerConfig({ dataDir: dir, env: noEnv })).toMatchObject({ sessionIdleMinutes: 15, sessionAbsoluteHours: 12, maxFailedLoginsPerHour: 100 });
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ sessionIdleMinutes: 30, sessionAbsoluteHours: 8, maxFailedLoginsPerHour: 50 }));
    const fileOnly = loadServerConfig({ dataDir: dir, env: noEnv });
    expect(fileOnly).toMatchObject({ sessionIdleMinutes: 30, sessionAbsoluteHours: 8, maxFailedLoginsPerHour: 50 });
    expect(fileOnly.origins.sessionIdleMinutes).toBe('config file');
    const env = { HEARTH_SESSION_IDLE_MINUTES: '20', HEARTH_SESSION_ABSOLUTE_HOURS: '6', HEARTH_MAX_FAILED_LOGINS_PER_HOUR: '40' } as NodeJS.ProcessEnv;
    expect(loadServerConfig({ dataDir: dir, env })).toMatchObject({ sessionIdleMinutes: 20, sessionAbsoluteHours: 6, maxFailedLoginsPerHour: 40 });
    const flagged = loadServerConfig({ dataDir: dir, env, flags: { sessionIdleMinutes: '5', maxFailedLoginsPerHour: '10' } });
    expect(flagged).toMatchObject({ sessionIdleMinutes: 5, sessionAbsoluteHours: 6, maxFailedLoginsPerHour: 10 });
    expect(flagged.origins).toMatchObject({ sessionIdleMinutes: 'command line', sessionAbsoluteHours: 'environment', maxFailedLoginsPerHour: 'command line' });
    expect(() => loadServerConfig({ dataDir: dir, env, flags: { maxFailedLoginsPerHour: '101' } })).toThrow(/command line: maxFailedLoginsPerHour must be a whole number from 1 to 100/);
    expect(() => loadServerConfig({ dataDir: dir, env: { HEARTH_SESSION_IDLE_MINUTES: '0' } as NodeJS.ProcessEnv })).toThrow(/environment: sessionIdleMinutes/);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ sessionAbsoluteHours: 'long' }));
    expect(() => loadServerConfig({ dataDir: dir, env: noEnv })).toThrow(/config file .*: sessionAbsoluteHours must be a whole number/);
    const text = describeServerConfig(flagged, 'key file');
    expect(text).toContain('session idle    5 min  (command line)');
    expect(text).toContain('login limit     10 failures/hour/account  (command line)');
  });
});
