import { Body, Controller, Delete, Get, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BusinessScoped, CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { ImportEndpoints } from '../../../import/http/import-endpoints.js';
import {
  ConfirmImportRoute,
  ImportErrorsCsvRoute,
  ImportStatusRoute,
  ImportTemplateRoute,
  ValidateImportRoute,
} from '../../../import/http/import-routes.js';
import { ConfirmImportDto } from '../../../import/http/import.dto.js';
import { CustomersService } from '../application/customers.service.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../domain/customer.js';
import { CustomersImportTarget } from '../infrastructure/customers.import-target.js';
import { CustomerDto, CustomerFieldsDto, ListCustomersQueryDto } from './customer.dto.js';

const ID = { name: 'id', format: 'uuid' };
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
  @Idempotent()
  @ApiEnvelope(CustomerDto, { status: 201, message: 'customer created' })
  @ApiErrors(withIdempotencyErrors({ 400: 'Invalid body' }))
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

  @ImportTemplateRoute('customers', 'customers:read')
  template(@Res() res: Response): void {
    this.imports.template(res, this.target);
  }

  @ValidateImportRoute({
    scope: 'customers:import',
    summary: 'Validate a customers CSV: classify every row and keep a session for 30 minutes',
    description:
      'Columns: ' + CUSTOMER_IMPORT_COLUMNS.join(', ') + '. Writes nothing but the session.',
    message: 'customers import validated',
    badRequest: 'No file, unreadable CSV, wrong columns, empty file, too many rows',
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

  @ConfirmImportRoute({
    scope: 'customers:import',
    summary: 'Execute a validated customers import, row by row (non-atomic)',
    description:
      'Every valid row is created; error rows are skipped. `override` is a no-op and `resolutions` is accepted and ignored for customers. ' +
      'A repeated confirm returns the stored result with `Idempotent-Replayed: true`.',
    message: 'customers imported successfully',
    badRequest: 'import_id not found or expired, or of another entity type',
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

  @ImportStatusRoute('import/:import_id', {
    scope: 'customers:import',
    summary: "An import's status, counters and per-row results",
    message: 'customers import',
  })
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

  @ImportErrorsCsvRoute('import/:import_id/errors.csv', 'customers:import')
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
