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
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../../../shared/auth/auth.decorators.js';
import { RAW_RESPONSE_KEY } from '../../../shared/http/envelope.interceptor.js';
import { RateLimited } from '../../../shared/http/rate-limit.js';
import { AppTokenService } from '../application/app-token.service.js';
import { OAuthErrorFilter } from './oauth-error.filter.js';
import { OAuthErrorDto, TokenRequestDto, TokenResponseDto } from './oauth.dto.js';
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
    summary: 'Get an app token (client credentials grant)',
    description: [
      'An app trades its `client_id` and `client_secret` (in the body, or as HTTP Basic',
      'authentication `base64(client_id:client_secret)`) for a 1-hour bearer token with',
      '`sub: app:<app_code_name>` and the scopes `clients:read clients:import`. The app then acts',
      'for a business it is assigned to by sending `X-On-Behalf-Of: <business_uid>`.',
      '',
      'Answers are plain RFC 6749 JSON, not the `{code, message, data}` envelope.',
    ].join('\n'),
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({
    type: TokenResponseDto,
    headers: NO_STORE,
    description: 'The app token (plain RFC 6749 JSON, not the envelope)',
  })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: '`invalid_request` (a parameter missing or repeated) or `unsupported_grant_type`',
  })
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    description: '`invalid_client`: unknown client_id or wrong client_secret',
  })
  @ApiServiceUnavailableResponse({
    type: OAuthErrorDto,
    description: '`temporarily_unavailable`: the server has no HS256 secret to sign with',
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
