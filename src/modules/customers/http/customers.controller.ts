import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
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
import { ImportRoutes } from '../../../import/http/import.controller.js';
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
const NOT_FOUND = errorDoc(
  'No such customer in your business',
  new NotFoundError(`customer ${EXAMPLE_ID}`),
);

@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

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

/** The import routes of customers: template, validate, confirm, status, errors.csv, events, rows, results, cancel, undo. */
@ApiTags('customers')
@BusinessScoped()
@Controller('customers')
export class CustomerImportsController extends ImportRoutes({
  entity: 'customers',
  columns: CUSTOMER_IMPORT_COLUMNS,
  base: '/customers',
  one: 'import',
  scope: 'customers:import',
  readScope: 'customers:read',
  validate: {
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
  },
  confirm: {
    summary: 'Execute a validated customers import, row by row (non-atomic)',
    description:
      'Every valid row is created; error rows are skipped. `override` is a no-op and `resolutions` is accepted and ignored for customers. ' +
      'A repeated confirm returns the stored result with `Idempotent-Replayed: true`.',
    message: 'customers imported successfully',
    example: CUSTOMERS_CONFIRM_EXAMPLE,
  },
  status: {
    summary: "An import's status, counters and per-row results",
    message: 'customers import',
  },
  errorsCsvExample: CUSTOMERS_ERRORS_CSV_EXAMPLE,
  revertExample: CUSTOMERS_REVERT_EXAMPLE,
  revertDescription:
    'Each customer the import created is deleted, unless it changed since (`kept`, `modified_since`) or a ' +
    'client now belongs to it (`kept`, `referenced`). An import never updates customers.',
}) {}
