import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Swagger only: the body is read by hand (RFC 6749 ignores unknown parameters). */
export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'], example: 'client_credentials' })
  grant_type: string;

  @ApiPropertyOptional({
    example: 'app_0123456789abcdef01234567',
    description:
      'The client_id of POST /platform/v1/apps; required unless sent with HTTP Basic authentication',
  })
  client_id?: string;

  @ApiPropertyOptional({
    example: 'sk_paste-the-client_secret-shown-once-at-creation',
    description:
      'The client_secret shown once by POST /platform/v1/apps; required unless sent with HTTP Basic authentication',
  })
  client_secret?: string;
}

/** The tester pastes their app's credentials over the two placeholders. */
export const TOKEN_REQUEST_EXAMPLE = {
  grant_type: 'client_credentials',
  client_id: 'app_0123456789abcdef01234567',
  client_secret: 'sk_paste-the-client_secret-shown-once-at-creation',
} satisfies TokenRequestDto;

export class TokenResponseDto {
  @ApiProperty({ description: 'A JWT; send it as `Authorization: Bearer …`' })
  access_token: string;
  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';
  @ApiProperty({ type: 'integer', example: 3600, description: 'Lifetime in seconds' })
  expires_in: number;
  @ApiProperty({ example: 'clients:read clients:import' })
  scope: string;
}

export class OAuthErrorDto {
  @ApiProperty({
    enum: [
      'invalid_request',
      'unsupported_grant_type',
      'invalid_client',
      'temporarily_unavailable',
    ],
  })
  error: string;
  @ApiPropertyOptional({ example: 'grant_type is required' })
  error_description?: string;
}
