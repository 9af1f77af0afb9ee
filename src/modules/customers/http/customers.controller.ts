import { Body, Controller, Delete, Get, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BusinessScoped, CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { NotFoundError } from '../../../shared/domain-error.js';
import {
  ApiEnvelope,
  ApiErrors,
  ApiJsonBody,
  COMMON_ERRORS,
  errorDoc,
} from '../../../shared/http/api-envelope.decorator.js';
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
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
import { TemplateQueryDto, ValidateQueryDto } from '../../../import/http/import-job.dto.js';
import { ImportJobRoutes } from '../../../import/http/import-job.controller.js';
import { CustomersService } from '../application/customers.service.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../domain/customer.js';
import {
  CUSTOMER_BODY_EXAMPLE,
  CUSTOMERS_CONFIRM_EXAMPLE,
  CUSTOMERS_ERRORS_CSV_EXAMPLE,
  CUSTOMERS_REVERT_EXAMPLE,
  CUSTOMERS_VALIDATE_EXAMPLE,
  CustomerDto,
  CustomerFieldsDto,
  ListCustomersQueryDto,
} from './customer.dto.js';

const ID = { name: 'id', format: 'uuid', description: 'From the create response or the list' };
const EXAMPLE_ID = '5b0c4e1e-8a43-4c9e-9a55-3f0d6c1e2a10';
const IMPORT = { name: 'customers', columns: CUSTOMER_IMPORT_COLUMNS };
const IMPORT_PATHS = { one: '/customers/import' };
const NOT_FOUND = errorDoc(
  'No such customer in your business',
  new NotFoundError(`customer ${EXAMPLE_ID}`),
);

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
  @ApiOperation({ operationId: 'createCustomer', summary: 'Create a customer' })
  @ApiJsonBody(CustomerFieldsDto, CUSTOMER_BODY_EXAMPLE)
  @Idempotent()
  @ApiEnvelope(CustomerDto, { status: 201, message: 'customer created' })
  @ApiErrors(withIdempotencyErrors({ 400: COMMON_ERRORS.invalidBody }))
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
  @ApiOperation({ operationId: 'listCustomers', summary: 'List and search customers' })
  @ApiEnvelope(CustomerDto, { message: 'customers', list: true })
  @ApiErrors({ 400: COMMON_ERRORS.badPage })
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

  @ImportTemplateRoute(IMPORT, 'customers:read')
  async template(@Query() query: TemplateQueryDto, @Res() res: Response): Promise<void> {
    await this.imports.template(res, this.target, query.format);
  }

  @ValidateImportRoute({
    entity: IMPORT,
    scope: 'customers:import',
    summary:
      'Validate a customers CSV or Excel workbook: classify every row and keep a session for 30 minutes',
    description:
      'Columns: ' +
      CUSTOMER_IMPORT_COLUMNS.join(', ') +
      ' (any order; `;`, tab and `|` files work too). The file is a CSV or an .xlsx workbook ' +
      '(recognised by its content; `sheet` names the worksheet, else the first). A row breaking a field rule, or repeating an ' +
      'earlier VAT number (`duplicate_in_csv`), is an `error` row; customers never produce ' +
      '`warning` or `ambiguous` rows. Writes nothing but the session.',
    message: 'customers import validated',
    example: CUSTOMERS_VALIDATE_EXAMPLE,
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
    entity: IMPORT,
    scope: 'customers:import',
    summary: 'Execute a validated customers import, row by row (non-atomic)',
    description:
      'Every valid row is created; error rows are skipped. `override` is a no-op and `resolutions` is accepted and ignored for customers. ' +
      'A repeated confirm returns the stored result with `Idempotent-Replayed: true`.',
    message: 'customers imported successfully',
    example: CUSTOMERS_CONFIRM_EXAMPLE,
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
    entity: IMPORT,
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

  @ImportErrorsCsvRoute('import/:import_id/errors.csv', {
    entity: IMPORT,
    scope: 'customers:import',
    example: CUSTOMERS_ERRORS_CSV_EXAMPLE,
  })
  async errorsCsv(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.errorsCsv(res, { target: this.target, principal: p, importId });
  }

  @Get(':id')
  @Scopes('customers:read')
  @ApiOperation({ operationId: 'getCustomer', summary: 'Get a customer' })
  @ApiParam(ID)
  @ApiEnvelope(CustomerDto, { message: 'customer' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('id'), 404: NOT_FOUND })
  async get(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<CustomerDto> {
    return CustomerDto.from(await this.customers.get(p.businessUid!, id));
  }

  @Put(':id')
  @Scopes('customers:write')
  @ApiOperation({ operationId: 'updateCustomer', summary: "Replace a customer's fields" })
  @ApiParam(ID)
  @ApiJsonBody(CustomerFieldsDto, CUSTOMER_BODY_EXAMPLE, 'Paste the id of an existing customer')
  @ApiEnvelope(CustomerDto, { message: 'customer updated' })
  @ApiErrors({ 400: [COMMON_ERRORS.invalidBody, COMMON_ERRORS.invalidUuid('id')], 404: NOT_FOUND })
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
  @ApiOperation({ operationId: 'deleteCustomer', summary: 'Delete a customer; returns it' })
  @ApiParam(ID)
  @ApiEnvelope(CustomerDto, { message: 'customer deleted' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('id'), 404: NOT_FOUND })
  async delete(
    @CurrentPrincipal() p: Principal,
    @UuidParam('id') id: string,
  ): Promise<CustomerDto> {
    return CustomerDto.from(await this.customers.delete(p.businessUid!, id));
  }
}

/** Events, rows, results, cancel and undo of a customers import. */
@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomerImportJobsController extends ImportJobRoutes({
  entity: 'customers',
  one: 'import',
  scope: 'customers:import',
  base: '/customers',
  revertExample: CUSTOMERS_REVERT_EXAMPLE,
  revertDescription:
    'Each customer the import created is deleted, unless it changed since (`kept`, `modified_since`) or a ' +
    'client now belongs to it (`kept`, `referenced`). An import never updates customers.',
}) {}
