import {
  Body,
  Controller,
  Header,
  Headers,
  HttpCode,
  Post,
  SetMetadata,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { Public } from '../../../shared/auth/auth.decorators.js';
import { BareErrorEnvelopeDto } from '../../../shared/http/envelope.dto.js';
import { RAW_RESPONSE_KEY } from '../../../shared/http/envelope.interceptor.js';
import { envelope, UNAVAILABLE_MESSAGE } from '../../../shared/http/error.filter.js';
import { RateLimited } from '../../../shared/http/rate-limit.js';
import { AppTokenService } from '../application/app-token.service.js';
import { OAuthErrorFilter } from './oauth-error.filter.js';
import {
  OAuthErrorDto,
  TOKEN_REQUEST_EXAMPLE,
  TokenRequestDto,
  TokenResponseDto,
} from './oauth.dto.js';
import { readTokenRequest } from './token-request.js';

const NO_STORE = { 'Cache-Control': { schema: { type: 'string', example: 'no-store' } } };

/** The OAuth 2.0 token endpoint (SPEC §1.3): plain RFC 6749 JSON, the one response without envelope. */
@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class OAuthController {
  constructor(private readonly tokens: AppTokenService) {}

  @Post('token')
  @Public()
  @RateLimited('oauth_token')
  @HttpCode(200)
  @SetMetadata(RAW_RESPONSE_KEY, true)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    operationId: 'issueAppToken',
    summary: 'Get an app token (client credentials grant)',
    description: [
      'An app trades its `client_id` and `client_secret` (in the body, or as HTTP Basic',
      'authentication `base64(client_id:client_secret)`) for a 1-hour bearer token with',
      '`sub: app:<app_code_name>` and the scopes `clients:read clients:import`. The app then acts',
      'for a business it is assigned to by sending `X-On-Behalf-Of: <business_uid>`.',
      '',
      'Answers are plain RFC 6749 JSON, not the `{code, message, data}` envelope (except the',
      '429 of the rate limit and the 503 of a database outage). In Swagger UI: paste the',
      '`client_id` and `client_secret` of `POST /platform/v1/apps`, or use **Authorize → oauth2**.',
    ].join('\n'),
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiExtraModels(TokenRequestDto)
  @ApiBody({
    schema: { $ref: getSchemaPath(TokenRequestDto) },
    examples: {
      default: {
        summary: 'Paste the client_id and client_secret of your app',
        value: TOKEN_REQUEST_EXAMPLE,
      },
    },
  })
  @ApiOkResponse({
    type: TokenResponseDto,
    headers: NO_STORE,
    description: 'The app token (plain RFC 6749 JSON, not the envelope)',
  })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: '`invalid_request` (a parameter missing or repeated) or `unsupported_grant_type`',
    examples: {
      invalid_request: {
        summary: 'client_secret is required',
        value: { error: 'invalid_request', error_description: 'client_secret is required' },
      },
      unsupported_grant_type: {
        summary: 'unsupported_grant_type',
        value: { error: 'unsupported_grant_type' },
      },
    },
  })
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    description: '`invalid_client`: unknown client_id or wrong client_secret',
    example: { error: 'invalid_client' },
  })
  @ApiExtraModels(OAuthErrorDto, BareErrorEnvelopeDto)
  @ApiServiceUnavailableResponse({
    description:
      '`temporarily_unavailable`: the server has no HS256 secret to sign with; or the ' +
      'database cannot be reached (the 503 envelope)',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(OAuthErrorDto) },
        { $ref: getSchemaPath(BareErrorEnvelopeDto) },
      ],
    },
    examples: {
      temporarily_unavailable: {
        summary: 'temporarily_unavailable',
        value: { error: 'temporarily_unavailable' },
      },
      database_unavailable: {
        summary: UNAVAILABLE_MESSAGE,
        value: envelope(503, UNAVAILABLE_MESSAGE),
      },
    },
  })
  async token(
    @Body() body: Record<string, unknown> | undefined,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<TokenResponseDto> {
    const token = await this.tokens.issue(readTokenRequest(body, authorization));
    return {
      access_token: token.accessToken,
      token_type: token.tokenType,
      expires_in: token.expiresIn,
      scope: token.scope,
    };
  }
}
