import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { type App, APP_TYPES, type AppDetails, type AppType } from '../domain/app.js';

const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/** `app_type` may be sent as one string or an array; it is stored and returned as an array. */
const toArray = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);

export class UpdateAppDto {
  @ApiProperty({ minLength: 3, maxLength: 50, example: 'Test Import Clients App' })
  @IsString()
  @MinLength(3)
  @MaxLength(50)
  name: string;

  @ApiProperty({
    oneOf: [
      { type: 'string', enum: [...APP_TYPES] },
      { type: 'array', items: { type: 'string', enum: [...APP_TYPES] } },
    ],
    example: 'import_clients',
    description: 'One type or an array of types; always returned as an array',
  })
  @Transform(toArray)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(APP_TYPES.length)
  @IsIn(APP_TYPES, { each: true })
  app_type: AppType[];

  @ApiProperty({ example: 'https://example.com/callback', description: 'Absolute http(s) URL' })
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  redirect_uri: string;

  @ApiPropertyOptional({
    example: 'https://app.example.com/records',
    description: 'Where an import_clients app is pulled from',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL)
  api_uri?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  toDetails(): AppDetails {
    return {
      name: this.name,
      appTypes: [...new Set(this.app_type)],
      redirectUri: this.redirect_uri,
      apiUri: this.api_uri ?? null,
      description: this.description ?? null,
    };
  }
}

export class CreateAppDto extends UpdateAppDto {
  @ApiProperty({ pattern: '^[a-zA-Z0-9]+$', maxLength: 64, example: 'testimportapp1700000000' })
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-zA-Z0-9]+$/)
  app_code_name: string;
}

export class AppDto {
  @ApiProperty({ example: 'testimportapp1700000000' })
  app_code_name: string;
  @ApiProperty({ format: 'uuid' })
  app_id: string;
  @ApiProperty({ example: 'Test Import Clients App' })
  name: string;
  @ApiProperty({ type: [String], enum: APP_TYPES, example: ['import_clients'] })
  app_type: string[];
  @ApiProperty({ example: 'https://example.com/callback' })
  redirect_uri: string;
  @ApiProperty({ nullable: true, type: String })
  api_uri: string | null;
  @ApiProperty({ nullable: true, type: String })
  description: string | null;
  @ApiProperty({ description: "The creating token's sub", example: 'user-42' })
  owner_uid: string;
  @ApiProperty({ format: 'date-time' })
  created_at: string;
  @ApiProperty({ format: 'date-time' })
  updated_at: string;

  static from(app: App): AppDto {
    return {
      app_code_name: app.appCodeName,
      app_id: app.appId,
      name: app.name,
      app_type: app.appTypes,
      redirect_uri: app.redirectUri,
      api_uri: app.apiUri,
      description: app.description,
      owner_uid: app.ownerUid,
      created_at: app.createdAt.toISOString(),
      updated_at: app.updatedAt.toISOString(),
    };
  }
}

/** The app with its credentials: the answer of its creation and of a secret rotation only. */
export class CreatedAppDto extends AppDto {
  @ApiProperty({
    description: 'Shown on creation and rotation only',
    example: 'app_9f86d081884c7d659a2feaa0',
  })
  client_id: string;
  @ApiProperty({
    description:
      'Shown once. The server keeps its hash (to authenticate the app) and an encrypted copy ' +
      '(to sign the requests it sends the app: HMAC-SHA256 keyed with this secret)',
    example: 'sk_q3Vt0bX9mK2pL7wN4rY8cE1hJ6gF5dA0sZ-uI_oTxMv',
  })
  client_secret: string;

  static withSecret({ app, clientSecret }: { app: App; clientSecret: string }): CreatedAppDto {
    return { ...AppDto.from(app), client_id: app.clientId, client_secret: clientSecret };
  }
}

/** The seed's prerequisite request (000_…): it succeeds as it stands, once. */
export const CREATE_APP_EXAMPLE = {
  name: 'Test Import Clients App',
  app_code_name: 'testimportapp1700000000',
  app_type: 'import_clients',
  redirect_uri: 'https://example.com/callback',
};

/** A replace body that succeeds as it stands (on an app the caller owns). */
export const UPDATE_APP_EXAMPLE = {
  name: 'Test Import Clients App',
  app_type: ['import_clients'],
  redirect_uri: 'https://example.com/callback',
  description: 'Pulls clients from the example CRM',
};
