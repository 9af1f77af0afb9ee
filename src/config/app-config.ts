import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import ipaddr from 'ipaddr.js';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no', ''].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * The environment the service reads, validated once at startup (SPEC §7).
 * Every variable is listed in `.env.example`.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters long' })
  AUTH_JWT_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  AUTH_JWKS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTH_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTH_AUDIENCE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_SESSION_TTL_SECONDS = 1800;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_SESSION_RETENTION_SECONDS = 86_400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_MAX_ROWS = 100_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_MAX_FILE_BYTES = 50 * 1024 * 1024;

  @Transform(toBool)
  @IsBoolean()
  IMPORT_ALLOW_PRIVATE_APP_URIS = false;

  /** How long after an import ended it can be undone (`POST {one}/revert`); 7 days by default. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_UNDO_SECONDS = 604_800;

  /** How long a confirming instance's lease lives without a heartbeat (crash → resume after it). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  IMPORT_LEASE_SECONDS = 30;

  /** Import jobs (validate, confirm, app pulls) one instance runs at a time in the background. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  IMPORT_JOB_CONCURRENCY = 2;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  )
  @IsString()
  @MinLength(2)
  DEFAULT_PHONE_REGION = 'IT';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true })
  SMTP_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** After SIGTERM, how long running requests may take before the process closes anyway. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  SHUTDOWN_TIMEOUT_SECONDS = 25;

  /**
   * Express's `trust proxy`: `false` (the default: the client address is the socket's), `true`,
   * a number of proxy hops, or a comma-separated list of addresses, subnets or the names
   * `loopback`, `linklocal`, `uniquelocal`. Rate limits per address use the address it yields.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim() || 'false' : value,
  )
  @IsString()
  TRUST_PROXY = 'false';

  /** Connections in this instance's database pool. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_SIZE = 10;

  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  /** Express's `trust proxy` value for TRUST_PROXY (undefined when it is not valid). */
  get trustProxy(): boolean | number | string[] | undefined {
    return parseTrustProxy(this.TRUST_PROXY);
  }
  /**
   * 32 bytes, base64 (`openssl rand -base64 32`): the AES-256-GCM key apps' client secrets are
   * kept under (SPEC §8). Required in production; generated once in DATA_DIR otherwise.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/_-]{43}=?$/, {
    message: 'APP_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  })
  APP_SECRET_KEY?: string;

  /** The request line and headers must arrive within this (slow-header attacks). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_HEADERS_TIMEOUT_SECONDS = 20;

  /** A whole request, body included, must arrive within this (a 50 MiB upload at ~0.5 Mbit/s). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_REQUEST_TIMEOUT_SECONDS = 900;

  /** An idle keep-alive connection is closed after this; keep it above the load balancer's. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS = 65;

  /**
   * A request body must keep arriving at this rate at least, measured over every window of
   * HTTP_BODY_RATE_WINDOW_SECONDS (trickled uploads are cut with a 408).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_BODY_MIN_BYTES_PER_SECOND = 8192;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_BODY_RATE_WINDOW_SECONDS = 10;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustProxy(value: string): boolean | number | string[] | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d{1,3}$/.test(v)) return Number(v);
  const parts = v.split(',').map((part) => part.trim());
  const valid = parts.every(
    (part) => PROXY_NAMES.has(part) || ipaddr.isValid(part) || isCidr(part),
  );
  return valid ? parts : undefined;
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(error: ValidationError): string {
  const shown = error.value === undefined ? '(unset)' : JSON.stringify(String(error.value));
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}=${shown}: ${reasons}`;
}

/** Reads and validates the environment; throws one error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const input: Record<string, string> = {};
  for (const key of [
    ...known,
    'DATABASE_URL',
    'AUTH_JWT_SECRET',
    'AUTH_JWKS_URL',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
    'SMTP_URL',
    'METRICS_TOKEN',
    'APP_SECRET_KEY',
  ]) {
    const value = env[key];
    if (value !== undefined) input[key] = value;
  }
  const config = plainToInstance(AppConfig, input);
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.map(describe);
  if (config.isProduction && !config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET or AUTH_JWKS_URL must be set when NODE_ENV=production');
  }
  if (config.trustProxy === undefined) {
    problems.push(
      `TRUST_PROXY=${JSON.stringify(config.TRUST_PROXY)}: must be true, false, a number of proxy hops, or a comma-separated list of addresses, subnets (CIDR), loopback, linklocal or uniquelocal`,
    );
  }
  if (config.isProduction && !config.APP_SECRET_KEY) {
    problems.push('APP_SECRET_KEY must be set when NODE_ENV=production (openssl rand -base64 32)');
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}
