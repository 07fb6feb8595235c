import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';
import { parseAllowlist } from '../outbound/allowlist.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What `hearth serve` runs with. Secrets (keys) are not here: see instance/master-key-source.ts. */
export interface ServerConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Serve HTTPS from this certificate and key (PEM files); HSTS is sent when set. */
  tls?: { cert: string; key: string };
  /** Addresses of reverse proxies whose X-Forwarded-* headers are believed. */
  trustedProxies: string[];
  /** SECURITY.md "Passwords and sessions": a session ends after this long unused… */
  sessionIdleMinutes: number;
  /** …and this long after sign-in, however busy. */
  sessionAbsoluteHours: number;
  /** Evaluated failed sign-ins per account per hour before 429 (ASVS 4.0.3 2.2.1: at most 100). */
  maxFailedLoginsPerHour: number;
  /** Largest file accepted by the upload import (held in memory, never written to disk). */
  maxUploadMiB: number;
  /**
   * SECURITY.md "Outbound requests (SSRF)": the owner's exceptions for provider servers on the LAN
   * or this machine — exact origins (may use http and any port) or CIDR ranges. See src/outbound/.
   */
  outboundAllowlist: string[];
  /** Where each value came from, for the start-up summary. */
  origins: Record<string, 'default' | 'config file' | 'environment' | 'command line'>;
  configFile?: string;
}

type Key =
  | 'host'
  | 'port'
  | 'logLevel'
  | 'tlsCert'
  | 'tlsKey'
  | 'trustedProxies'
  | 'maxUploadMiB'
  | 'sessionIdleMinutes'
  | 'sessionAbsoluteHours'
  | 'maxFailedLoginsPerHour'
  | 'outboundAllowlist';
type Layer = Partial<Record<Key, unknown>>;

/** Uploads are held in memory while they wait and run: 256 MiB fits the server's budget with room. */
export const DEFAULT_MAX_UPLOAD_MIB = 256;

const DEFAULTS: Layer = {
  host: '127.0.0.1',
  port: 7070,
  logLevel: 'info',
  trustedProxies: [],
  maxUploadMiB: DEFAULT_MAX_UPLOAD_MIB,
  sessionIdleMinutes: 15,
  sessionAbsoluteHours: 12,
  maxFailedLoginsPerHour: 100,
  outboundAllowlist: [],
};
const FILE_KEYS = new Set(['backup', 'host', 'port', 'logLevel', 'tlsCert', 'tlsKey', 'trustedProxies', 'maxUploadMiB', 'sessionIdleMinutes', 'sessionAbsoluteHours', 'maxFailedLoginsPerHour', 'outboundAllowlist']);

function fromFile(path: string): Layer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new HearthError('invalid', `config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HearthError('invalid', `config file ${path}: must hold a JSON object`);
  // A misspelt key would otherwise be ignored silently and a setting not take effect.
  const unknown = Object.keys(parsed).filter((key) => !FILE_KEYS.has(key));
  if (unknown.length > 0) throw new HearthError('invalid', `config file ${path}: unknown setting "${unknown[0]}" (known: ${[...FILE_KEYS].join(', ')})`);
  return parsed as Layer;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  if (env.HEARTH_HOST) layer.host = env.HEARTH_HOST;
  if (env.HEARTH_PORT) layer.port = env.HEARTH_PORT;
  if (env.HEARTH_LOG_LEVEL) layer.logLevel = env.HEARTH_LOG_LEVEL;
  if (env.HEARTH_TLS_CERT) layer.tlsCert = env.HEARTH_TLS_CERT;
  if (env.HEARTH_TLS_KEY) layer.tlsKey = env.HEARTH_TLS_KEY;
  if (env.HEARTH_MAX_UPLOAD_MIB) layer.maxUploadMiB = env.HEARTH_MAX_UPLOAD_MIB;
  if (env.HEARTH_SESSION_IDLE_MINUTES) layer.sessionIdleMinutes = env.HEARTH_SESSION_IDLE_MINUTES;
  if (env.HEARTH_SESSION_ABSOLUTE_HOURS) layer.sessionAbsoluteHours = env.HEARTH_SESSION_ABSOLUTE_HOURS;
  if (env.HEARTH_MAX_FAILED_LOGINS_PER_HOUR) layer.maxFailedLoginsPerHour = env.HEARTH_MAX_FAILED_LOGINS_PER_HOUR;
  if (env.HEARTH_TRUSTED_PROXIES) layer.trustedProxies = env.HEARTH_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.HEARTH_OUTBOUND_ALLOWLIST) layer.outboundAllowlist = env.HEARTH_OUTBOUND_ALLOWLIST.split(',').map((s) => s.trim()).filter(Boolean);
  return layer;
}

/** Each entry an http(s) origin or a CIDR, checked now so a typo stops start-up rather than a sync. */
function outboundAllowlist(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw new HearthError('invalid', `${where}: outboundAllowlist must be a list of origins or CIDR ranges`);
  try {
    parseAllowlist(value as string[]);
  } catch (error) {
    throw new HearthError('invalid', `${where}: ${(error as Error).message}`);
  }
  return (value as string[]).map((entry) => entry.trim());
}

function port(value: unknown, where: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw new HearthError('invalid', `${where}: port must be a whole number from 0 to 65535, not ${JSON.stringify(value)}`);
  }
  return number;
}

/** A whole number in [min, max], from a number (config file) or a string of digits (environment, flags). */
function wholeNumber(value: unknown, name: string, min: number, max: number, where: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new HearthError('invalid', `${where}: ${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}

function readableFile(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || value === '') throw new HearthError('invalid', `${where}: ${what} must be a file path`);
  if (!existsSync(value)) throw new HearthError('invalid', `${where}: ${what} ${value} does not exist`);
  return resolve(value);
}

/**
 * Configuration in layers, each overriding the one before: defaults → config file (`--config`,
 * `HEARTH_CONFIG`, or `<data dir>/hearth.json` when present) → `HEARTH_*` environment → command-line
 * flags. Validated here, once, with messages that name where a bad value came from.
 */
export function loadServerConfig(options: { dataDir: string; env?: NodeJS.ProcessEnv; flags?: Layer; configFile?: string }): ServerConfig {
  const env = options.env ?? process.env;
  const defaultFile = join(options.dataDir, 'hearth.json');
  const configFile = options.configFile ?? env.HEARTH_CONFIG ?? (existsSync(defaultFile) ? defaultFile : undefined);
  if (configFile !== undefined && !existsSync(configFile)) throw new HearthError('invalid', `config file ${configFile} does not exist`);
  const layers: [ServerConfig['origins'][string], Layer][] = [
    ['default', DEFAULTS],
    ['config file', configFile ? fromFile(configFile) : {}],
    ['environment', fromEnvironment(env)],
    ['command line', options.flags ?? {}],
  ];
  const merged: Layer = {};
  const origins: ServerConfig['origins'] = {};
  for (const [origin, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      merged[key as keyof Layer] = value;
      origins[key] = origin;
    }
  }
  const where = (key: string) => (origins[key] === 'config file' ? `config file ${configFile}` : (origins[key] ?? 'default'));
  if (typeof merged.host !== 'string' || merged.host.trim() === '') throw new HearthError('invalid', `${where('host')}: host must be an address or name`);
  if (!LOG_LEVELS.includes(merged.logLevel as LogLevel)) {
    throw new HearthError('invalid', `${where('logLevel')}: log level must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(merged.logLevel)}`);
  }
  const proxies = merged.trustedProxies;
  if (!Array.isArray(proxies) || proxies.some((p) => typeof p !== 'string')) throw new HearthError('invalid', `${where('trustedProxies')}: trustedProxies must be a list of addresses`);
  if ((merged.tlsCert === undefined) !== (merged.tlsKey === undefined)) {
    throw new HearthError('invalid', 'HTTPS needs both a certificate and a key (tlsCert and tlsKey, or HEARTH_TLS_CERT and HEARTH_TLS_KEY)');
  }
  const tls =
    merged.tlsCert === undefined
      ? undefined
      : { cert: readableFile(merged.tlsCert, 'the TLS certificate', where('tlsCert')), key: readableFile(merged.tlsKey, 'the TLS key', where('tlsKey')) };
  return {
    host: merged.host.trim(),
    port: port(merged.port, where('port')),
    logLevel: merged.logLevel as LogLevel,
    ...(tls ? { tls } : {}),
    trustedProxies: proxies as string[],
    // The 4096 MiB ceiling keeps an upload within what one Buffer holds comfortably.
    maxUploadMiB: wholeNumber(merged.maxUploadMiB, 'maxUploadMiB', 1, 4096, where('maxUploadMiB')),
    // SECURITY.md's 15 min / 12 h are defaults an operator may change within sane bounds (a day
    // idle, 30 days in all); the failure limit may only go below ASVS 4.0.3 2.2.1's 100 an hour.
    sessionIdleMinutes: wholeNumber(merged.sessionIdleMinutes, 'sessionIdleMinutes', 1, 24 * 60, where('sessionIdleMinutes')),
    sessionAbsoluteHours: wholeNumber(merged.sessionAbsoluteHours, 'sessionAbsoluteHours', 1, 24 * 30, where('sessionAbsoluteHours')),
    maxFailedLoginsPerHour: wholeNumber(merged.maxFailedLoginsPerHour, 'maxFailedLoginsPerHour', 1, 100, where('maxFailedLoginsPerHour')),
    outboundAllowlist: outboundAllowlist(merged.outboundAllowlist, where('outboundAllowlist')),
    origins,
    ...(configFile ? { configFile } : {}),
  };
}

/** The configuration as printed once at start: every value with its origin; nothing secret is in it. */
export function describeServerConfig(config: ServerConfig, keyOrigin: string): string {
  const line = (name: string, value: string, origin?: string) => `  ${name.padEnd(15)} ${value}${origin ? `  (${origin})` : ''}`;
  return [
    `configuration${config.configFile ? ` (file: ${config.configFile})` : ''}:`,
    line('host', config.host, config.origins.host),
    line('port', String(config.port), config.origins.port),
    line('log level', config.logLevel, config.origins.logLevel),
    line('https', config.tls ? `certificate ${config.tls.cert}` : 'off', config.origins.tlsCert),
    line('max upload', `${config.maxUploadMiB} MiB`, config.origins.maxUploadMiB),
    line('session idle', `${config.sessionIdleMinutes} min`, config.origins.sessionIdleMinutes),
    line('session max', `${config.sessionAbsoluteHours} h`, config.origins.sessionAbsoluteHours),
    line('login limit', `${config.maxFailedLoginsPerHour} failures/hour/account`, config.origins.maxFailedLoginsPerHour),
    line('trusted proxies', config.trustedProxies.length > 0 ? config.trustedProxies.join(', ') : 'none', config.origins.trustedProxies),
    line('outbound allow', config.outboundAllowlist.length > 0 ? config.outboundAllowlist.join(', ') : 'none (public https only)', config.origins.outboundAllowlist),
    // The master key itself is never printed: only where it came from.
    line('master key', keyOrigin === 'key file' ? 'from the key file' : `from ${keyOrigin} (value hidden)`),
  ].join('\n');
}
