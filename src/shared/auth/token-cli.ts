/**
 * Prints a token signed with the configured secret:
 *   npm run token -- --business <uid> --scope "<scopes>" [--sub <id>] [--expires 1h]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/app-config.js';
import { signToken } from './jwt.js';
import { SCOPES } from './principal.js';
import { resolveSigningSecret } from './signing-secret.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      business: { type: 'string' },
      scope: { type: 'string' },
      sub: { type: 'string', default: 'cli-user' },
      expires: { type: 'string', default: '1h' },
    },
  });
  const config = loadConfig();
  const { secret } = await resolveSigningSecret(config);
  if (!secret) {
    throw new Error(
      'no signing secret: set AUTH_JWT_SECRET (tokens for a JWKS provider come from it)',
    );
  }
  const scope = values.scope ?? SCOPES.filter((s) => s !== 'platform:admin').join(' ');
  const unknown = scope.split(' ').filter((s) => s && !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scope(s): ${unknown.join(', ')}`);
  const token = await signToken(
    secret,
    { sub: values.sub!, scope, ...(values.business ? { business_uid: values.business } : {}) },
    { expiresIn: values.expires, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE },
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
