import { Body, Controller, Delete, Get, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BusinessScoped, CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { ImportTargets } from '../../../import/application/import-targets.js';
import { ImportEndpoints } from '../../../import/http/import-endpoints.js';
import {
  ConfirmImportRoute,
  ImportErrorsCsvRoute,
  ImportStatusRoute,
  ImportTemplateRoute,
  ValidateImportRoute,
} from '../../../import/http/import-routes.js';
import { ConfirmImportDto } from '../../../import/http/import.dto.js';
import { ValidateQueryDto } from '../../../import/http/import-job.dto.js';
import { ImportJobRoutes } from '../../../import/http/import-job.controller.js';
import { CustomersService } from '../application/customers.service.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../domain/customer.js';
import { CustomerDto, CustomerFieldsDto, ListCustomersQueryDto } from './customer.dto.js';

const ID = { name: 'id', format: 'uuid' };
const IMPORT_PATHS = { one: '/customers/import' };
@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly imports: ImportEndpoints,
    private readonly targets: ImportTargets,
  ) {}

  /** The entity's import target, as registered with the engine. */
  private get target() {
    return this.targets.get('customers');
  }

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
    @Query() query: ValidateQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.validate(req, res, {
      target: this.target,
      principal: p,
      paths: IMPORT_PATHS,
      rows: query.rows,
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
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.confirm(req, res, {
      target: this.target,
      principal: p,
      paths: IMPORT_PATHS,
      body,
      message: 'customers imported successfully',
    });
  }

  @ImportStatusRoute('import/:import_id', {
    scope: 'customers:import',
    summary: "An import's status, counters and per-row results",
    message: 'customers import',
  })
  importStatus(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Req() req: Request,
  ) {
    return this.imports.status(req, {
      target: this.target,
      principal: p,
      importId,
      paths: IMPORT_PATHS,
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

/** Events, rows, results and cancel of a customers import. */
@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomerImportJobsController extends ImportJobRoutes({
  entity: 'customers',
  one: 'import',
  scope: 'customers:import',
  base: '/customers',
}) {}
