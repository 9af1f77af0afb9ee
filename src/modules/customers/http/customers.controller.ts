import { Body, Controller, Delete, Get, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BusinessScoped, CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import { RateLimited } from '../../../shared/http/rate-limit.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { ImportEndpoints } from '../../../import/http/import-endpoints.js';
import {
  ConfirmImportDto,
  ConfirmResultDto,
  ImportStatusDto,
  ValidateResultDto,
} from '../../../import/http/import.dto.js';
import { CustomersService } from '../application/customers.service.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../domain/customer.js';
import { CustomersImportTarget } from '../infrastructure/customers.import-target.js';
import { CustomerDto, CustomerFieldsDto, ListCustomersQueryDto } from './customer.dto.js';

const ID = { name: 'id', format: 'uuid' };
const IMPORT_ID = { name: 'import_id', format: 'uuid' };
export const CSV_UPLOAD_BODY = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', format: 'binary', description: 'The CSV file' } },
  },
};

@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly imports: ImportEndpoints,
    private readonly target: CustomersImportTarget,
  ) {}

  @Post()
  @Scopes('customers:write')
  @ApiOperation({ summary: 'Create a customer' })
  @ApiEnvelope(CustomerDto, { status: 201, message: 'customer created' })
  @ApiErrors({ 400: 'Invalid body' })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CustomerFieldsDto,
  ): Promise<CustomerDto> {
    return CustomerDto.from(
      await this.customers.create(p.businessUid!, CustomerFieldsDto.toFields(body)),
    );
  }

  @Get()
  @Scopes('customers:read')
  @ApiOperation({ summary: 'List and search customers' })
  @ApiEnvelope(CustomerDto, { message: 'customers', list: true })
  @ApiErrors({ 400: 'page or page_size out of range' })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() query: ListCustomersQueryDto,
  ): Promise<Page<CustomerDto>> {
    const page = await this.customers.list(
      p.businessUid!,
      query.search?.trim() || undefined,
      query.toPageRequest(),
    );
    return { ...page, items: page.items.map((c) => CustomerDto.from(c)) };
  }

  @Get('import/template')
  @Scopes('customers:read')
  @ApiOperation({ summary: 'The CSV template of a customers import (header line only)' })
  @ApiProduces('text/csv')
  template(@Res() res: Response): void {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="customers-import-template.csv"');
    res.send(`${CUSTOMER_IMPORT_COLUMNS.join(',')}\r\n`);
  }

  @Post('import/validate')
  @RateLimited(60)
  @Scopes('customers:import')
  @ApiOperation({
    summary: 'Validate a customers CSV: classify every row and keep a session for 30 minutes',
    description:
      'Columns: ' + CUSTOMER_IMPORT_COLUMNS.join(', ') + '. Writes nothing but the session.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(CSV_UPLOAD_BODY)
  @ApiEnvelope(ValidateResultDto, { message: 'customers import validated' })
  @ApiErrors({
    400: 'No file, unreadable CSV, wrong columns, empty file, too many rows',
    413: 'File too large',
  })
  async validate(
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.validate(req, res, {
      target: this.target,
      principal: p,
      message: 'customers import validated',
    });
  }

  @Post('import/confirm')
  @Scopes('customers:import')
  @ApiOperation({
    summary: 'Execute a validated customers import, row by row (non-atomic)',
    description:
      'Every valid row is created; error rows are skipped. `override` is a no-op and `resolutions` is accepted and ignored for customers. ' +
      'A repeated confirm returns the stored result with `Idempotent-Replayed: true`.',
  })
  @ApiEnvelope(ConfirmResultDto, { message: 'customers imported successfully' })
  @ApiErrors({
    400: 'import_id not found or expired, or of another entity type',
    409: 'The import is being confirmed',
  })
  async confirm(
    @CurrentPrincipal() p: Principal,
    @Body() body: ConfirmImportDto,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.confirm(res, {
      target: this.target,
      principal: p,
      body,
      message: 'customers imported successfully',
    });
  }

  @Get('import/:import_id')
  @Scopes('customers:import')
  @ApiOperation({ summary: "An import's status, counters and per-row results" })
  @ApiParam(IMPORT_ID)
  @ApiEnvelope(ImportStatusDto, { message: 'customers import' })
  @ApiErrors({ 400: 'import_id is not a UUID', 404: 'No such import' })
  async importStatus(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.status(res, {
      target: this.target,
      principal: p,
      importId,
      message: 'customers import',
    });
  }

  @Get('import/:import_id/errors.csv')
  @Scopes('customers:import')
  @ApiOperation({ summary: 'The rows that were not imported, with reasons, as CSV' })
  @ApiParam(IMPORT_ID)
  @ApiProduces('text/csv')
  @ApiErrors({ 400: 'import_id is not a UUID', 404: 'No such import' })
  async errorsCsv(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.errorsCsv(res, { target: this.target, principal: p, importId });
  }

  @Get(':id')
  @Scopes('customers:read')
  @ApiOperation({ summary: 'Get a customer' })
  @ApiParam(ID)
  @ApiEnvelope(CustomerDto, { message: 'customer' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such customer' })
  async get(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<CustomerDto> {
    return CustomerDto.from(await this.customers.get(p.businessUid!, id));
  }

  @Put(':id')
  @Scopes('customers:write')
  @ApiOperation({ summary: "Replace a customer's fields" })
  @ApiParam(ID)
  @ApiEnvelope(CustomerDto, { message: 'customer updated' })
  @ApiErrors({ 400: 'Invalid body or id', 404: 'No such customer' })
  async update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('id') id: string,
    @Body() body: CustomerFieldsDto,
  ): Promise<CustomerDto> {
    return CustomerDto.from(
      await this.customers.update(p.businessUid!, id, CustomerFieldsDto.toFields(body)),
    );
  }

  @Delete(':id')
  @Scopes('customers:write')
  @ApiOperation({ summary: 'Delete a customer; returns it' })
  @ApiParam(ID)
  @ApiEnvelope(CustomerDto, { message: 'customer deleted' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such customer' })
  async delete(
    @CurrentPrincipal() p: Principal,
    @UuidParam('id') id: string,
  ): Promise<CustomerDto> {
    return CustomerDto.from(await this.customers.delete(p.businessUid!, id));
  }
}
