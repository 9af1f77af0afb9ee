import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../auth/auth.decorators.js';
import { UnauthenticatedError } from '../domain-error.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `GET /metrics`: Prometheus text, outside the envelope and the API document (it is for the
 * scraper, see docs/operations.md). With METRICS_TOKEN set it needs that bearer token.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: PrometheusMetrics,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const expected = this.config.METRICS_TOKEN;
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match || !timingSafeEqual(digest(match[1]), digest(expected)))
        throw new UnauthenticatedError('metrics token missing or wrong');
    }
    const text = await this.metrics.scrape();
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(text);
  }
}
