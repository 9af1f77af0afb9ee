import { DomainError } from '../../../shared/domain-error.js';

const STATUS = {
  invalid_request: 400,
  unsupported_grant_type: 400,
  invalid_client: 401,
  temporarily_unavailable: 503,
} as const;
export type OAuthErrorCode = keyof typeof STATUS;

/**
 * An RFC 6749 §5.2 error of the token endpoint. Unlike every other error it is answered as
 * plain `{error, error_description?}` JSON, outside the envelope (SPEC §1.3).
 */
export class OAuthError extends DomainError {
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description?: string,
  ) {
    super(error, description ?? error);
    this.status = STATUS[error];
  }
}
