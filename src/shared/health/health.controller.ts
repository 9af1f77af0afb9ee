import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { ApiEnvelope } from '../http/api-envelope.decorator.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiEnvelope(null, {
    message: 'healthy',
    description: 'The process is up and the database answers',
  })
  @ApiOkResponse({ description: 'Liveness and database readiness' })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer' })
  check() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.dataSource.query('SELECT 1');
          })
          .withTimeout(3000),
    ]);
  }
}
