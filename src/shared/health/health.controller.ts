import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { ApiEnvelope } from '../http/api-envelope.decorator.js';
import { ShutdownState } from '../lifecycle/shutdown-state.js';

const DATABASE_TIMEOUT_MS = 3000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ operationId: 'checkHealth', summary: 'Liveness and database readiness' })
  @ApiEnvelope(null, {
    message: 'healthy',
    description: 'The process is up and the database answers',
    example: {
      status: 'ok',
      info: { database: { status: 'up' } },
      error: {},
      details: { database: { status: 'up' } },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'The database does not answer',
    example: {
      code: 503,
      message: 'service unavailable',
      data: {
        status: 'error',
        info: {},
        error: { database: { status: 'down' } },
        details: { database: { status: 'down' } },
      },
    },
  })
  check() {
    return this.health.check([() => this.database()]);
  }

  /** For an orchestrator's liveness probe: answers while the process runs; no database. */
  @Get('live')
  @Public()
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness: the process is up' })
  @ApiEnvelope(null, {
    message: 'alive',
    description: 'The process is up (the database is not consulted, nor is shutdown)',
  })
  live() {
    return { status: 'ok' };
  }

  /**
   * For a load balancer's or orchestrator's readiness probe: the database answers, every
   * migration of this build is applied, and the instance is not shutting down.
   */
  @Get('ready')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'checkReadiness',
    summary: 'Readiness: database up, migrations applied, not shutting down',
  })
  @ApiEnvelope(null, {
    message: 'ready',
    description: 'The database answers, migrations are applied, not shutting down',
  })
  @ApiServiceUnavailableResponse({
    description: 'Shutting down, the database does not answer, or migrations are pending',
  })
  ready() {
    return this.health.check([
      () => {
        const check = this.indicators.check('shutdown');
        return this.shutdown.isShuttingDown
          ? check.down({ shutting_down: true })
          : check.up({ shutting_down: false });
      },
      () => this.database(),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            const pending = await this.pendingMigrations();
            if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`);
          })
          .withTimeout(DATABASE_TIMEOUT_MS),
    ]);
  }

  private database() {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await this.dataSource.query('SELECT 1');
      })
      .withTimeout(DATABASE_TIMEOUT_MS);
  }

  /** The migrations of this build that the database has not recorded. */
  private async pendingMigrations(): Promise<string[]> {
    const names = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT name FROM "${table}" WHERE name = ANY($1)`,
      [names],
    );
    const applied = new Set(rows.map((r) => r.name));
    return names.filter((name) => !applied.has(name));
  }
}
